import { bind as bindFn, bindPure, T } from './libc.js';

// <linux/sched.h>
export const CLONE_NEWTIME = 0x00000080;
export const CLONE_FS = 0x00000200;
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

const setnsCall = bindFn('setns', T.i32, [T.i32, T.i32], (a) => `fd ${String(a[0])} nstype 0x${Number(a[1]).toString(16)}`);
const unshareCall = bindFn('unshare', T.i32, [T.i32], (a) => `flags 0x${Number(a[0]).toString(16)}`);
const ioctlCall = bindFn('ioctl', T.i32, [T.i32, T.u64], (a) => `fd ${String(a[0])} request 0x${Number(a[1]).toString(16)}`);
const getpidCall = bindPure('getpid');
const gettidCall = bindPure('gettid');

/** setns(2): moves the calling thread (in Node: the main thread) into the namespace `fd`. */
export function setns(fd: number, nstype = 0): void {
  setnsCall(fd, nstype);
}

// <linux/nsfs.h>: _IO(0xb7, 0x3)
export const NS_GET_NSTYPE = 0xb703;

/**
 * The CLONE_NEW* type of the namespace file `fd` (ioctl NS_GET_NSTYPE). Works for bind mounts
 * of namespace files too (/run/netns/NAME), where readlink shows the mount path instead of
 * `net:[...]`. Throws SysError ENOTTY for a file that is not a namespace.
 */
export function nsType(fd: number): number {
  return ioctlCall(fd, NS_GET_NSTYPE);
}

/** unshare(2) for the calling thread. */
export function unshare(flags: number): void {
  unshareCall(flags);
}

/** getpid(2). */
export function getpid(): number {
  return getpidCall();
}

/** gettid(2): the calling thread's id. */
export function gettid(): number {
  return gettidCall();
}
