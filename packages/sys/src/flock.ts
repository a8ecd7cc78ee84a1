import { bind, fdOf, T } from './libc.js';

// flock(2): advisory whole-file locks. A lock belongs to the open file description, so two
// open()s of the same file conflict even inside one process, a dup or an inherited fd shares
// the lock, and the kernel drops it when the last fd of that description is closed (also when
// the process dies).

// <asm-generic/fcntl.h> (uapi; glibc repeats them in <sys/file.h>)
export const LOCK_SH = 1;
export const LOCK_EX = 2;
/** Or'ed with LOCK_SH / LOCK_EX: fail with EWOULDBLOCK (EAGAIN on Linux) instead of waiting. */
export const LOCK_NB = 4;
export const LOCK_UN = 8;

const flockCall = bind('flock', T.i32, [T.i32, T.i32], fdOf);

/**
 * flock(2). `op` is LOCK_SH, LOCK_EX or LOCK_UN, optionally | LOCK_NB. A conflicting lock with
 * LOCK_NB is a SysError with code EAGAIN (EWOULDBLOCK has the same number). Without LOCK_NB the
 * call blocks the whole thread, event loop included, until the lock is granted.
 */
export function flock(fd: number, op: number): void {
  if (!Number.isInteger(fd)) throw new TypeError(`flock: fd must be an integer, got ${String(fd)}`);
  if (!Number.isInteger(op)) throw new TypeError(`flock: op must be an integer, got ${String(op)}`);
  flockCall(fd, op);
}
