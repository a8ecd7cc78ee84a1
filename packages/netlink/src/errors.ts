import { errnoName, strerror } from '@nsrun/sys';

/** What a failed request was: its message type, sequence number and the operation's own words. */
export interface RequestInfo {
  /** RTM_* message type. */
  type: number;
  /** Kernel name of the type, e.g. "RTM_NEWLINK". */
  typeName: string;
  seq: number;
  /** The operation and its object, e.g. `linkAdd veth0 (veth)`. */
  what: string;
}

/** The attribute the kernel blamed (NLMSGERR_ATTR_OFFS), resolved against our request bytes. */
export interface BadAttribute {
  /** Offset from the start of the request message. */
  offset: number;
  /** Kernel name, e.g. "IFLA_MTU", when the offset falls on a known top-level attribute. */
  name?: string;
  /** True when the offset points inside that attribute (a nested one) rather than at it. */
  inside?: boolean;
}

/** The kernel refused a request. */
export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  /** Positive errno value. */
  readonly errno: number;
  /** errno name, e.g. "EEXIST". */
  readonly code: string;
  /** The kernel's extended-ACK message, when it gave one. */
  readonly kernelMessage: string | undefined;
  readonly badAttribute: BadAttribute | undefined;
  readonly request: RequestInfo;

  constructor(errno: number, request: RequestInfo, kernelMessage?: string, badAttribute?: BadAttribute) {
    const code = errnoName(errno);
    let text = `${request.what}: ${code} (${strerror(errno)})`;
    if (kernelMessage) text += `: ${kernelMessage}`;
    if (badAttribute?.name) text += ` [${badAttribute.inside ? 'inside ' : ''}${badAttribute.name}]`;
    super(text);
    this.errno = errno;
    this.code = code;
    this.kernelMessage = kernelMessage;
    this.badAttribute = badAttribute;
    this.request = request;
  }
}

/**
 * A dump changed while it was read (NLM_F_DUMP_INTR): the result may be inconsistent. `partial`
 * holds what was received; `retries` how many attempts were made.
 */
export class DumpInterruptedError<T = unknown> extends Error {
  override readonly name = 'DumpInterruptedError';
  readonly partial: T[];
  readonly request: RequestInfo;
  readonly attempts: number;
  constructor(request: RequestInfo, partial: T[], attempts: number) {
    super(`${request.what}: dump interrupted by a concurrent change (NLM_F_DUMP_INTR) after ${attempts} attempt(s); ${partial.length} objects received`);
    this.partial = partial;
    this.request = request;
    this.attempts = attempts;
  }
}

/** No answer arrived in time. */
export class NetlinkTimeoutError extends Error {
  override readonly name = 'NetlinkTimeoutError';
  readonly request: RequestInfo;
  constructor(request: RequestInfo, ms: number) {
    super(`${request.what}: no answer from the kernel within ${ms} ms`);
    this.request = request;
  }
}

/** The kernel dropped messages for this socket (ENOBUFS): state must be re-read. */
export class OverrunError extends Error {
  override readonly name = 'OverrunError';
  readonly what: string;
  constructor(what: string) {
    super(`${what}: ENOBUFS: the socket's receive buffer overflowed and the kernel dropped messages; re-read the state`);
    this.what = what;
  }
}

/** A refused value in a message: JSON, which has no words for a bigint or a cycle. */
function valueText(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? 'undefined';
  } catch {
    return String(v);
  }
}

/** Input refused before anything was sent: which field, what value, why. */
export class ValidationError extends RangeError {
  override readonly name = 'ValidationError';
  readonly field: string;
  readonly value: unknown;
  readonly reason: string;
  constructor(field: string, value: unknown, reason: string) {
    super(`invalid ${field} ${valueText(value)}: ${reason}`);
    this.field = field;
    this.value = value;
    this.reason = reason;
  }
}
