import { call, cstr, cstrOrNull, T } from './libc.js';
import { refreshNodeCwd } from './cwd.js';

// mount(2), umount2(2), pivot_root(2), chroot(2), chdir(2). In Node they act on the main thread
// (namespaces and the root directory are per thread once CLONE_FS is unshared): use synchronous
// fs calls afterwards; libuv pool threads (fs.promises) keep the old view.

// <sys/mount.h> (glibc 2.36), same values as <linux/mount.h>
export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_SYNCHRONOUS = 16;
export const MS_REMOUNT = 32;
export const MS_MANDLOCK = 64;
export const MS_DIRSYNC = 128;
export const MS_NOSYMFOLLOW = 256;
export const MS_NOATIME = 1024;
export const MS_NODIRATIME = 2048;
export const MS_BIND = 4096;
export const MS_MOVE = 8192;
export const MS_REC = 16384;
export const MS_SILENT = 32768;
export const MS_POSIXACL = 1 << 16;
export const MS_UNBINDABLE = 1 << 17;
export const MS_PRIVATE = 1 << 18;
export const MS_SLAVE = 1 << 19;
export const MS_SHARED = 1 << 20;
export const MS_RELATIME = 1 << 21;
export const MS_STRICTATIME = 1 << 24;
export const MS_LAZYTIME = 1 << 25;

// <sys/mount.h>: umount2 flags
export const MNT_FORCE = 1;
export const MNT_DETACH = 2;
export const MNT_EXPIRE = 4;
export const UMOUNT_NOFOLLOW = 8;

/**
 * mount(2). `source`, `fstype` and `data` may be null (a NULL pointer), as for a propagation
 * change: `mount(null, '/', null, MS_REC | MS_PRIVATE)`.
 */
export function mount(source: string | null, target: string, fstype: string | null, flags = 0, data: string | null = null): void {
  const [srcT, srcV] = cstrOrNull(source, 'mount source');
  const [fsT, fsV] = cstrOrNull(fstype, 'mount fstype');
  const [dataT, dataV] = cstrOrNull(data, 'mount data');
  const what = `${source ?? 'none'} on ${target}${fstype ? ` type ${fstype}` : ''} flags 0x${flags.toString(16)}${data ? ` data ${data}` : ''}`;
  call('mount', T.i32, [srcT, T.buf, fsT, T.u64, dataT], [srcV, cstr(target, 'mount target'), fsV, flags, dataV], what);
}

/** umount2(2) with MNT_* / UMOUNT_NOFOLLOW flags. */
export function umount2(target: string, flags = 0): void {
  call('umount2', T.i32, [T.buf, T.i32], [cstr(target, 'umount target'), flags], `${target} flags 0x${flags.toString(16)}`);
}

// glibc has exported pivot_root since 2.2.5 on x86_64 (nm -D libc.so.6; only the header
// declaration is new), so no per-architecture syscall number is needed.
/**
 * pivot_root(2): `newRoot` becomes `/` and the old root is moved to `putOld` (inside
 * `newRoot`). `newRoot` must be a mount point and the mounts involved not shared (EINVAL):
 * unshare(CLONE_NEWNS) and `mount(null, '/', null, MS_REC | MS_PRIVATE)` first. The calling
 * thread's cwd is not changed unless it was the old root: chdir('/') after.
 */
export function pivotRoot(newRoot: string, putOld: string): void {
  call('pivot_root', T.i32, [T.buf, T.buf], [cstr(newRoot, 'new root'), cstr(putOld, 'put_old')], `${newRoot} (old root to ${putOld})`);
  refreshNodeCwd();
}

/** chroot(2). The cwd stays where it was (possibly outside the new root): chdir('/') after. */
export function chroot(path: string): void {
  call('chroot', T.i32, [T.buf], [cstr(path, 'chroot path')], path);
  refreshNodeCwd();
}

/** chdir(2), keeping Node's cached process.cwd() right. */
export function chdir(path: string): void {
  call('chdir', T.i32, [T.buf], [cstr(path, 'chdir path')], path);
  refreshNodeCwd();
}
