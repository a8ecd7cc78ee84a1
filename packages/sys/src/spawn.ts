import { closeSync, statSync } from 'node:fs';
import { bind, bindPure, cstr, T } from './libc.js';
import { SysError } from './errors.js';
import { F_DUPFD_CLOEXEC, fcntl, setNonblock } from './fd.js';
import { buildVectors, envStrings, freeCall, type Env } from './exec.js';
import { kill } from './process.js';
import { SIGSET_SIZE, signalNumber, sigset } from './signals.js';

// Starting a program without node:child_process (which loads net, dgram and the stream stack,
// 15-20 ms of a fresh Node): glibc's posix_spawn, which clones with CLONE_VM|CLONE_VFORK (safe
// in a multi-threaded process, and creates no thread: it works while the main thread stands in
// a new pid namespace, where its children become PID 1) and reports a failed exec as its
// result. The child's exit is reaped with waitpid(pid, WNOHANG) on each SIGCHLD (a signal
// listener of Node's, no thread): only the pids spawned here, so libuv's own children (it
// waits for each by pid too) are left to it, and it leaves these alone.
//
// What the child inherits, as with child_process: the fds it is given (dup2'd into place;
// every other fd Node opened is close-on-exec), no blocked signal, and no signal ignored or
// handled (Node ignores SIGPIPE and SIGXFSZ, and an ignored disposition survives exec).

// <spawn.h>
export const POSIX_SPAWN_SETSIGDEF = 0x04;
export const POSIX_SPAWN_SETSIGMASK = 0x08;
export const POSIX_SPAWN_SETSID = 0x80;
// <bits/waitflags.h>
const WNOHANG = 1;
// <asm-generic/errno.h>: what an older glibc, without the symbol, is reported as.
const ENOSYS = 38;

// glibc's opaque posix_spawn_file_actions_t (80 bytes on x86_64 and aarch64) and
// posix_spawnattr_t (336), with room to spare.
const FILE_ACTIONS_SIZE = 256;
const ATTR_SIZE = 512;

// These return 0 or an errno value (not -1 with errno).
const faInit = bindPure('posix_spawn_file_actions_init', [T.buf]);
const faAddDup2 = bindPure('posix_spawn_file_actions_adddup2', [T.buf, T.i32, T.i32]);
// glibc 2.29+
const faAddChdir = bindPure('posix_spawn_file_actions_addchdir_np', [T.buf, T.buf]);
// glibc 2.34+ (close_range in the child, or /proc/self/fd before Linux 5.9)
const faAddClosefrom = bindPure('posix_spawn_file_actions_addclosefrom_np', [T.buf, T.i32]);
const faDestroy = bindPure('posix_spawn_file_actions_destroy', [T.buf]);
const attrInit = bindPure('posix_spawnattr_init', [T.buf]);
const attrSetFlags = bindPure('posix_spawnattr_setflags', [T.buf, T.i32]);
const attrSetSigmask = bindPure('posix_spawnattr_setsigmask', [T.buf, T.buf]);
const attrSetSigdefault = bindPure('posix_spawnattr_setsigdefault', [T.buf, T.buf]);
const attrDestroy = bindPure('posix_spawnattr_destroy', [T.buf]);
const posixSpawn = bindPure('posix_spawn', [T.buf, T.buf, T.buf, T.buf, T.u64, T.u64]);
const waitpidCall = bind('waitpid', T.i32, [T.i32, T.buf, T.i32], (a) => `pid ${String(a[0])}`);

function check(name: string, err: number, target?: string): void {
  if (err !== 0) throw new SysError(name, err, target);
}

let defaultSignals: Buffer | undefined;
/**
 * Every signal a handler can be set for (not SIGKILL and SIGSTOP; 65+ do not exist on Linux).
 * 32 and 33 included: glibc's own (thread cancellation, setxid), which its posix_spawn would
 * otherwise set to SIG_IGN in the child, and an ignored signal stays ignored across exec. Made
 * at the first spawn, not when @nsrun/sys is loaded.
 */
