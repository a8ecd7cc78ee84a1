import { closeSync } from 'node:fs';
import { call, sysCall, T } from './libc.js';
import { SysError } from './errors.js';
import { openPath } from './fd.js';
import { signalNumber } from './signals.js';

// Process file descriptors: a handle on one process that a recycled pid cannot redirect, and
// the namespaces reached through it.

// <asm-generic/unistd.h>: the same numbers on every architecture (added after Linux 5.1).
const NR_PIDFD_SEND_SIGNAL = 424;
const NR_PIDFD_OPEN = 434;

/**
 * <linux/pidfd.h> (Linux 6.11): _IO(PIDFS_IOCTL_MAGIC 0xFF, 4): a new fd (O_CLOEXEC) on the
 * network namespace of the pidfd's process. (Debian 12's headers predate it.)
 */
export const PIDFD_GET_NET_NAMESPACE = 0xff04;
/** _IO(0xFF, 9): the user namespace of the pidfd's process (Linux 6.11). */
export const PIDFD_GET_USER_NAMESPACE = 0xff09;

/** pidfd_open(2) (Linux 5.3+): a pidfd (O_CLOEXEC) of `pid` as this pid namespace sees it; ESRCH when there is none. */
export function pidfdOpen(pid: number, flags = 0): number {
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`pidfd_open: pid must be a positive integer, got ${String(pid)}`);
  return sysCall('pidfd_open', NR_PIDFD_OPEN, [T.i32, T.u64], [pid, flags], `pid ${pid}`);
}

/**
 * pidfd_send_signal(2) (Linux 5.1+). Signal 0 only checks that the process still runs: ESRCH
 * once it has exited (even while it is a zombie not reaped yet).
 */
export function pidfdSendSignal(pidfd: number, sig: number | string = 0): void {
  sysCall('pidfd_send_signal', NR_PIDFD_SEND_SIGNAL, [T.i32, T.i32, T.u64, T.u64], [pidfd, signalNumber(sig), 0, 0], `pidfd ${pidfd}`);
}

/** Whether the pidfd's process still runs (pidfd_send_signal 0). */
export function pidfdAlive(pidfd: number): boolean {
  try {
    pidfdSendSignal(pidfd, 0);
    return true;
  } catch (e) {
    if (e instanceof SysError && e.code === 'ESRCH') return false;
    throw e;
  }
}

/** ioctl(pidfd, PIDFD_GET_NET_NAMESPACE) (Linux 6.11+): a new fd on the process's network namespace. */
export function pidfdGetNetns(pidfd: number): number {
  // The third argument must be 0: pidfs refuses anything else (EINVAL), and ioctl is variadic.
  return call('ioctl', T.i32, [T.i32, T.u64, T.u64], [pidfd, PIDFD_GET_NET_NAMESPACE, 0], `pidfd ${pidfd} PIDFD_GET_NET_NAMESPACE`);
}

/**
 * The network namespace of the process a pidfd names, as an fd (O_CLOEXEC), with no window in
 * which a recycled pid could name another process: PIDFD_GET_NET_NAMESPACE where the kernel has
 * it; before 6.11 (ENOTTY, EINVAL), /proc/PID/ns/net opened and then the pidfd asked whether its
 * process still runs — if it does, `pid` was still its pid when the file was opened. `pid` is the
 * pidfd's process as this pid namespace sees it. ESRCH when it has exited.
 */
export function pidfdNetns(pidfd: number, pid: number): number {
  try {
    return pidfdGetNetns(pidfd);
  } catch (e) {
    if (!(e instanceof SysError && (e.code === 'ENOTTY' || e.code === 'EINVAL'))) throw e;
  }
  let fd: number;
  try {
    fd = openPath(`/proc/${pid}/ns/net`);
  } catch (e) {
    if (e instanceof SysError && e.code === 'ENOENT') throw new SysError('open', 3, `/proc/${pid}/ns/net`, 'No such process');
    throw e;
  }
  try {
    pidfdSendSignal(pidfd, 0);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}
