import { SysError } from '@nsrun/sys';
import { NetlinkError } from '@nsrun/netlink';
import { RunnerError } from '../errors.js';
import { StateError } from '../state/errors.js';

// The CNI error result (SPEC.md, section 5 "Error"): a code, a short `msg`, longer `details`.
// Codes 0-99 are the spec's; 100 and up are nsrun's own, one per kind of failure, so that a
// runtime's log says which step of nsrun failed without parsing text.

/** SPEC.md "Error": the well-known codes nsrun uses. */
export const CNI_ERR_INCOMPATIBLE_VERSION = 1;
export const CNI_ERR_UNSUPPORTED_FIELD = 2;
export const CNI_ERR_UNKNOWN_CONTAINER = 3;
export const CNI_ERR_INVALID_ENV = 4;
export const CNI_ERR_IO = 5;
export const CNI_ERR_DECODE = 6;
export const CNI_ERR_INVALID_CONFIG = 7;
export const CNI_ERR_TRY_AGAIN = 11;
export const CNI_ERR_NOT_AVAILABLE = 50;
/** nsrun's own: a step of the wiring failed (RunnerError: step, errno, kernel text). */
export const CNI_ERR_NSRUN = 100;
/** nsrun's own: the container's network namespace cannot be used (CNI_NETNS). */
export const CNI_ERR_NETNS = 101;
/** nsrun's own: the attachment exists already, or the interface name is taken in the namespace. */
export const CNI_ERR_EXISTS = 102;
/** nsrun's own: the IPAM plugin could not be run, or said something that is not a result. */
export const CNI_ERR_IPAM = 103;
/** nsrun's own: CHECK found the attachment not as prevResult says. */
export const CNI_ERR_CHECK = 104;
/** nsrun's own: the state directory (leases, records, lock) failed. */
export const CNI_ERR_STATE = 105;
/** nsrun's own: no address left in the range. */
export const CNI_ERR_FULL = 106;

export interface CniErrorJson {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export class CniError extends Error {
  override readonly name = 'CniError';
  readonly code: number;
  readonly msg: string;
  readonly details: string | undefined;
  override readonly cause: unknown;

  constructor(code: number, msg: string, details?: string, cause?: unknown) {
    super(details ? `${msg}: ${details}` : msg);
    this.code = code;
    this.msg = msg;
    this.details = details;
    this.cause = cause;
  }

  toJSON(cniVersion: string): CniErrorJson {
    return { cniVersion, code: this.code, msg: this.msg, ...(this.details !== undefined && { details: this.details }) };
  }

  /**
   * Any failure as a CniError: a RunnerError keeps its step in `msg` and its whole one-line
   * text (object, errno name, kernel text) in `details`.
   */
  static from(e: unknown): CniError {
    if (e instanceof CniError) return e;
    if (e instanceof RunnerError) {
      const text = e.message;
      if (e.step === 'state') {
        const again = /interrupted while waiting for the lock/.test(text);
        return new CniError(again ? CNI_ERR_TRY_AGAIN : CNI_ERR_STATE, again ? 'try again later: the state lock is held' : 'state directory', text, e);
      }
      if (e.step === 'lease' && /is full/.test(text)) return new CniError(CNI_ERR_FULL, 'no address left', text, e);
      const errno = errnoOf(e.cause);
      if (errno === 'EAGAIN' || errno === 'EBUSY') return new CniError(CNI_ERR_TRY_AGAIN, `try again later: ${e.step}`, text, e);
      return new CniError(CNI_ERR_NSRUN, `nsrun: ${e.step} failed`, text, e);
    }
    if (e instanceof StateError) return CniError.from(RunnerError.wrap('state', e));
    if (e instanceof NetlinkError || e instanceof SysError) return CniError.from(RunnerError.wrap('validate', e));
    return new CniError(CNI_ERR_NSRUN, 'nsrun: internal error', e instanceof Error ? e.message.split('\n')[0] : String(e), e);
  }
}

function errnoOf(e: unknown): string | undefined {
  return e instanceof NetlinkError || e instanceof SysError ? e.code : undefined;
}
/** nsrun's own: GC released what it could, and these failed. */
export const CNI_ERR_GC = 107;
