import { SysError } from '@nsrun/sys';
import { NetlinkError } from '@nsrun/netlink';
import { RunnerError } from '../errors.js';
import { StateError } from '../state/errors.js';

// What nsrun netd refuses or fails at, on both sides of its socket: the step, the object it
// concerns, and for a failed system call the errno name and the kernel's text. The server sends
// these fields; the client rebuilds the same error, so a user sees one line saying which step
// of netd failed and why.

/** netd's own steps; the wiring steps are run's (RunStep: bridge, lease, veth, ...). */
export type NetdStep = 'connect' | 'request' | 'reply' | 'peer' | 'policy' | 'target' | 'owner' | 'quota' | 'detach' | 'list' | 'serve' | RunnerError['step'];

export interface NetdErrorFields {
  /** What the step acted on: a socket path, a policy file and line, a pid, a container id. */
  object?: string | undefined;
  /** errno name (`ENOENT`), when a system call or the kernel refused. */
  code?: string | undefined;
  errno?: number | undefined;
  /** The kernel's own text (netlink extended ACK), when it gave one. */
  kernel?: string | undefined;
  /** For `request`: the field that was refused. */
  field?: string | undefined;
}

export class NetdError extends Error {
  override readonly name = 'NetdError';
  readonly step: NetdStep;
  /** The reason, without the step. */
  readonly reason: string;
  readonly object: string | undefined;
  readonly code: string | undefined;
  readonly errno: number | undefined;
  readonly kernel: string | undefined;
  readonly field: string | undefined;
  override readonly cause: unknown;

  constructor(step: NetdStep, reason: string, fields: NetdErrorFields = {}, cause?: unknown) {
    super(`netd: ${step}: ${reason.split('\n')[0]}`);
    this.step = step;
    this.reason = reason.split('\n')[0]!;
    this.object = fields.object;
    this.code = fields.code;
    this.errno = fields.errno;
    this.kernel = fields.kernel;
    this.field = fields.field;
    this.cause = cause;
  }

  /** The fields sent over the socket. */
  toWire(): WireError {
    return {
      step: this.step,
      message: this.reason,
      ...(this.object !== undefined && { object: this.object }),
      ...(this.code !== undefined && { code: this.code }),
      ...(this.errno !== undefined && { errno: this.errno }),
      ...(this.kernel !== undefined && { kernel: this.kernel }),
      ...(this.field !== undefined && { field: this.field }),
    };
  }

  /**
   * Any failure as a NetdError of `step`: a RunnerError keeps its own step and field, and the
   * errno and kernel text of the SysError or NetlinkError beneath it are taken along.
   */
  static from(step: NetdStep, e: unknown, object?: string): NetdError {
    if (e instanceof NetdError) return e;
    let s: NetdStep = step;
    let reason = e instanceof Error ? e.message : String(e);
    let field: string | undefined;
    let root: unknown = e;
    if (e instanceof RunnerError) {
      s = e.step;
      reason = e.reason;
      field = e.field;
      root = e.cause;
    } else if (e instanceof StateError) {
      s = 'state';
    }
    // The deepest SysError or NetlinkError names the errno.
    for (let c = root, i = 0; c instanceof Error && i < 5; c = (c as { cause?: unknown }).cause, i++) {
      if (c instanceof SysError) return new NetdError(s, reason, { object: object ?? c.target, code: c.code, errno: c.errno, field }, e);
      if (c instanceof NetlinkError)
        return new NetdError(s, reason, { object: object ?? c.request.what, code: c.code, errno: c.errno, kernel: c.kernelMessage, field }, e);
    }
    return new NetdError(s, reason, { object, field }, e);
  }
}

/** An error as it travels in a reply. */
export interface WireError {
  step: string;
  message: string;
  object?: string;
  code?: string;
  errno?: number;
  kernel?: string;
  field?: string;
}
