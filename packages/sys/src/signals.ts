import { constants } from 'node:os';
import { bind, call, T } from './libc.js';

// Signal numbers come from Node's table of the platform's values (os.constants.signals).

/** `'SIGTERM'` or `15` -> 15. 0 is allowed (kill's "does it exist" probe). */
export function signalNumber(sig: number | string): number {
  if (typeof sig === 'string') {
    const n = (constants.signals as Record<string, number>)[sig];
    if (n === undefined) throw new RangeError(`unknown signal ${JSON.stringify(sig)}`);
    return n;
  }
  if (!Number.isInteger(sig) || sig < 0 || sig > 64) throw new RangeError(`signal must be a name or an integer 0..64, got ${String(sig)}`);
  return sig;
}

/** `15` -> `'SIGTERM'`; a number without a name (a real-time signal) as `signal N`. */
export function signalName(n: number): string {
  for (const [name, v] of Object.entries(constants.signals)) if (v === n) return name;
  return `signal ${n}`;
}

// <bits/sigaction.h>
export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;
// <bits/signum-generic.h>: handler values
export const SIG_DFL = 0;
export const SIG_IGN = 1;

/** glibc's sigset_t is 1024 bits (128 bytes); the kernel reads the first 64. */
export const SIGSET_SIZE = 128;

/** A sigset_t with the given signals (bit `sig - 1`). */
export function sigset(signals: Iterable<number | string>): Buffer {
  const set = Buffer.alloc(SIGSET_SIZE);
  for (const s of signals) {
    const n = signalNumber(s);
    if (n === 0) continue;
    set[(n - 1) >> 3]! |= 1 << ((n - 1) & 7);
  }
  return set;
}

/** The signal numbers in a sigset_t. */
export function sigsetSignals(set: Uint8Array): number[] {
  const out: number[] = [];
  for (let n = 1; n <= 64; n++) if ((set[(n - 1) >> 3]! >> ((n - 1) & 7)) & 1) out.push(n);
  return out;
}

/**
 * sigprocmask(2) for the calling thread (the main thread): SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK
 * with `set`, or only a query when `set` is null. Returns the previous mask as raw sigset_t bytes
 * (sigsetSignals() lists them); pass them back with SIG_SETMASK to restore.
 */
export function sigprocmaskRaw(how: number, set: Uint8Array | null): Buffer {
  const old = Buffer.alloc(SIGSET_SIZE);
  if (set === null) call('sigprocmask', T.i32, [T.i32, T.u64, T.buf], [how, 0, old], 'query');
  else call('sigprocmask', T.i32, [T.i32, T.buf, T.buf], [how, set, old], `how ${how}`);
  return old;
}

/** sigprocmask(2) with signal lists: returns the previously blocked signals. */
export function sigprocmask(how: number, signals: Iterable<number | string> | null): number[] {
  return sigsetSignals(sigprocmaskRaw(how, signals === null ? null : sigset(signals)));
}

// signal(2) returns the previous handler, SIG_ERR ((void *)-1) on failure: as i64 that is -1.
const signalCall = bind('signal', T.i64, [T.i32, T.i64], (a) => `signal ${String(a[0])}`);

/**
 * Sets a signal's disposition to SIG_DFL, SIG_IGN (or a handler address returned earlier);
 * returns the previous one. Meant for the moment before execve: Node's own handlers live in C
 * and stay installed otherwise.
 */
export function setSignalDisposition(sig: number | string, handler: number): number {
  return signalCall(signalNumber(sig), handler);
}
