import { randomBytes } from '@nsrun/sys';
import { checkIfname, ValidationError } from '@nsrun/netlink';
import { StateError } from './errors.js';

// Names that become file names in the state directory: checked before any path is built, so
// none can climb out of it ('/', '..') or be empty.

/** A container id: 12 lowercase hex digits (48 random bits). */
export const ID_PATTERN = /^[0-9a-f]{12}$/;

/** A fresh random container id. */
export function newId(): string {
  return randomBytes(6).toString('hex');
}

export function checkId(id: unknown, file?: string): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new StateError(`${JSON.stringify(id)} is not a container id (12 lowercase hex digits)`, { file, field: 'id' });
  }
  return id;
}

/** A link name as the kernel accepts it (also safe as a file name: no '/', not '.' or '..'). */
export function checkLinkName(field: string, name: unknown, file?: string): string {
  try {
    return checkIfname(field, name);
  } catch (e) {
    const reason = e instanceof ValidationError ? `${JSON.stringify(name)} ${e.reason}` : String(e);
    throw new StateError(reason, { file, field, cause: e });
  }
}
