import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SysError, flock, LOCK_EX, LOCK_NB, LOCK_UN } from '@nsrun/sys';
import { StateError } from './errors.js';
import { checkId, checkLinkName } from './names.js';
import { formatRecord, parseRecord, type ContainerRecord } from './records.js';
import { ipToText, parseGateway, textToIp } from './leases.js';

// nsrun's state directory (root's, on tmpfs at /run/nsrun, so it starts empty at boot):
//   lock                    flock(2)ed around every read-modify-write by any nsrun
//   containers/<id>.json    one ContainerRecord per container (its lease, its veth)
//   bridges/<name>.json     bridges nsrun created, so `gc --bridges` deletes only those
//   cursors/<bridge>        where the next automatic address on that bridge is looked for
// Files are replaced atomically (write a temporary file, rename it over), so a reader never
// sees half a file, even without the lock.

export interface StateDirOptions {
  /** Told about files that were skipped (malformed) and about a long wait for the lock. */
  onWarning?: (msg: string) => void;
}

export interface BridgeEntry {
  name: string;
  /** Its address, CIDR, as nsrun gave it. */
  gateway: string;
}

const DIR_MODE = 0o755;
const FILE_MODE = 0o644;
/** Polling the lock: first retry after 1 ms, doubling up to 50 ms. */
const LOCK_POLL_MAX_MS = 50;
/** After this long waiting for the lock, say so (once). */
const LOCK_WAIT_WARN_MS = 2000;

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;
/** An error's text without the file name (the warning names the file itself). */
const why = (e: unknown): string =>
  e instanceof StateError ? `${e.field === undefined ? '' : `${e.field}: `}${e.reason}` : e instanceof Error ? e.message : String(e);

/** Which StateDir paths the current async context holds the lock of (to refuse a nested withLock). */
const held = new AsyncLocalStorage<ReadonlyArray<{ path: string; active: boolean }>>();

export class StateDir {
  static readonly DEFAULT = '/run/nsrun';
  readonly path: string;
  readonly #onWarning: ((msg: string) => void) | undefined;
  #lockFd: number | undefined;
  /** withLock callers holding or waiting for the lock. */
  #users = 0;
  /** The in-process queue: resolves when the previous withLock caller is done. */
  #tail: Promise<void> = Promise.resolve();

  constructor(path: string = StateDir.DEFAULT, options: StateDirOptions = {}) {
    if (typeof path !== 'string' || path === '') throw new StateError('the state directory must be a non-empty path', { field: 'stateDir' });
    this.path = resolve(path);
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
   * the event loop (signals, timers) for as long as another nsrun holds the lock.
   */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    const outer = held.getStore() ?? [];
    if (outer.some((h) => h.active && h.path === this.path)) {
      throw new StateError('withLock called inside withLock for the same directory (not reentrant)', { file: this.#lockPath() });
    }
    const prev = this.#tail;
    let done!: () => void;
    this.#tail = new Promise<void>((r) => (done = r));
    this.#users++;
    try {
      await prev;
      await this.#lockFile();
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
      done();
    }
  }

  /** Closes the lock file (call when no withLock is running or waiting). */
  close(): void {
    if (this.#lockFd !== undefined) closeSync(this.#lockFd);
    this.#lockFd = undefined;
  }

  /** All readable records, oldest first. Malformed files are skipped and reported to onWarning. */
  list(): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const name of this.#names('containers', '.json')) {
      const file = join(this.path, 'containers', name);
      try {
        out.push(this.#readRecord(name.slice(0, -'.json'.length), file));
      } catch (e) {
        if (errCode(e) === 'ENOENT') continue; // removed since readdir
        this.#warn(`skipping ${file}: ${why(e)}`);
      }
    }
    const time = (r: ContainerRecord): number => Date.parse(r.created);
    return out.sort((a, b) => time(a) - time(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** One record; undefined when there is none. A malformed file is a StateError. */
  read(id: string): ContainerRecord | undefined {
    checkId(id);
    try {
      return this.#readRecord(id, this.#recordPath(id));
    } catch (e) {
      if (errCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Writes (or replaces) a record, atomically. The record is checked first (StateError). */
  write(rec: ContainerRecord): void {
    const text = formatRecord(rec);
    this.#writeFile('containers', `${rec.id}.json`, text);
  }

  /** Removes a record; one that is not there is fine. */
  remove(id: string): void {
    checkId(id);
    rmSync(this.#recordPath(id), { force: true });
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
    rmSync(join(this.path, 'bridges', `${name}.json`), { force: true });
    rmSync(join(this.path, 'cursors', name), { force: true });
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
      throw e;
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

  #readRecord(id: string, file: string): ContainerRecord {
    const rec = parseRecord(readFileSync(file, 'utf8'), file);
    if (rec.id !== id) throw new StateError(`holds the record of ${rec.id}, not of ${id}`, { file, field: 'id' });
    return rec;
  }

  /** Entries of a subdirectory ending in `suffix` (temporary files of writers excluded); none when it does not exist. */
  #names(sub: string, suffix: string): string[] {
    try {
      return readdirSync(join(this.path, sub)).filter((n) => n.endsWith(suffix) && !n.includes('.tmp-'));
    } catch (e) {
      if (errCode(e) === 'ENOENT') return [];
      throw e;
    }
  }

  /** Writes <dir>/<sub>/<name> atomically: a temporary file beside it, fsynced, renamed over it. */
  #writeFile(sub: string, name: string, text: string): void {
    const dir = join(this.path, sub);
    mkdirs(dir);
    const file = join(dir, name);
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      const fd = openSync(tmp, 'w', FILE_MODE);
      try {
        fchmodSync(fd, FILE_MODE); // whatever the umask
        writeFileSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  async #lockFile(): Promise<void> {
    if (this.#lockFd === undefined) {
      mkdirs(this.path);
      const fd = openSync(this.#lockPath(), 'a', FILE_MODE); // Node opens with O_CLOEXEC: children do not inherit it
      this.#lockFd = fd;
    }
    const fd = this.#lockFd;
    let delay = 1;
    let waited = 0;
    for (;;) {
      try {
        flock(fd, LOCK_EX | LOCK_NB);
        return;
      } catch (e) {
        if (!(e instanceof SysError && (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK' || e.code === 'EINTR'))) throw e;
      }
      if (waited < LOCK_WAIT_WARN_MS && waited + delay >= LOCK_WAIT_WARN_MS) this.#warn(`waiting for ${this.#lockPath()}: another nsrun holds it`);
      await sleep(delay);
      waited += delay;
      delay = Math.min(delay * 2, LOCK_POLL_MAX_MS);
    }
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

/** mkdir -p with mode 0755 on the directories it creates, whatever the umask. */
function mkdirs(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    chmodSync(d, DIR_MODE);
    if (d === first || d === dirname(d)) break;
  }
}
