import { readFileSync, readdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { StateError, stateIoError } from './errors.js';
import { ipToText, textToIp } from './leases.js';
import { mkdirs } from './files.js';

// Who holds which address, one file per address (the CNI host-local IPAM layout): <root>/<pool>/
// <a.b.c.d>, created exclusively, so an address is taken exactly when its file exists. Each file
// is a symbolic link whose target is the holder (a container id): symlink(2) creates it with its
// content in one atomic, exclusive step (no half-written lease after a crash), readlink(2) reads
// it in one call, and it is never followed. A regular file holding the id is read the same way.
// Callers hold the state lock around list, claim and the decisions between them; the store
// itself only keeps files. nsrun's pool is the bridge name.

export interface Lease {
  /** The address, as a number. */
  ip: number;
  /** Who holds it; undefined when the file cannot be read (the address stays taken). */
  holder: string | undefined;
}

/** A pool name becomes a directory name: no '/', not '.' or '..', not empty, at most 255 bytes. */
function checkPool(pool: unknown): string {
  if (typeof pool !== 'string' || pool === '' || pool === '.' || pool === '..' || pool.includes('/') || pool.includes('\0') || Buffer.byteLength(pool) > 255) {
    throw new StateError(`${JSON.stringify(pool)} cannot name a lease pool (a file name: no '/', not "." or "..")`, { field: 'pool' });
  }
  return pool;
}

/** A holder is kept as a symlink target: printable, no NUL, at most 255 bytes. */
function checkHolder(holder: unknown): string {
  if (typeof holder !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(holder)) {
    throw new StateError(`${JSON.stringify(holder)} cannot hold a lease (1-255 printable ASCII characters, no space)`, { field: 'holder' });
  }
  return holder;
}

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

export class LeaseStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** Whether any lease was ever taken here (the root exists). */
  exists(): boolean {
    try {
      readdirSync(this.root);
      return true;
    } catch (e) {
      if (errCode(e) === 'ENOENT') return false;
      throw stateIoError('read', this.root, e);
    }
  }

  /** The pools that have a directory. */
  pools(): string[] {
    try {
      return readdirSync(this.root).filter((p) => !p.startsWith('.'));
    } catch (e) {
      if (errCode(e) === 'ENOENT') return [];
      throw stateIoError('read', this.root, e);
    }
  }

  /**
   * Every lease of `pool`, by address; none when the pool has no directory. Names that are not
   * addresses are not leases (`onSkip` is told).
   */
  list(pool: string, onSkip?: (file: string, why: string) => void): Lease[] {
    const dir = join(this.root, checkPool(pool));
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return [];
      throw stateIoError('read', dir, e);
    }
    const out: Lease[] = [];
    for (const name of names) {
      let ip: number;
      try {
        ip = textToIp(name);
      } catch {
        onSkip?.(join(dir, name), 'not an address');
        continue;
      }
      if (ipToText(ip) !== name) continue;
      const holder = this.#holder(join(dir, name));
      if (holder !== null) out.push({ ip, holder });
    }
    return out.sort((a, b) => a.ip - b.ip);
  }

  /** Who holds `ip` in `pool`: undefined when no one. */
  holder(pool: string, ip: number): string | undefined {
    return this.#holder(this.#file(pool, ip)) ?? undefined;
  }

  /** Takes `ip` in `pool` for `holder`: true, or false when someone holds it already. */
  claim(pool: string, ip: number, holder: string): boolean {
    checkHolder(holder);
    const file = this.#file(pool, ip);
    for (let first = true; ; first = false) {
      try {
        symlinkSync(holder, file);
        return true;
      } catch (e) {
        if (errCode(e) === 'EEXIST') return false;
        if (!(first && errCode(e) === 'ENOENT')) throw stateIoError('create', file, e);
      }
      // The pool's first lease: make its directory (only then: a mkdir costs two system calls).
      mkdirs(join(this.root, pool));
    }
  }

  /**
   * Gives `ip` back if `holder` holds it (true); a lease of someone else, or none, is left as
   * it is (false). Without the lock this is safe only for a holder whose lease no one else may
   * take meanwhile: a live one.
   */
  release(pool: string, ip: number, holder: string): boolean {
    const file = this.#file(pool, ip);
    if (this.#holder(file) !== holder) return false;
    try {
      unlinkSync(file);
      return true;
    } catch (e) {
      if (errCode(e) === 'ENOENT') return false;
      throw stateIoError('remove', file, e);
    }
  }

  #file(pool: string, ip: number): string {
    return join(this.root, checkPool(pool), ipToText(ip));
  }

  /** The holder a lease file names; null when there is no file; undefined when it cannot be read. */
  #holder(file: string): string | undefined | null {
    try {
      return readlinkSync(file);
    } catch (e) {
      if (errCode(e) === 'ENOENT') return null;
      if (errCode(e) !== 'EINVAL') return undefined; // not a symlink: a regular file, perhaps
    }
    try {
      const text = readFileSync(file, 'utf8').trim();
      return text === '' ? undefined : text;
    } catch (e) {
      return errCode(e) === 'ENOENT' ? null : undefined;
    }
  }
}
