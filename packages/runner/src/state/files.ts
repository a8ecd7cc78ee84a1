import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { stateIoError } from './errors.js';

/** Directories of the state directory: readable by all, whatever the umask (files are 0644). */
export const DIR_MODE = 0o755;

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** mkdir -p with mode 0755 on the directories it creates, whatever the umask. */
export function mkdirs(dir: string): void {
  try {
    const first = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    if (first === undefined) return;
    for (let d = dir; ; d = dirname(d)) {
      chmodSync(d, DIR_MODE);
      if (d === first || d === dirname(d)) break;
    }
  } catch (e) {
    // Node's recursive mkdir says ENOENT for some failures (a read-only file system): ask
    // the kernel once more for this one directory, whose parent is most often there.
    if (errCode(e) === 'ENOENT') {
      try {
        mkdirSync(dir, { mode: DIR_MODE });
        chmodSync(dir, DIR_MODE);
        return;
      } catch (again) {
        if (errCode(again) !== 'ENOENT') throw stateIoError('create', dir, again);
      }
    }
    throw stateIoError('create', (e as NodeJS.ErrnoException).path ?? dir, e);
  }
}
