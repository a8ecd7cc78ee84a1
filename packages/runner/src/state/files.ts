import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stateIoError } from './errors.js';

/** Directories of the state directory: readable by all, whatever the umask (files are 0644). */
export const DIR_MODE = 0o755;

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/**
 * mkdir -p: makes `dir` and its missing parents with `mode`, whatever the umask. Its own walk,
 * not Node's recursive mkdirSync, which under /proc never returns (Node 20: the kernel's ENOENT
 * there makes it retry the parent, which exists, for ever). The error is the kernel's own for the
 * directory that could not be made (EROFS, EACCES, ENOTDIR, ENOENT...).
 */
export function mkdirp(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      statSync(d);
      break; // it exists: a directory, or mkdir below says ENOTDIR
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw e;
    }
    missing.push(d);
    if (d === dirname(d)) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode });
    } catch (e) {
      if (errCode(e) === 'EEXIST') continue; // made by another process meanwhile
      throw e;
    }
    chmodSync(d, mode);
  }
}

/** mkdir -p with mode 0755 on the directories it creates, whatever the umask. */
export function mkdirs(dir: string): void {
  try {
    mkdirp(dir, DIR_MODE);
  } catch (e) {
    throw stateIoError('create', (e as NodeJS.ErrnoException).path ?? dir, e);
  }
}
