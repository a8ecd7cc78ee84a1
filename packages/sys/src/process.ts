import { bind, bindPure, call, cstr, T } from './libc.js';
import { signalNumber } from './signals.js';

// Process calls: kill, getppid, prctl.

const killCall = bind('kill', T.i32, [T.i32, T.i32], (a) => `pid ${String(a[0])} signal ${String(a[1])}`);
const getppidCall = bindPure('getppid');

/** kill(2). `sig` is a name (`'SIGTERM'`) or a number; 0 only checks that `pid` exists (ESRCH). */
export function kill(pid: number, sig: number | string = 'SIGTERM'): void {
  if (!Number.isInteger(pid)) throw new RangeError(`kill: pid must be an integer, got ${String(pid)}`);
  killCall(pid, signalNumber(sig));
}

/** getppid(2): the parent as this process's pid namespace sees it (0 when it is outside). */
export function getppid(): number {
  return getppidCall();
}

// <linux/prctl.h>
export const PR_SET_PDEATHSIG = 1;
export const PR_GET_PDEATHSIG = 2;
export const PR_SET_NAME = 15;
export const PR_GET_NAME = 16;
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_GET_CHILD_SUBREAPER = 37;
export const PR_CAPBSET_DROP = 24;
export const PR_SET_NO_NEW_PRIVS = 38;
export const PR_GET_NO_NEW_PRIVS = 39;
export const PR_CAP_AMBIENT = 47;
/** PR_CAP_AMBIENT's arg2 */
export const PR_CAP_AMBIENT_CLEAR_ALL = 4;

/** TASK_COMM_LEN in the kernel: 16 bytes with the NUL. */
const COMM_LEN = 16;

/** prctl(2) with integer arguments; returns the call's result (for options that return one). */
export function prctl(option: number, arg2 = 0, arg3 = 0, arg4 = 0, arg5 = 0): number {
  return call('prctl', T.i32, [T.i32, T.u64, T.u64, T.u64, T.u64], [option, arg2, arg3, arg4, arg5], `option ${option}`);
}

/** prctl for the PR_GET_* options that write an int through arg2. */
function prctlGetInt(option: number): number {
  const out = Buffer.alloc(4);
  call('prctl', T.i32, [T.i32, T.buf, T.u64, T.u64, T.u64], [option, out, 0, 0, 0], `option ${option}`);
  return out.readInt32LE();
}

/**
 * PR_SET_PDEATHSIG: the signal this process gets when its parent *thread* exits (0: none).
 * In a child of Node that thread is whichever thread forked it — the main thread for
 * child_process. Cleared by fork, kept across execve (except set-uid programs).
 */
export function setParentDeathSignal(sig: number | string): void {
  prctl(PR_SET_PDEATHSIG, signalNumber(sig));
}

/** PR_GET_PDEATHSIG: 0 when none is set. */
export function getParentDeathSignal(): number {
  return prctlGetInt(PR_GET_PDEATHSIG);
}

/** PR_SET_CHILD_SUBREAPER: orphaned descendants are re-parented to this process instead of init. */
export function setChildSubreaper(on: boolean): void {
  prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0);
}

/** PR_GET_CHILD_SUBREAPER. */
export function getChildSubreaper(): boolean {
  return prctlGetInt(PR_GET_CHILD_SUBREAPER) !== 0;
}

/**
 * PR_SET_NAME: the calling thread's name (/proc/PID/task/TID/comm; for the main thread also
 * /proc/PID/comm, what ps and top show). The kernel keeps 15 bytes; longer names are cut.
 */
export function setThreadName(name: string): void {
  call('prctl', T.i32, [T.i32, T.buf, T.u64, T.u64, T.u64], [PR_SET_NAME, cstr(name, 'thread name'), 0, 0, 0], `PR_SET_NAME ${name}`);
}

/** PR_GET_NAME: the calling thread's name. */
export function getThreadName(): string {
  const out = Buffer.alloc(COMM_LEN);
  call('prctl', T.i32, [T.i32, T.buf, T.u64, T.u64, T.u64], [PR_GET_NAME, out, 0, 0, 0], 'PR_GET_NAME');
  const end = out.indexOf(0);
  return out.toString('utf8', 0, end === -1 ? COMM_LEN : end);
}