const allSignals = (): Buffer =>
  (defaultSignals ??= sigset(Array.from({ length: 64 }, (_, i) => i + 1).filter((n) => n !== signalNumber('SIGKILL') && n !== signalNumber('SIGSTOP'))));

export interface SpawnOptions {
  /**
   * The child's fds: its fd i is this process's `fds[i]` (default [0, 1, 2]). An fd given as
   * its own number is kept, close-on-exec cleared in the child. Those that become 0-2 are made
   * blocking (as libuv does for child_process: the flag is the open file's, so this process's
   * copy changes too). Nothing else is passed on but fds without close-on-exec (Node opens
   * every fd close-on-exec; one this process inherited without it passes on, as with exec).
   */
  fds?: readonly number[];
  /** `KEY=value` strings or an object (undefined values left out); default process.env. */
  env?: Env;
  /** The directory the program starts in (default: this process's). */
  cwd?: string;
  /** A new session (setsid), so that a terminal can become its controlling terminal. */
  setsid?: boolean;
  /**
   * Every fd of the child above those in `fds` closed, close-on-exec or not (this process's
   * left as they are). glibc before 2.34 cannot: SysError ENOSYS, before anything started.
   */
  closeOtherFds?: boolean;
}

/** How a child ended: its exit code, or the signal that killed it (both null: see Subprocess.exit). */
export interface ProcessExit {
  code: number | null;
  signal: number | null;
}

// The children not reaped yet, and the one SIGCHLD listener while there are any.
const children = new Map<number, Subprocess>();
const onSigchld = (): void => {
  for (const c of [...children.values()]) c.poll();
};

function watch(): void {
  if (children.size === 0) process.on('SIGCHLD', onSigchld);
}

function unwatch(): void {
  if (children.size === 0) process.off('SIGCHLD', onSigchld);
}

/** A child started by spawnProcess, until it is reaped. */
export class Subprocess {
  readonly pid: number;
  /** Resolves once the child has exited and been reaped. */
  readonly exited: Promise<ProcessExit>;
  #exit: ProcessExit | undefined;
  #settle!: (e: ProcessExit) => void;
  // Node does not count a signal listener as work to wait for: while the child runs, a timer
  // that never fires keeps the event loop alive (as a child_process handle does), unless unref'd.
  #keepAlive: NodeJS.Timeout | undefined;

