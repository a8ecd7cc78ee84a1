import { SysError } from '@nsrun/sys';
import { NetlinkError } from '@nsrun/netlink';
import { StateError } from './state/errors.js';

// One error type for everything `run` refuses or fails at: which step, why, and the original
// error (SysError / NetlinkError carry the syscall, errno name and kernel text).

/** The steps of `run`, in order; named in errors and in verbose output. */
export type RunStep =
  | 'validate'
  | 'privileges'
  | 'state'
  | 'tty'
  | 'bridge'
  | 'bridge-address'
  | 'bridge-up'
  | 'lease'
  | 'save-namespaces'
  | 'unshare'
  | 'unshare-net'
  | 'make-private'
  | 'spawn'
  | 'hostname'
  | 'mount-proc'
  | 'mount-sys'
  | 'rootfs'
  | 'mount-dev'
  | 'resolv-conf'
  | 'hide-state'
  | 'mask-paths'
  | 'pivot-root'
  | 'netlink-socket'
  | 'restore-namespaces'
  | 'veth'
  | 'attach'
  | 'loopback'
  | 'address'
  | 'link-up'
  | 'route'
  | 'ip-forward'
  | 'nat'
  | 'usernet'
  | 'netd'
  | 'release';

/** Runs one named step: times it, applies fault injection, wraps its failure in a RunnerError. */
export type StepRunner = (name: RunStep, fn: () => void) => void;

/** The same for steps that talk to the kernel over netlink. */
export type AsyncStepRunner = <T>(name: RunStep, fn: () => Promise<T>) => Promise<T>;

export class RunnerError extends Error {
  override readonly name = 'RunnerError';
  readonly step: RunStep;
  /**
   * Why, in one line, without the step (the message is `<step>: <reason>`); after a rollback
   * that could not undo everything, it ends with `; could not undo ...` (see `notUndone`).
   */
  readonly reason: string;
  /** For `validate`: the option that was refused (`command`, `hostname`, `env`, `cwd`, `net`). */
  readonly field: string | undefined;
  /** The undos that failed after this failure, each `<step>: <why>`: what may be left behind. */
  readonly notUndone: readonly string[];
  override readonly cause: unknown;

  constructor(step: RunStep, reason: string, opts: { cause?: unknown; field?: string | undefined; notUndone?: readonly string[] } = {}) {
    super(`${step}: ${reason}`);
    this.step = step;
    this.reason = reason;
    this.cause = opts.cause;
    this.field = opts.field;
    this.notUndone = opts.notUndone ?? [];
  }

  /**
   * Wraps a failure of `step`, keeping a SysError's or NetlinkError's own one-line text. A
   * StateError is the state directory's failure (it names the file), whichever step met it.
   */
  static wrap(step: RunStep, e: unknown): RunnerError {
    if (e instanceof RunnerError) return e;
    if (e instanceof StateError) return new RunnerError('state', e.message, { cause: e });
    return new RunnerError(step, oneLine(e), { cause: e });
  }
}

/**
 * An error's text for a one-line report: nsrun's own errors (SysError, NetlinkError) are one
 * line by construction; another error's message is cut to its first line (Node's and other
 * libraries' messages may carry a multi-line report after it).
 */
export function oneLine(e: unknown): string {
  if (e instanceof SysError || e instanceof NetlinkError) return e.message;
  const text = e instanceof Error ? e.message : String(e);
  const nl = text.indexOf('\n');
  return nl === -1 ? text : text.slice(0, nl);
}
