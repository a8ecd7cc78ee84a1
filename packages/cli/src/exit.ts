import type { UsageError } from './args.js';
import type { Io } from './io.js';

// The CLI's own exit statuses (the runner's are re-exported by errors.ts) and the failure line
// every command's errors end in (errors.ts `fail` writes it), with the report of a usage error
// met before any command runs (a missing or unknown command): here, apart from errors.ts, so
// the dispatcher says it without loading the libraries' error classes (the binary's entry
// bundle holds the dispatcher alone; see src/bin.cts).

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The one failure line, `nsrun: [COMMAND: ]TEXT`, and the hint line after it when there is one. */
export function writeFailure(io: Io, text: string, command?: string, hint?: string): void {
  io.stderr(`nsrun: ${command === undefined ? '' : `${command}: `}${text}\n`);
  if (hint) io.stderr(`${hint}\n`);
}

/** Bad usage before any command: the message, the hint how to get help, status 2. */
export function usageFailure(e: UsageError, io: Io): number {
  writeFailure(io, e.message, undefined, e.hint);
  return EXIT_USAGE;
}
