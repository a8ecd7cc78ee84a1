import { existsSync, lstatSync, openSync, closeSync, writeSync, rmSync } from 'node:fs';
import {
  MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NOEXEC,
  MOUNT_ATTR_NOSUID,
  MOUNT_ATTR_RDONLY,
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_RDONLY,
  MS_REC,
  mount,
  mountFresh,
  mountSetattr,
} from '@nsrun/sys';
import type { StepRunner } from './errors.js';
import { mountDev } from './dev.js';
import { bindRootfs, pivotInto } from './rootfs.js';
import { MASKED_PATHS, READONLY_PATHS } from './security/paths.js';

// The container's file systems, set up by nsrun's main thread while it stands in the new mount
// namespace (setup.ts), before the command is released. Mounts are already private there, so
// none is seen by the host and all go with the namespace.

export interface MountPlan {
  /** The gate's pid as nsrun sees it: /proc is mounted for its pid namespace. */
  pid: number;
  /** The container has its own network namespace: mount a sysfs that shows it. */
  ownNet: boolean;
  /** No sysfs may be mounted (rootless with the host's network): the host's is bound instead. */
  noSysfs?: boolean;
  /** Switch to this root (pivot_root) with a minimal /dev, fresh /proc and /sys. */
  rootfs: string | undefined;
  /** Blocks until the gate has loaded (before the pivot takes the host's tree away). */
  gateReady: () => void;
  /** The text of the container's /etc/resolv.conf (dns.ts), bind-mounted over the one it has. */
  resolvConf: string | undefined;
  /** nsrun's state directory: hidden from a container that shares the host's tree. */
  stateDir: string;
  /** Not privileged: /sys read-only, runc's masked and read-only paths, nodev on the rootfs and /dev. */
  confined: boolean;
  /** Told when the resolv.conf cannot go in (a rootfs without /etc/resolv.conf). */
  warn: (message: string) => void;
}

const PROC_ATTRS = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

/** Mounts /proc (and /sys) for the container; with a rootfs, /dev too, then pivots into it. */
export function mountContainer(plan: MountPlan, step: StepRunner): void {
  const sysAttrs = PROC_ATTRS | (plan.confined ? MOUNT_ATTR_RDONLY : 0);
  if (plan.rootfs === undefined) {
    // The container shares the host's tree: nsrun's records must not be in it.
    let scratch: string | undefined;
    step('hide-state', () => (scratch = privateTmpfs(plan.stateDir)));
    if (plan.resolvConf !== undefined) step('resolv-conf', () => bindResolvConf(plan.resolvConf!, scratch, '/etc/resolv.conf', false, plan.warn));
    if (scratch !== undefined) step('hide-state', () => mountSetattr(plan.stateDir, MOUNT_ATTR_RDONLY));
    // The host's /proc (and what is mounted under it) is detached, not just covered: nothing of
    // it stays beneath for an umount to uncover. The pidns= path is resolved before that.
    step('mount-proc', () => mountFresh('proc', '/proc', { options: { pidns: `/proc/${plan.pid}/ns/pid` }, attrs: PROC_ATTRS, replace: true }));
    // sysfs shows the network namespace of the thread that mounts it: the container's, or with
    // the host's network the host's, read-only either way unless privileged.
    // Rootless with the host's network the host's /sys stays: a user namespace may not mount one.
    if ((plan.ownNet || plan.confined) && !plan.noSysfs) step('mount-sys', () => mountFresh('sysfs', '/sys', { attrs: sysAttrs, replace: true }));
    if (plan.confined) step('mask-paths', () => maskPaths(''));
    return;
  }
  let root = '';
  step('rootfs', () => {
    root = bindRootfs(plan.rootfs!);
    // A device node in the rootfs (made with mknod, or brought along) opens nothing.
    if (plan.confined) mountSetattr(root, MOUNT_ATTR_NODEV, { recursive: true });
  });
  step('mount-proc', () => mount('proc', `${root}/proc`, 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, `pidns=/proc/${plan.pid}/ns/pid`));
  if (plan.noSysfs) step('mount-sys', () => mount('/sys', `${root}/sys`, null, MS_BIND | MS_REC, null));
  else step('mount-sys', () => mount('sysfs', `${root}/sys`, 'sysfs', MS_NOSUID | MS_NODEV | MS_NOEXEC | (plan.confined ? MS_RDONLY : 0), null));
  step('mount-dev', () => mountDev(`${root}/dev`, plan.confined));
  if (plan.resolvConf !== undefined) {
    // The tmpfs holding the file while it is bound goes away with the host's tree at the pivot.
    step('resolv-conf', () => bindResolvConf(plan.resolvConf!, privateTmpfs(plan.stateDir), `${root}/etc/resolv.conf`, true, plan.warn));
  }
  if (plan.confined) step('mask-paths', () => maskPaths(root));
  step('pivot-root', () => pivotInto(root, plan.gateReady));
}

/**
 * A tmpfs of this mount namespace over nsrun's state directory (none over `/`): it hides the
 * records from a container that shares the host's tree, and holds the resolv.conf while it is
 * bound, so a killed nsrun leaves no file behind. Returns the directory, or undefined.
 */
function privateTmpfs(stateDir: string): string | undefined {
  if (stateDir === '/') return undefined;
  mount('tmpfs', stateDir, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'mode=0700,size=64k');
  return stateDir;
}

/**
 * runc's masked and read-only paths under `root` (the container's /proc and /sys are mounted
 * there). /dev/null is the host's (bound before any pivot), so nothing is read from the rootfs.
 */
function maskPaths(root: string): void {
  for (const p of MASKED_PATHS) {
    const path = `${root}${p}`;
    const st = statOrUndefined(path);
    if (!st) continue;
    if (st.isDirectory()) mount('tmpfs', path, 'tmpfs', MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 'mode=0555');
    else mount('/dev/null', path, null, MS_BIND);
  }
  for (const p of READONLY_PATHS) {
    const path = `${root}${p}`;
    if (!statOrUndefined(path)) continue;
    mount(path, path, null, MS_BIND);
    mountSetattr(path, MOUNT_ATTR_RDONLY | PROC_ATTRS, { recursive: true });
  }
}

function statOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

// Over the file, in this mount namespace only: the host's file is not touched. The text is
// written to `dir` (a tmpfs of this namespace; without one, /etc/resolv.conf is left alone),
// bound, and unlinked at once: the mount keeps it. Without a rootfs, a symlink (systemd's
// /etc/resolv.conf) is followed, still inside this namespace. In a rootfs a symlink would be
// resolved against the host's tree, so it is not followed; and nsrun creates no file there.
// Either way the container then keeps what it has, with a warning.
function bindResolvConf(text: string, dir: string | undefined, target: string, inRootfs: boolean, warn: (message: string) => void): void {
  const st = statOrUndefined(target);
  if (dir === undefined || st === undefined || (inRootfs && st.isSymbolicLink()) || (!inRootfs && !existsSync(target))) {
    const why =
      dir === undefined
        ? 'has nowhere private to be written (the state directory is /)'
        : st === undefined
          ? 'does not exist'
          : inRootfs && st.isSymbolicLink()
            ? 'is a symlink (not followed inside a rootfs)'
            : 'is a dangling symlink';
    warn(`${target} ${why}${inRootfs ? ' (nsrun does not write to a rootfs)' : ''}: the container's resolv.conf is left as it is`);
    return;
  }
  const file = `${dir}/resolv.conf`;
  const fd = openSync(file, 'w', 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    mount(file, target, null, MS_BIND);
  } finally {
    rmSync(file, { force: true });
  }
}
