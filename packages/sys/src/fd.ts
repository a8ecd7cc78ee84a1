import { openSync } from 'node:fs';
import { bind, fdOf, sysCall, T } from './libc.js';
import { SysError, errnoNumber } from './errors.js';

// File descriptor calls: enough for a readiness pipe between a parent and a child and for
// preparing fds 0-2 before execve. Buffers pass by pointer (ffi-rs U8Array).

// <bits/fcntl-linux.h>
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_NONBLOCK = 0o4000;
export const O_PATH = 0o10000000;
export const O_CLOEXEC = 0o2000000;
export const F_DUPFD_CLOEXEC = 1030;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;
// <linux/close_range.h>
export const CLOSE_RANGE_UNSHARE = 1 << 1;
/** Linux 5.11: mark the fds close-on-exec instead of closing them. */
export const CLOSE_RANGE_CLOEXEC = 1 << 2;
// <asm-generic/unistd.h>: the same number on every architecture (Linux 5.9).
const NR_CLOSE_RANGE = 436;

const pipe2Call = bind('pipe2', T.i32, [T.buf, T.i32], (a) => `flags 0x${Number(a[1]).toString(16)}`);
// fcntl is variadic; the third argument is an int or unused for the commands used here.
const fcntlCall = bind('fcntl', T.i32, [T.i32, T.i32, T.i64], (a) => `fd ${String(a[0])} cmd ${String(a[1])}`);
const dup2Call = bind('dup2', T.i32, [T.i32, T.i32], (a) => `fd ${String(a[0])} -> ${String(a[1])}`);
const readCall = bind('read', T.i64, [T.i32, T.buf, T.u64], fdOf);
const writeCall = bind('write', T.i64, [T.i32, T.buf, T.u64], fdOf);
const closeCall = bind('close', T.i32, [T.i32], fdOf);

/** pipe2(2): `[readEnd, writeEnd]`. Pass O_CLOEXEC unless the pipe is meant for an exec'd program. */
export function pipe2(flags = O_CLOEXEC): [read: number, write: number] {
  const fds = Buffer.alloc(8);
  pipe2Call(fds, flags);
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}

/** fcntl(2) with an int argument (F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC). */
export function fcntl(fd: number, cmd: number, arg = 0): number {
  return fcntlCall(fd, cmd, arg);
}

/** Sets or clears FD_CLOEXEC; returns whether it was set before. */
export function setCloexec(fd: number, on: boolean): boolean {
  const flags = fcntlCall(fd, F_GETFD, 0);
  const was = (flags & FD_CLOEXEC) !== 0;
  if (was !== on) fcntlCall(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
  return was;
}

/**
 * How `fd` is open (F_GETFL's access mode); an O_PATH descriptor can be neither read nor
 * written. Throws SysError EBADF when `fd` is not open.
 */
export function fdAccess(fd: number): { readable: boolean; writable: boolean } {
  const flags = fcntlCall(fd, F_GETFL, 0);
  if (flags & O_PATH) return { readable: false, writable: false };
  const mode = flags & O_ACCMODE;
  return { readable: mode !== O_WRONLY, writable: mode !== O_RDONLY };
}

/** Sets or clears O_NONBLOCK (a flag of the open file, shared with every dup of it); returns whether it was set. */
export function setNonblock(fd: number, on: boolean): boolean {
  const flags = fcntlCall(fd, F_GETFL, 0);
  const was = (flags & O_NONBLOCK) !== 0;
  if (was !== on) fcntlCall(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
  return was;
}

/** dup2(2): makes `newFd` a copy of `oldFd` (without FD_CLOEXEC). Returns `newFd`. */
export function dup2(oldFd: number, newFd: number): number {
  return dup2Call(oldFd, newFd);
}

/**
 * read(2) into `into` (subarrays respected); returns the byte count, 0 at end of file.
 * Blocks the whole event loop on a blocking fd: meant for short handshakes.
 */
export function read(fd: number, into: Uint8Array): number {
  return readCall(fd, into, into.byteLength);
}

/** write(2); returns the byte count written (may be short). */
export function write(fd: number, data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return writeCall(fd, bytes, bytes.byteLength);
}

/**
 * close_range(2): closes every open fd from `first` to `last` (default: all above), or with
 * CLOSE_RANGE_CLOEXEC marks them close-on-exec: one call instead of one per fd. ENOSYS before
 * Linux 5.9, EINVAL for CLOSE_RANGE_CLOEXEC before 5.11.
 */
export function closeRange(first: number, last = 0xffffffff, flags = 0): void {
  sysCall('close_range', NR_CLOSE_RANGE, [T.u64, T.u64, T.u64], [first, last, flags], `fds ${first}-${last}`);
}

/** close(2). */
export function close(fd: number): void {
  closeCall(fd);
}

/**
 * open(2) through Node (O_CLOEXEC, as Node always does): a failed open becomes a SysError naming
 * the path. Node's own argument errors (a NUL byte in the path: ERR_INVALID_ARG_VALUE) have no
 * errno and are rethrown as they are.
 */
export function openPath(path: string, flags: string | number = 'r'): number {
  try {
    return openSync(path, flags);
  } catch (e) {
    const errno = errnoNumber((e as NodeJS.ErrnoException).code ?? '');
    if (errno === undefined) throw e;
    throw new SysError('open', errno, path);
  }
}
