import { cstr, sysCall, T } from './libc.js';
import { strerror, SysError } from './errors.js';
import { umount2, MNT_DETACH } from './mount.js';
import { closeSync, readSync } from 'node:fs';

// The new mount API (Linux 5.2+; mount_setattr 5.12+): a file system is configured and mounted
// detached first, then attached where it belongs. nsrun uses it to replace a mount (the host's
// /proc inside a container) without ever stacking the new one on top of the old, and to add
// flags to a whole tree of mounts at once.

// <asm-generic/unistd.h>: the same numbers on x86_64, i386 and aarch64.
const NR_MOVE_MOUNT = 429;
const NR_FSOPEN = 430;
const NR_FSCONFIG = 431;
const NR_FSMOUNT = 432;
const NR_MOUNT_SETATTR = 442;

// <linux/mount.h>
export const FSOPEN_CLOEXEC = 0x1;
export const FSCONFIG_SET_FLAG = 0;
export const FSCONFIG_SET_STRING = 1;
export const FSCONFIG_CMD_CREATE = 6;
export const FSMOUNT_CLOEXEC = 0x1;
export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
export const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
/** <linux/fcntl.h> */
export const AT_FDCWD = -100;
export const AT_RECURSIVE = 0x8000;
/** sizeof(struct mount_attr), MOUNT_ATTR_SIZE_VER0. */
const MOUNT_ATTR_SIZE = 32;

/**
 * The messages the kernel left in a file system context (fsopen's fd), e.g. "e proc: ..."
 * lines: the reason behind an EINVAL of fsconfig. Empty when there are none.
 */
function contextLog(fd: number): string {
  const lines: string[] = [];
  const buf = Buffer.alloc(1024);
  for (let i = 0; i < 8; i++) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch {
      break; // ENODATA: nothing (more) to read
    }
    if (n <= 0) break;
    lines.push(
      buf
        .toString('utf8', 0, n)
        .trim()
        .replace(/^[ewi] /, ''),
    );
  }
  return lines.join('; ');
}

const withLog =
  (fd: number) =>
  (errno: number): string | undefined => {
    const log = contextLog(fd);
    return log ? `${strerror(errno)}; kernel: ${log}` : undefined;
  };

export interface FreshMount {
  /** fsconfig string options, e.g. { pidns: '/proc/42/ns/pid' } or { mode: '755' }. */
  options?: Readonly<Record<string, string>>;
  /** MOUNT_ATTR_* flags of the new mount. */
  attrs?: number;
  /**
   * Detach (lazily, with everything under them) the mounts at `target` — all of them, when
   * several are stacked there — before attaching the new one, so nothing of the old trees
   * stays reachable beneath it.
   */
  replace?: boolean;
}

/**
 * Mounts a new instance of `fstype` on `target`: created and configured detached (fsopen,
 * fsconfig, fsmount), then attached with move_mount. With `replace`, the old mount at `target`
 * and its submounts are detached first; the options (a pidns= path, say) are resolved before that.
 */
export function mountFresh(fstype: string, target: string, opts: FreshMount = {}): void {
  const what = `${fstype} on ${target}`;
  const fs = sysCall('fsopen', NR_FSOPEN, [T.buf, T.u64], [cstr(fstype, 'fstype'), FSOPEN_CLOEXEC], fstype);
  let mnt = -1;
  try {
    for (const [k, v] of Object.entries(opts.options ?? {})) {
      sysCall(
        'fsconfig',
        NR_FSCONFIG,
        [T.i32, T.u64, T.buf, T.buf, T.i32],
        [fs, FSCONFIG_SET_STRING, cstr(k, 'option'), cstr(v, 'value'), 0],
        `${what} ${k}=${v}`,
        withLog(fs),
      );
    }
    sysCall('fsconfig', NR_FSCONFIG, [T.i32, T.u64, T.u64, T.u64, T.i32], [fs, FSCONFIG_CMD_CREATE, 0, 0, 0], `${what} (create)`, withLog(fs));
    mnt = sysCall('fsmount', NR_FSMOUNT, [T.i32, T.u64, T.u64], [fs, FSMOUNT_CLOEXEC, opts.attrs ?? 0], what, withLog(fs));
    if (opts.replace) detachAll(target);
    sysCall('move_mount', NR_MOVE_MOUNT, [T.i32, T.buf, T.i32, T.buf, T.u64], [mnt, cstr(''), AT_FDCWD, cstr(target, 'target'), MOVE_MOUNT_F_EMPTY_PATH], what);
  } finally {
    if (mnt >= 0) closeSync(mnt);
    closeSync(fs);
  }
}

/** Detaches every mount stacked at `target`, top first, until it is no mount point (EINVAL). */
function detachAll(target: string): void {
  for (let i = 0; i < 64; i++) {
    try {
      umount2(target, MNT_DETACH);
    } catch (e) {
      if (e instanceof SysError && e.code === 'EINVAL') return;
      throw e;
    }
  }
}

/**
 * mount_setattr(2): sets (and clears) MOUNT_ATTR_* flags of the mount at `path`, and with
 * `recursive` of every mount below it, leaving their other flags as they are.
 */
export function mountSetattr(path: string, set: number, opts: { clear?: number; recursive?: boolean } = {}): void {
  const attr = Buffer.alloc(MOUNT_ATTR_SIZE);
  attr.writeBigUInt64LE(BigInt(set), 0);
  attr.writeBigUInt64LE(BigInt(opts.clear ?? 0), 8);
  const flags = opts.recursive ? AT_RECURSIVE : 0;
  sysCall(
    'mount_setattr',
    NR_MOUNT_SETATTR,
    [T.i32, T.buf, T.u64, T.buf, T.u64],
    [AT_FDCWD, cstr(path, 'path'), flags, attr, MOUNT_ATTR_SIZE],
    `${path} set 0x${set.toString(16)}${opts.recursive ? ' (recursive)' : ''}`,
  );
}