  /** Registers a child that posix_spawn has just started (spawnProcess). */
  constructor(pid: number) {
    this.pid = pid;
    this.exited = new Promise((resolve) => (this.#settle = resolve));
    this.#keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    watch();
    children.set(pid, this);
    // A SIGCHLD from before the listener was there is lost (its default is to be discarded).
    this.poll();
  }

  /**
   * How it ended, once reaped (undefined before). Code and signal both null: another waiter of
   * this process reaped it first (waitpid: ECHILD), so its status is unknown.
   */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** waitpid(pid, WNOHANG): reaps the child if it has exited; returns whether it has. */
  poll(): boolean {
    if (this.#exit !== undefined) return true;
    const status = Buffer.alloc(4);
    let exit: ProcessExit;
    try {
      if (waitpidCall(this.pid, status, WNOHANG) === 0) return false;
      const st = status.readInt32LE();
      // <bits/waitstatus.h>: WIFEXITED when the low 7 bits are 0; else WTERMSIG (no WUNTRACED asked).
      exit = (st & 0x7f) === 0 ? { code: (st >> 8) & 0xff, signal: null } : { code: null, signal: st & 0x7f };
    } catch (e) {
      if (!(e instanceof SysError && e.code === 'ECHILD')) throw e;
      exit = { code: null, signal: null };
    }
    this.#exit = exit;
    children.delete(this.pid);
    unwatch();
    this.unref();
    this.#settle(exit);
    return true;
  }

  /**
   * kill(2) while it is not reaped (its pid cannot have been reused): true when the signal was
   * sent; false once it has exited (or when it is gone: ESRCH).
   */
  kill(sig: number | string = 'SIGTERM'): boolean {
    if (this.#exit !== undefined) return false;
    try {
      kill(this.pid, sig);
      return true;
    } catch (e) {
      if (e instanceof SysError && e.code === 'ESRCH') return false;
      throw e;
    }
  }

  /** Lets this process exit while the child still runs. */
  unref(): void {
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }
}

/**
 * posix_spawn(3): starts `path` (no PATH search) with exactly `argv` (argv[0] included). A
 * failed start throws SysError('posix_spawn', errno, path), synchronously: ENOENT, EACCES,
 * ENOEXEC... (the cwd named instead when it is what is missing). The child is reaped by the
 * returned Subprocess; while it runs, it keeps the event loop alive (unref() lets go).
 */
export function spawnProcess(path: string, argv: readonly (string | Uint8Array)[], opts: SpawnOptions = {}): Subprocess {
  if (!Array.isArray(argv)) throw new TypeError('posix_spawn: argv must be an array');
  const fds = opts.fds ?? [0, 1, 2];
  for (const fd of fds) if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`posix_spawn: fds must be fds (integers >= 0), got ${String(fd)}`);
  const pathC = cstr(path, 'posix_spawn path');
  const cwdC = opts.cwd === undefined ? undefined : cstr(opts.cwd, 'posix_spawn cwd');
  const env = envStrings(opts.env ?? process.env, 'posix_spawn');
  const fa = Buffer.alloc(FILE_ACTIONS_SIZE);
  const attr = Buffer.alloc(ATTR_SIZE);
  const temps: number[] = [];
  let vectors: { base: number; envOffset: number } | undefined;
  let faReady = false;
  let attrReady = false;
  let err: number;
  let pid = 0;
  try {
    // dup2 in order would overwrite a source that is a later target (fd 4 to 3, then 3 to 4):
    // such a source is moved above every target first.
    const sources = fds.map((fd, i) => {
      if (fd === i || fd >= fds.length) return fd;
      const high = fcntl(fd, F_DUPFD_CLOEXEC, fds.length);
      temps.push(high);
      return high;
    });
    for (let i = 0; i < Math.min(3, sources.length); i++) setNonblock(sources[i]!, false);
    vectors = buildVectors(argv, env);
    check('posix_spawn_file_actions_init', faInit(fa));
    faReady = true;
    // glibc 2.29+: adddup2(fd, fd) clears the fd's close-on-exec in the child.
    sources.forEach((src, i) => check('posix_spawn_file_actions_adddup2', faAddDup2(fa, src, i), `fd ${src} -> ${i}`));
    if (cwdC) check('posix_spawn_file_actions_addchdir_np', faAddChdir(fa, cwdC), opts.cwd);
    // After the dup2s, whose sources it may close.
    if (opts.closeOtherFds) check('posix_spawn_file_actions_addclosefrom_np', addClosefrom(fa, fds.length), `fds from ${fds.length}`);
    check('posix_spawnattr_init', attrInit(attr));
    attrReady = true;
    check('posix_spawnattr_setsigmask', attrSetSigmask(attr, Buffer.alloc(SIGSET_SIZE)));
    check('posix_spawnattr_setsigdefault', attrSetSigdefault(attr, allSignals()));
    const flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (opts.setsid ? POSIX_SPAWN_SETSID : 0);
    check('posix_spawnattr_setflags', attrSetFlags(attr, flags));
    const pidOut = Buffer.alloc(4);
    err = posixSpawn(pidOut, pathC, fa, attr, vectors.base, vectors.base + vectors.envOffset);
    pid = pidOut.readInt32LE();
  } finally {
    if (faReady) faDestroy(fa);
    if (attrReady) attrDestroy(attr);
    if (vectors) freeCall(vectors.base);
    for (const fd of temps) closeSync(fd);
  }
  // glibc has reaped a child whose exec failed.
  if (err !== 0) throw new SysError('posix_spawn', err, opts.cwd !== undefined && !isDirectory(opts.cwd) ? `cwd ${opts.cwd}` : path);
  return new Subprocess(pid);
}

function addClosefrom(fa: Buffer, from: number): number {
  try {
    return faAddClosefrom(fa, from);
  } catch {
    return ENOSYS; // ffi-rs: the symbol is not in this libc
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
