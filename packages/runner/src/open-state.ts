import { RunnerError } from './errors.js';
import { StateDir } from './state/dir.js';
import { StateError } from './state/errors.js';

/**
 * The state directory a command was given: an absolute path (or the default), refused before
 * anything is done otherwise (step `validate`, like run's option). Nothing is created here.
 */
export function openStateDir(stateDir: unknown, onWarning?: (m: string) => void): StateDir {
  const invalid = (reason: string): RunnerError => new RunnerError('validate', `stateDir: ${reason}`, { field: 'stateDir' });
  if (stateDir !== undefined && (typeof stateDir !== 'string' || !stateDir.startsWith('/'))) throw invalid('must be an absolute path');
  try {
    return new StateDir(stateDir as string | undefined, { onWarning });
  } catch (e) {
    throw e instanceof StateError ? invalid(e.reason) : e;
  }
}
