import { ValidationError } from '@nsrun/netlink';
// The runner's error classes only: this module serves every command's failure (ip's too), and
// the runner's root entry point would initialise all of the runner.
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, EXIT_RUNNER_FAILED, NetdError, RunnerError } from '@nsrun/runner/errors';
import { HelpRequest, UsageError } from './args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, writeFailure } from './exit.js';
import { FlagError } from './flags.js';
import type { Io } from './io.js';

// The one way out of every command when something is thrown: one line on stderr,
// `nsrun: [COMMAND: ]TEXT` (ip's errors name their own object: `nsrun: linkAdd br0 (bridge):
// EEXIST ...`, `nsrun: ip link: ...`), a hint line after usage errors that have one, and
// the exit status: 2 for bad usage (including input the library refused before sending
// anything), 1 for everything the system refused; `nsrun run` exits 125 for both, so that
// the command's own statuses stay unambiguous.

export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE };
/**
 * The runner's, defined there: `nsrun run`'s status for any failure of nsrun itself, and the
 * shell's for a command that cannot be run or is not found (run, ip netns exec).
 */
export { EXIT_RUNNER_FAILED, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND };

export interface Failing {
  /** The command named in the line (`run`, `ps`, `net` ...); ip and main name nothing. */
  command?: string;
  /**
   * Every failure's status, bad usage included; else EXIT_USAGE or EXIT_FAILURE. `runner`: the
   * runner's EXIT_RUNNER_FAILED (run: 125), named so, as the dispatcher that says it cannot load
   * the runner (see commands.ts).
   */
  status?: number | 'runner';
}

/** What a failure says (the line without `nsrun: COMMAND: `) and whether it was bad usage. */
export interface Failure {
  text: string;
  usage: boolean;
  /** One line telling how to get help. */
  hint?: string | undefined;
}

/** Describes a thrown value. `command`: the command it came from (netd's own steps then need no `netd:`). */
export function failure(e: unknown, command?: string): Failure {
  if (e instanceof FlagError) return { text: `usage: ${e.message}`, usage: true };
  if (e instanceof UsageError) return { text: e.message, usage: true, hint: e.hint };
  if (e instanceof ValidationError) return { text: e.message, usage: true };
  if (e instanceof RunnerError) return { text: `${e.step}: ${e.reason}`, usage: e.step === 'validate' };
  if (e instanceof NetdError)
    return { text: command === 'netd' ? `${e.step}: ${e.reason}` : `netd: ${e.step}: ${e.reason}`, usage: e.step === 'request' || e.step === 'validate' };
  // NetlinkError, SysError and the rest: their message, which for nsrun's own errors is one
  // line naming the operation, the object, the errno name and the kernel's text.
  const text = e instanceof Error ? e.message : String(e);
  const nl = text.indexOf('\n');
  return { text: nl === -1 ? text : text.slice(0, nl), usage: false };
}

/**
 * Reports what a command threw and returns the exit status. A HelpRequest is the one thrown
 * thing that is not a failure: its text goes to stdout, status 0.
 */
export function fail(e: unknown, io: Io, how: Failing = {}): number {
  if (e instanceof HelpRequest) {
    io.stdout(e.text);
    return EXIT_OK;
  }
  const f = failure(e, how.command);
  writeFailure(io, f.text, how.command, f.hint);
  if (how.status === 'runner') return EXIT_RUNNER_FAILED;
  return how.status ?? (f.usage ? EXIT_USAGE : EXIT_FAILURE);
}
