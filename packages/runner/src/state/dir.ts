import { AsyncLocalStorage } from 'node:async_hooks';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SysError, flock, LOCK_EX, LOCK_NB, LOCK_UN } from '@nsrun/sys';
import { StateError, stateIoError } from './errors.js';
import { checkId, checkLinkName, ID_PATTERN } from './names.js';
import { classifyRecord, formatRecord, type ContainerRecord, type RecordContract } from './records.js';
import { ipToText, parseGateway, textToIp } from './leases.js';
import { LeaseStore } from './lease-store.js';
import { bootId, judgeRecord, pidNamespace, type Verdict } from './liveness.js';
import { describeHolder, lockHolder } from './lock-holder.js';
import { cniNetnsAlive } from './cni-liveness.js';
import { mkdirs } from './files.js';
import { defaultStateDir } from './default-dir.js';

// nsrun's state directory (root's, on tmpfs at /run/nsrun, so it starts empty at boot):
//   lock                      flock(2)ed around every read-modify-write by any nsrun
//   containers/<id>.json      one ContainerRecord per container (records.ts: its format contract)
//   leases/<bridge>/<a.b.c.d> the address a container holds: a symlink to its id (lease-store.ts)
//   bridges/<name>.json       bridges nsrun created, so `gc --bridges` deletes only those
//   cursors/<bridge>          where the next automatic address on that bridge is looked for
//   owners/<id>               flock(2)ed by a container's owner for its life (ownerLock records)
// Files are replaced atomically (write a temporary file, rename it over), so a reader never
// sees half a file, even without the lock. Every failure of a file operation is a StateError
// naming the file.

export interface StateDirOptions {
  /** Told about files that were skipped (malformed) and about a long wait for the lock. */
  onWarning?: (msg: string) => void;
}

export interface LockOptions {
  /** Aborting it while the lock is waited for rejects (StateError naming the lock file and its holder). */
  signal?: AbortSignal | undefined;
}

/** A record file: the record, or why it cannot be used (opaque: kept as it is, never released). */
export type RecordEntry =
  | { id: string; file: string; record: ContainerRecord; opaque?: undefined; contract?: undefined }
  | { id: string; file: string; record?: undefined; opaque: string; contract: RecordContract };

/** The warning about a record file that cannot be used (it is kept, and what it holds with it). */
export function describeOpaque(e: RecordEntry): string {
  const holds = [e.contract?.ip, e.contract?.bridge].filter((x) => x !== undefined).join(' on ');
  return `cannot use ${e.file}: ${e.opaque}; kept as if its container ran (its lease${holds ? ` of ${holds}` : ''} and its veth stay): remove the file once that container has stopped`;
}

/** What a record written here now says of where it was written (records.ts). */
export interface RecordOrigin {
  pidns: number;
  stateDir: string;
}

export interface BridgeEntry {
  name: string;
  /** Its address, CIDR, as nsrun gave it. */
  gateway: string;
}

const FILE_MODE = 0o644;
/** A record file larger than this is not read (records keep a bounded command: a few KiB). */
const MAX_RECORD_BYTES = 64 * 1024;
/** Polling the lock: first retry after 1 ms, doubling up to 50 ms. */
const LOCK_POLL_MAX_MS = 50;
/** After this long waiting for the lock, say so (once). */
const LOCK_WAIT_WARN_MS = 2000;

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;
/** An error's text without the file name (the warning names the file itself). */
const why = (e: unknown): string =>
  e instanceof StateError ? `${e.field === undefined ? '' : `${e.field}: `}${e.reason}` : e instanceof Error ? e.message : String(e);
/** One buffer for reading records (synchronously, one at a time). */
let readBuf: Buffer | undefined;

/** Which StateDir paths the current async context holds the lock of (to refuse a nested withLock). */
const held = new AsyncLocalStorage<ReadonlyArray<{ path: string; active: boolean }>>();

export class StateDir {
  static readonly DEFAULT = '/run/nsrun';
  readonly path: string;
  /** Who holds which address (leases/). */
  readonly leases: LeaseStore;
  readonly #onWarning: ((msg: string) => void) | undefined;
  #lockFd: number | undefined;
  #token: string | undefined;
  /** withLock callers holding or waiting for the lock. */
  #users = 0;
  /** The in-process queue: resolves when the previous withLock caller is done. */
  #tail: Promise<void> = Promise.resolve();

