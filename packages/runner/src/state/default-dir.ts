import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from './errors.js';
import { rootless } from '../rootless.js';

/** Root's state directory: on tmpfs, so it starts empty at boot. */
export const ROOT_STATE_DIR = '/run/nsrun';

/**
 * Where nsrun keeps its state by default: root's in /run/nsrun; a user's who is not root
 * (rootless runs, and that user's `ps`/`gc`) in $XDG_RUNTIME_DIR/nsrun, or else /tmp/nsrun-UID,
 * which must be the user's own directory that no one else may write (another user could have
 * made it first, to read or plant records).
 */
export function defaultStateDir(): string {
  const ctx = rootless();
  const uid = ctx ? ctx.uid : (process.geteuid?.() ?? 0);
  if (!ctx && uid === 0) return ROOT_STATE_DIR;
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg?.startsWith('/')) return join(xdg, 'nsrun');
  const dir = `/tmp/nsrun-${uid}`;
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new StateError(`${dir}: cannot create it: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { field: 'stateDir' });
  }
  const st = lstatSync(dir);
  // In the user namespace the user is uid 0.
  const me = process.geteuid?.() ?? uid;
  if (!st.isDirectory() || st.uid !== me || (st.mode & 0o022) !== 0) {
    throw new StateError(`${dir}: not a directory of this user's that only it can write (set XDG_RUNTIME_DIR, or pass --state-dir)`, { field: 'stateDir' });
  }
  return dir;
}
