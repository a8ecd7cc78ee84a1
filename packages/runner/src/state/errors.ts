// The state directory's two error classes: a file or name that is not what nsrun writes
// (StateError), and an address that cannot be used or handed out (AddressError).

/** A malformed state file, or an id / bridge name that cannot name one. */
export class StateError extends Error {
  override readonly name = 'StateError';
  /** The file concerned, when there is one. */
  readonly file: string | undefined;
  /** The refused field (`id`, `owner.pid`, `bridge`, ...), when one is to blame. */
  readonly field: string | undefined;
  readonly reason: string;
  override readonly cause: unknown;

  constructor(reason: string, opts: { file?: string | undefined; field?: string | undefined; cause?: unknown } = {}) {
    super(`${opts.file === undefined ? '' : `${opts.file}: `}${opts.field === undefined ? '' : `${opts.field}: `}${reason}`);
    this.file = opts.file;
    this.field = opts.field;
    this.reason = reason;
    this.cause = opts.cause;
  }
}

/**
 * A failed file operation in the state directory as a StateError naming the file, the errno
 * name and its text: `<file>: cannot write: ENOSPC (no space left on device)`. Node's own
 * messages leave the file out for some calls (a write names none).
 */
export function stateIoError(action: string, file: string, e: unknown): StateError {
  if (e instanceof StateError) return e;
  const err = e as NodeJS.ErrnoException | undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  // Node: "ENOSPC: no space left on device, write" or "EROFS: read-only file system, open '/x'".
  const text = typeof err?.message === 'string' ? (/^[A-Z0-9_]+: (.*?), [a-z_0-9]+(?: '.*)?$/.exec(err.message)?.[1] ?? err.message) : String(e);
  return new StateError(`cannot ${action}: ${code === undefined ? text : `${code} (${text})`}`, { file, cause: e });
}

/** Why an address was refused; each has its own message. */
export type AddressProblem =
  | 'malformed' // not a dotted quad / CIDR
  | 'prefix' // prefix outside 8..30, or not the subnet's
  | 'network' // the subnet's network address
  | 'broadcast' // the subnet's broadcast address
  | 'gateway' // the bridge's own address
  | 'outside' // not in the subnet
  | 'taken' // leased to another container
  | 'full'; // no free address left

export class AddressError extends RangeError {
  override readonly name = 'AddressError';
  /** Which input was refused: `subnet`, `ip`, `address`, `used`, `cursor`, `prefix`. */
  readonly field: string;
  readonly reason: AddressProblem;
  /** For `taken`: the container holding the address, when the caller said. */
  readonly takenBy: string | undefined;

  constructor(field: string, reason: AddressProblem, message: string, takenBy?: string) {
    super(message);
    this.field = field;
    this.reason = reason;
    this.takenBy = takenBy;
  }
}