  constructor(path: string = defaultStateDir(), options: StateDirOptions = {}) {
    if (typeof path !== 'string' || path === '') throw new StateError('the state directory must be a non-empty path', { field: 'stateDir' });
    // Relative to what? A directory created wherever nsrun happened to be started is no state.
    if (!isAbsolute(path)) throw new StateError(`${JSON.stringify(path)}: must be an absolute path`, { field: 'stateDir' });
    this.path = join(path, '.');
    this.leases = new LeaseStore(join(this.path, 'leases'));
    this.#onWarning = options.onWarning;
  }

  /**
   * Runs `fn` holding the state lock: first in this process (a promise queue, so concurrent
   * callers in one process wait their turn instead of deadlocking on their own flock), then
   * among processes (flock LOCK_EX on <dir>/lock). The lock is released when `fn` settles,
   * whether it returned or threw. Not reentrant: withLock inside `fn` on the same directory is
   * refused (it could only deadlock).
   *
   * The flock is polled with LOCK_NB rather than taken blocking: a blocking flock would stop
   * the event loop (signals, timers) for as long as another nsrun holds the lock. Aborting
   * `signal` while waiting (in this process's queue or for the flock) rejects with a StateError
   * naming the lock file and its holder.
   */
  async withLock<T>(fn: () => T | Promise<T>, opts: LockOptions = {}): Promise<T> {
    const outer = held.getStore() ?? [];
    if (outer.some((h) => h.active && h.path === this.path)) {
      throw new StateError('withLock called inside withLock for the same directory (not reentrant)', { file: this.#lockPath() });
    }
    const prev = this.#tail;
    let done!: () => void;
    this.#tail = new Promise<void>((r) => (done = r));
    this.#users++;
    let prevSettled = false;
    try {
      await abortable(prev, opts.signal, () => this.#interrupted('held by another caller in this process'));
      prevSettled = true;
      await this.#lockFile(opts.signal);
      const mine = { path: this.path, active: true };
      try {
        return await held.run([...outer, mine], fn);
      } finally {
        mine.active = false;
        this.#unlockFile();
      }
    } finally {
      // The last user closes the lock file: a StateDir per call must not cost an fd per call.
      if (--this.#users === 0) this.close();
      // Given up before our turn: the next one still waits for the one before us.
      if (prevSettled) done();
      else void prev.then(done);
    }
  }

  /** Closes the lock file (call when no withLock is running or waiting). */
  close(): void {
    if (this.#lockFd !== undefined) closeSync(this.#lockFd);
    this.#lockFd = undefined;
  }

  /**
   * `<dev>:<ino>` of the state directory, stat'ed once and kept; undefined while it does not
   * exist. Two paths to one directory (a bind mount, a symlink) give the same.
   */
  token(): string | undefined {
    if (this.#token === undefined) {
      try {
        const st = statSync(this.path, { bigint: true });
        this.#token = `${st.dev}:${st.ino}`;
      } catch (e) {
        if (errCode(e) === 'ENOENT') return undefined;
        throw stateIoError('read', this.path, e);
      }
    }
    return this.#token;
  }

  /** Whether the state directory exists (a missing one is "nothing to do" for gc, ps, detach). */
  exists(): boolean {
    return this.token() !== undefined;
  }

  /** Where a record written now is written (pid namespace, this directory): creates the directory. */
  origin(): RecordOrigin {
    if (this.token() === undefined) mkdirs(this.path);
    const pidns = pidNamespace();
    if (pidns === undefined) {
      throw new StateError(
        `cannot tell this process's pid namespace (no /proc, or a /proc of another pid namespace than pid ${process.pid}'s): a record written now could never be judged`,
        { file: '/proc/self/ns/pid' },
      );
    }
    return { pidns, stateDir: this.token()! };
  }

  /** How `rec`'s owner stands, judged from here (liveness.ts: judgeRecord; an owner lock by its flock). */
  verdict(rec: ContainerRecord): Verdict {
    if (rec.ownerLock) {
      if (rec.owner.boot !== bootId()) return 'dead';
      // The lock says it to every reader of this very directory, whatever its pid namespace.
      return rec.stateDir === this.token() ? this.#ownerLockVerdict(rec.id) : 'unknown';
    }
    if (rec.cni) {
      // A CNI attachment lives as long as its network namespace (cni-liveness.ts). Its netns
      // path means something only where it was written (a /proc/PID/... of that pid namespace).
      if (rec.owner.boot !== bootId()) return 'dead';
      if (pidNamespace() !== rec.pidns || rec.stateDir !== this.token()) return 'unknown';
      return cniNetnsAlive(rec) ? 'live' : 'dead';
    }
    return judgeRecord(rec, { pidns: pidNamespace(), stateDir: this.token() });
  }

  /**
   * Takes the owner lock of container `id` (owners/<id>, flock LOCK_EX) for as long as the
   * returned fd stays open: the owner's life, as any reader of the directory can tell (verdict).
   */
  holdOwnerLock(id: string): number {
    checkId(id);
    const file = join(this.path, 'owners', id);
    mkdirs(join(this.path, 'owners'));
    let fd: number;
    try {
      fd = openSync(file, 'w', FILE_MODE);
    } catch (e) {
      throw stateIoError('create', file, e);
    }
    try {
      flock(fd, LOCK_EX | LOCK_NB);
    } catch (e) {
      closeSync(fd);
      throw stateIoError('lock', file, e);
    }
    return fd;
  }

  #ownerLockVerdict(id: string): Verdict {
    const file = join(this.path, 'owners', id);
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      if (errCode(e) === 'ENOENT') return 'dead';
      throw stateIoError('open', file, e);
    }
    try {
      flock(fd, LOCK_EX | LOCK_NB);
      return 'dead';
    } catch (e) {
      if (e instanceof SysError && (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK')) return 'live';
      throw stateIoError('lock', file, e);
    } finally {
      closeSync(fd); // (and with it our lock, if we got it)
    }
  }

  /**
   * Every record file, readable or not, by id (readable ones oldest first, then the others).
   * Files whose name is not a container id are not nsrun's: skipped, with a warning.
   */
  entries(): RecordEntry[] {
    const ok: RecordEntry[] = [];
    const opaque: RecordEntry[] = [];
    for (const name of this.#names('containers', '.json')) {
      const id = name.slice(0, -'.json'.length);
      const file = join(this.path, 'containers', name);
      if (!ID_PATTERN.test(id)) {
        this.#warn(`skipping ${file}: ${JSON.stringify(id)} is not a container id (12 lowercase hex digits)`);
        continue;
      }
      const e = this.#entry(id, file);
      if (e) (e.record ? ok : opaque).push(e);
    }
    const time = (e: RecordEntry): number => Date.parse(e.record!.created);
    ok.sort((a, b) => time(a) - time(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    opaque.sort((a, b) => (a.id < b.id ? -1 : 1));
    return [...ok, ...opaque];
  }

  /** The record file of `id`: undefined when there is none. */
  entry(id: string): RecordEntry | undefined {
    checkId(id);
    return this.#entry(id, this.#recordPath(id));
  }

  /** All readable records, oldest first. Files that cannot be used are skipped and reported to onWarning. */
  list(): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const e of this.entries()) {
      if (e.record) out.push(e.record);
      else this.#warn(`skipping ${e.file}: ${e.opaque}`);
    }
    return out;
  }

  /** One record; undefined when there is none. A file that cannot be used is a StateError. */
  read(id: string): ContainerRecord | undefined {
    const e = this.entry(id);
    if (e?.opaque !== undefined) throw new StateError(e.opaque, { file: e.file });
    return e?.record;
  }

  /** Writes (or replaces) a record, atomically. The record is checked first (StateError). */
  write(rec: ContainerRecord): void {
    const text = formatRecord(rec);
    this.#writeFile('containers', `${rec.id}.json`, text);
  }

  /** Removes a record (and its owner lock, when it has one); one that is not there is fine. */
  remove(id: string, opts: { ownerLock?: boolean | undefined } = {}): void {
    checkId(id);
    const file = this.#recordPath(id);
    try {
      unlinkSync(file); // (one system call; rmSync makes three)
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw stateIoError('remove', file, e);
    }
    // After the record: a record never lacks the lock it names. (Only when it names one: this
    // is on every container's exit path.)
    if (!opts.ownerLock) return;
    const lock = join(this.path, 'owners', id);
    try {
      unlinkSync(lock);
    } catch (e) {
      if (errCode(e) !== 'ENOENT' && errCode(e) !== 'ENOTDIR') throw stateIoError('remove', lock, e);
    }
  }

  /**
   * Forgets a container: its lease (if it holds one), then its record. In this order, so that
   * the lease of a live container can be given back without the lock: until its record is
   * gone no one else may take the lease (lease-store.ts), and a record without its lease is
   * harmless; a lease without a record (a crash in between) is an orphan the next lease or gc
   * removes.
   */
  drop(rec: ContainerRecord): void {
    if (rec.bridge !== undefined && rec.ip !== undefined) this.leases.release(rec.bridge, textToIp(rec.ip.split('/')[0]!), rec.id);
    this.remove(rec.id, { ownerLock: rec.ownerLock });
  }

  /**
   * Once, when the lease store is first made here: leases for the records of an older nsrun
   * (format 1 had no lease files), so that their addresses stay taken (those records are
   * opaque: kept until removed by hand).
   */
  adoptLegacyLeases(): void {
    for (const name of this.#names('containers', '.json')) {
      const id = name.slice(0, -'.json'.length);
      if (!ID_PATTERN.test(id)) continue;
      let v: { version?: unknown; bridge?: unknown; ip?: unknown };
      try {
        v = JSON.parse(readFileSync(join(this.path, 'containers', name), 'utf8')) as typeof v;
      } catch {
        continue;
      }
      if (v?.version !== 1 || typeof v.bridge !== 'string' || typeof v.ip !== 'string') continue;
      let ip: number;
      try {
        checkLinkName('bridge', v.bridge);
        ip = textToIp(v.ip.split('/')[0]!);
      } catch {
        continue;
      }
      this.leases.claim(v.bridge, ip, id);
    }
    mkdirs(this.leases.root);
  }

  /** Tells onWarning. */
  warn(msg: string): void {
    this.#warn(msg);
  }

  /** Notes that nsrun created bridge `name` with address `gateway` (CIDR). */
  bridgeCreated(name: string, gateway: string): void {
    checkLinkName('bridge', name);
    parseGateway(gateway);
    this.#writeFile('bridges', `${name}.json`, `${JSON.stringify({ version: 1, name, gateway }, null, 2)}\n`);
  }

  /** The bridges nsrun created (and has not forgotten), by name. Malformed files are skipped with a warning. */
  bridgesCreated(): BridgeEntry[] {
    const out: BridgeEntry[] = [];
    for (const file of this.#names('bridges', '.json')) {
      const path = join(this.path, 'bridges', file);
      try {
        const v = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        const name = file.slice(0, -'.json'.length);
        if (v?.version !== 1 || v.name !== name || typeof v.gateway !== 'string' || Object.keys(v).length !== 3) {
          throw new StateError(`not a bridge file of nsrun (want {"version":1,"name":"${name}","gateway":"..."})`, { file: path });
        }
        checkLinkName('bridge', name, path);
        parseGateway(v.gateway);
        out.push({ name, gateway: v.gateway });
      } catch (e) {
        if (errCode(e) === 'ENOENT') continue;
        this.#warn(`skipping ${path}: ${why(e)}`);
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Forgets a bridge nsrun created (it was deleted), and its cursor. Idempotent. */
  bridgeForget(name: string): void {
    checkLinkName('bridge', name);
    for (const file of [join(this.path, 'bridges', `${name}.json`), join(this.path, 'cursors', name)]) {
      try {
        rmSync(file, { force: true });
      } catch (e) {
        throw stateIoError('remove', file, e);
      }
    }
  }

  /** The last address handed out automatically on `bridge`, as a number; undefined when none (or unreadable: warned). */
  cursor(bridge: string): number | undefined {
    checkLinkName('bridge', bridge);
    const path = join(this.path, 'cursors', bridge);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (errCode(e) === 'ENOENT') return undefined;
      throw stateIoError('read', path, e);
    }
    try {
      return textToIp(text.trim(), 'cursor');
    } catch (e) {
      this.#warn(`ignoring ${path}: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Stores the cursor of `bridge` (an address number; kept as dotted text). */
  setCursor(bridge: string, n: number): void {
    checkLinkName('bridge', bridge);
    this.#writeFile('cursors', bridge, `${ipToText(n)}\n`);
  }

  #lockPath(): string {
    return join(this.path, 'lock');
  }

  #recordPath(id: string): string {
    return join(this.path, 'containers', `${id}.json`);
  }

  /** A record file judged (records.ts: classifyRecord); undefined when it is not there. */
  #entry(id: string, file: string): RecordEntry | undefined {
    const text = readBounded(file);
    if (text === undefined) return undefined;
    if (typeof text !== 'string') return { id, file, opaque: text.opaque, contract: {} };
    const c = classifyRecord(text, file);
    if (c.record && c.record.id !== id) return { id, file, opaque: `holds the record of ${c.record.id}, not of ${id}`, contract: {} };
    return c.record ? { id, file, record: c.record } : { id, file, opaque: c.opaque, contract: c.contract };
  }

  /** Entries of a subdirectory ending in `suffix` (temporary files of writers excluded); none when it does not exist. */
  #names(sub: string, suffix: string): string[] {
    const dir = join(this.path, sub);
    try {
      return readdirSync(dir).filter((n) => n.endsWith(suffix) && !n.includes('.tmp-'));
    } catch (e) {
      if (errCode(e) === 'ENOENT') return [];
      throw stateIoError('read', dir, e);
    }
  }

  /** Writes <dir>/<sub>/<name> atomically: a temporary file beside it, fsynced, renamed over it. */
  #writeFile(sub: string, name: string, text: string): void {
    const dir = join(this.path, sub);
    mkdirs(dir);
    const file = join(dir, name);
    const tmp = `${file}.tmp-${process.pid}`;
    let action = 'create';
    try {
      const fd = openSync(tmp, 'w', FILE_MODE);
      try {
        action = 'write';
        fchmodSync(fd, FILE_MODE); // whatever the umask
        writeFileSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      action = 'replace';
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      // The file meant, not its temporary twin.
      throw stateIoError(action, file, e);
    }
  }

  async #lockFile(signal: AbortSignal | undefined): Promise<void> {
    const lock = this.#lockPath();
    if (this.#lockFd === undefined) {
      mkdirs(this.path);
      try {
        this.#lockFd = openSync(lock, 'a', FILE_MODE); // Node opens with O_CLOEXEC: children do not inherit it
      } catch (e) {
        throw stateIoError('open the lock file', lock, e);
      }
    }
    const fd = this.#lockFd;
    let delay = 1;
    let waited = 0;
    for (;;) {
      try {
        flock(fd, LOCK_EX | LOCK_NB);
        return;
      } catch (e) {
        if (!(e instanceof SysError && (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK' || e.code === 'EINTR'))) throw stateIoError('lock', lock, e);
      }
      if (signal?.aborted) throw this.#interrupted(describeHolder(lockHolder(fd)));
      if (waited < LOCK_WAIT_WARN_MS && waited + delay >= LOCK_WAIT_WARN_MS) this.#warn(`waiting for ${lock}: ${describeHolder(lockHolder(fd))}`);
      await sleep(delay, undefined, { signal }).catch(() => {}); // an abort: said on the next turn
      waited += delay;
      delay = Math.min(delay * 2, LOCK_POLL_MAX_MS);
    }
  }

  #interrupted(holder: string): StateError {
    return new StateError(`interrupted while waiting for the lock (${holder})`, { file: this.#lockPath() });
  }

  #unlockFile(): void {
    const fd = this.#lockFd;
    if (fd === undefined) return;
    try {
      flock(fd, LOCK_UN);
    } catch {
      this.close(); // closing the only fd of the open file releases its lock too
    }
  }

  #warn(msg: string): void {
    this.#onWarning?.(msg);
  }
}

/**
 * A file's text, read with one bounded read (records are small: a big one is not parsed at
 * all); undefined when there is no such file; `{ opaque }` when it cannot be used.
 */
function readBounded(file: string): string | { opaque: string } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    return { opaque: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  try {
    const buf = (readBuf ??= Buffer.allocUnsafe(MAX_RECORD_BYTES + 1));
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_RECORD_BYTES) return { opaque: `larger than ${MAX_RECORD_BYTES / 1024} KiB: not a record of this nsrun (not read)` };
    return buf.toString('utf8', 0, n);
  } catch (e) {
    return { opaque: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  } finally {
    closeSync(fd);
  }
}

/** `p`, or a rejection with `onAbort()` as soon as `signal` is aborted. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => Error): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.race([p, Promise.reject(onAbort())]);
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
