import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { bindPointer, bindPure, call, cstr, T } from './libc.js';
import { SysError } from './errors.js';
import { setCloexec, setNonblock } from './fd.js';
import { SIG_DFL, SIG_SETMASK, SIGSET_SIZE, setSignalDisposition, sigprocmaskRaw } from './signals.js';

// execve(2) from Node. The new program inherits more of Node's state than a program started by
// child_process does, so execve() first undoes what Node and libuv changed:
//  - fds 0-2: libuv marks them FD_CLOEXEC (libuv/libuv#2062) and, for pipes it opened as
//    process.stdout/stderr, O_NONBLOCK (shared with every dup of the open file). Cleared, as
//    libuv itself does in the children it spawns.
//  - signals Node ignores (SIGPIPE, SIGXFSZ): ignored dispositions survive exec; reset to SIG_DFL.
//    Handlers need nothing: exec resets them to default.
//  - the signal mask of the calling thread survives exec: emptied.
// If execve fails, all of it is put back, so the caller can go on (or exit 127/126).

const mallocCall = bindPointer('malloc', [T.u64], (a) => `${String(a[0])} bytes`);
const memcpyCall = bindPure('memcpy', [T.u64, T.buf, T.u64], T.u64);
/** free(3) of a block from buildVectors. */
export const freeCall = bindPure('free', [T.u64], T.void);

export type Env = Readonly<Record<string, string | undefined>> | readonly string[];

/** `KEY=value` strings from an environment object (undefined values left out) or a list. */
export function envStrings(envp: Env, call = 'execve'): string[] {
  if (Array.isArray(envp)) return envp.map((e) => String(e));
  const out: string[] = [];
  for (const [k, v] of Object.entries(envp)) {
    if (v === undefined) continue;
    if (k === '' || k.includes('=')) throw new TypeError(`${call}: invalid environment variable name ${JSON.stringify(k)}`);
    out.push(`${k}=${v}`);
  }
  return out;
}

/**
 * `char *argv[]` and `char *envp[]`, NULL-terminated, with their strings, in one malloc'd block
 * (ffi-rs's StringArray has no terminating NULL: execve got EFAULT). The block is laid out in
 * a Buffer with addresses computed from the malloc'd base, then copied in by one memcpy: two
 * FFI calls whatever the number of strings. Returns the base; free() it if execve fails.
 */
export function buildVectors(argv: readonly (string | Uint8Array)[], env: readonly string[]): { base: number; envOffset: number } {
  const strings = [...argv.map((a, i) => cstr(a, `argv[${i}]`)), ...env.map((e, i) => cstr(e, `envp[${i}]`))];
  const tableBytes = (argv.length + 1 + env.length + 1) * 8;
  const total = strings.reduce((n, s) => n + s.byteLength, tableBytes);
  const block = Buffer.alloc(total);
  const base = mallocCall(total);
  let slot = 0;
  let at = tableBytes;
  strings.forEach((s, i) => {
    if (i === argv.length) slot += 8; // argv's NULL (the Buffer is zeroed)
    block.writeBigUInt64LE(BigInt(base + at), slot);
    s.copy(block, at);
    slot += 8;
    at += s.byteLength;
  });
  memcpyCall(base, block, total);
  return { base, envOffset: (argv.length + 1) * 8 };
}

/** Signals ignored now: SigIgn of /proc/thread-self/status, or Node's own two without /proc (after pivot_root). */
function ignoredSignals(): number[] {
  try {
    const m = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/thread-self/status', 'latin1'));
    if (m) {
      const mask = BigInt(`0x${m[1]}`);
      const out: number[] = [];
      for (let n = 1; n <= 64; n++) if ((mask >> BigInt(n - 1)) & 1n) out.push(n);
      return out;
    }
  } catch {
    // no /proc here
  }
  return [constants.signals.SIGPIPE, constants.signals.SIGXFSZ];
}

/** Puts the process in the state a freshly exec'd program expects; returns the undo. */
function prepare(): () => void {
  const undo: (() => void)[] = [];
  try {
    for (const sig of ignoredSignals()) {
      const prev = setSignalDisposition(sig, SIG_DFL);
      undo.push(() => setSignalDisposition(sig, prev));
    }
    const oldMask = sigprocmaskRaw(SIG_SETMASK, Buffer.alloc(SIGSET_SIZE));
    undo.push(() => sigprocmaskRaw(SIG_SETMASK, oldMask));
    for (const fd of [0, 1, 2]) {
      let cloexec: boolean;
      try {
        cloexec = setCloexec(fd, false);
      } catch (e) {
        if (e instanceof SysError && e.code === 'EBADF') continue; // closed: nothing to pass on
        throw e;
      }
      if (cloexec) undo.push(() => setCloexec(fd, true));
      if (setNonblock(fd, false)) undo.push(() => setNonblock(fd, true));
    }
  } catch (e) {
    for (const u of undo.reverse()) u();
    throw e;
  }
  return () => {
    for (const u of undo.reverse()) u();
  };
}

/**
 * execve(2): replaces this process (same pid) with `path`, run with exactly `argv` (argv[0]
 * included) and `envp` (an object or `KEY=value` strings; default: process.env). No PATH search.
 * Fds 0-2 are passed on as they are (other fds Node opened are close-on-exec); see above for
 * what is reset first. Only returns by throwing: SysError('execve', errno, path) — ENOENT,
 * EACCES, ENOEXEC... (a shell would exit 127 for ENOENT, 126 otherwise); the process is then
 * back in the state it was in.
 *
 * Call it on the main thread, synchronously, with no other thread doing work that matters:
 * the kernel ends every other thread of the process.
 */
export function execve(path: string, argv: readonly (string | Uint8Array)[], envp: Env = process.env): never {
  if (!Array.isArray(argv)) throw new TypeError('execve: argv must be an array');
  const pathC = cstr(path, 'execve path');
  const { base, envOffset } = buildVectors(argv, envStrings(envp));
  try {
    const restore = prepare();
    try {
      call('execve', T.i32, [T.buf, T.u64, T.u64], [pathC, base, base + envOffset], path);
    } finally {
      restore();
    }
  } finally {
    freeCall(base);
  }
  // execve returns only with -1, which call() turned into a SysError.
  throw new Error('execve returned without failing');
}
