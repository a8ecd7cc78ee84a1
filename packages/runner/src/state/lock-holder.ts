import { fstatSync, readFileSync } from 'node:fs';
import { parseProcStat } from './liveness.js';

// Who holds a flock(2) lock, for the message of an nsrun that waits for it: /proc/locks lists
// every lock as `ID: FLOCK ADVISORY WRITE PID MAJ:MIN:INO START END` (proc(5); PID as this pid
// namespace sees it, 0 or absent for a holder it cannot see), waiters with a `->` before FLOCK.

export interface LockHolder {
  /** The holder's pid, as this process sees pids. */
  pid: number;
  /** Its name (/proc/PID/stat), when it can be read. */
  comm: string | undefined;
  /** Stopped (state T) or stopped by a tracer (t): it keeps the lock until it is continued or killed. */
  stopped: boolean;
}

/** Major and minor of a st_dev (glibc's gnu_dev_major / gnu_dev_minor encoding). */
export function devNumbers(dev: bigint): [major: number, minor: number] {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return [Number(major), Number(minor)];
}

/** The pids holding a FLOCK lock on the file `major:minor:ino`, from /proc/locks text. */
export function flockHolders(locks: string, major: number, minor: number, ino: bigint): number[] {
  const out: number[] = [];
  for (const line of locks.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] !== 'FLOCK') continue; // "->" (a waiter), POSIX, OFDLCK, LEASE
    const m = /^([0-9a-f]+):([0-9a-f]+):([0-9]+)$/.exec(f[5] ?? '');
    const pid = Number(f[4]);
    if (!m || parseInt(m[1]!, 16) !== major || parseInt(m[2]!, 16) !== minor || BigInt(m[3]!) !== ino) continue;
    if (Number.isInteger(pid) && pid > 0 && !out.includes(pid)) out.push(pid);
  }
  return out;
}

/** Who holds the flock of the file open at `fd`; undefined when no visible process does. */
export function lockHolder(fd: number): LockHolder | undefined {
  try {
    const st = fstatSync(fd, { bigint: true });
    const [major, minor] = devNumbers(st.dev);
    const [pid] = flockHolders(readFileSync('/proc/locks', 'utf8'), major, minor, st.ino);
    if (pid === undefined) return undefined;
    let stat;
    try {
      stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      stat = undefined;
    }
    return { pid, comm: stat?.comm, stopped: stat?.state === 'T' || stat?.state === 't' };
  } catch {
    return undefined;
  }
}

/** `held by pid 123 (nsrun), which is stopped ...` for messages; `held by another process` when unknown. */
export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return 'held by another process (not visible from this pid namespace)';
  const who = `held by pid ${h.pid}${h.comm === undefined ? '' : ` (${h.comm})`}`;
  return h.stopped ? `${who}, which is stopped: it keeps the lock until it is continued (kill -CONT ${h.pid}) or killed` : who;
}
