import { existsSync, lstatSync } from 'node:fs';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, mount } from '@nsrun/sys';
import type { StepRunner } from './errors.js';
import { mountDev } from './dev.js';
import { bindRootfs, pivotInto } from './rootfs.js';

// The container's file systems, set up by nsrun's main thread while it stands in the new mount
// namespace (setup.ts), before the command is released. Mounts are already private there, so
// none is seen by the host and all go with the namespace.

export interface MountPlan {
  /** The gate's pid as nsrun sees it: /proc is mounted for its pid namespace. */
  pid: number;
  /** The container has its own network namespace: mount a sysfs that shows it. */
  ownNet: boolean;
  /** Switch to this root (pivot_root) with a minimal /dev, fresh /proc and /sys. */
  rootfs: string | undefined;
  /** Blocks until the gate has loaded (before the pivot takes the host's tree away). */
  gateReady: () => void;
  /** A file to bind-mount over the container's /etc/resolv.conf (dns.ts). */
  resolvConf: string | undefined;
  /** Told when the resolv.conf cannot go in (a rootfs without /etc/resolv.conf). */
  warn: (message: string) => void;
}

/** Mounts /proc (and /sys) for the container; with a rootfs, /dev too, then pivots into it. */
export function mountContainer(plan: MountPlan, step: StepRunner): void {
  if (plan.rootfs === undefined) {
    step('mount-proc', () => mountProc('/proc', plan.pid));
    // With the host's network the host's /sys already shows the right one.
    if (plan.ownNet) step('mount-sys', () => mountSys('/sys'));
    if (plan.resolvConf !== undefined) step('resolv-conf', () => bindResolvConf(plan.resolvConf!, '/etc/resolv.conf', false, plan.warn));
    return;
  }
  let root = '';
  step('rootfs', () => (root = bindRootfs(plan.rootfs!)));
  step('mount-proc', () => mountProc(`${root}/proc`, plan.pid));
  // A fresh sysfs in both network modes: it shows this thread's network namespace, which is
  // the container's own, or the host's when the container shares it.
  step('mount-sys', () => mountSys(`${root}/sys`));
  step('mount-dev', () => mountDev(`${root}/dev`));
  if (plan.resolvConf !== undefined) step('resolv-conf', () => bindResolvConf(plan.resolvConf!, `${root}/etc/resolv.conf`, true, plan.warn));
  step('pivot-root', () => pivotInto(root, plan.gateReady));
}

// This thread is not in the new pid namespace (only its children are): name it through the
// gate, PID 1 there.
function mountProc(target: string, pid: number): void {
  mount('proc', target, 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, `pidns=/proc/${pid}/ns/pid`);
}

// sysfs shows the network namespace of the thread that mounts it.
function mountSys(target: string): void {
  mount('sysfs', target, 'sysfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
}

// Over the file, in this mount namespace only: the host's file is not touched. Without a
// rootfs, a symlink (systemd's /etc/resolv.conf) is followed, still inside this namespace. In a
// rootfs a symlink would be resolved against the host's tree, so it is not followed; and nsrun
// creates no file there. Either way the container then keeps what it has, with a warning.
function bindResolvConf(source: string, target: string, inRootfs: boolean, warn: (message: string) => void): void {
  let st;
  try {
    st = lstatSync(target);
  } catch {
    st = undefined;
  }
  if (st === undefined || (inRootfs && st.isSymbolicLink()) || (!inRootfs && !existsSync(target))) {
    const why = st === undefined ? 'does not exist' : inRootfs && st.isSymbolicLink() ? 'is a symlink (not followed inside a rootfs)' : 'is a dangling symlink';
    warn(`${target} ${why}${inRootfs ? ' (nsrun does not write to a rootfs)' : ''}: the container's resolv.conf is left as it is`);
    return;
  }
  mount(source, target, null, MS_BIND);
}
