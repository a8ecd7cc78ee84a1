import type { UsageError } from './args.js';
import type { Io } from './io.js';

// The CLI's exit statuses, and the report of bad usage: here, apart from errors.ts, so the
// dispatcher reports a usage error without loading the libraries' error classes (the binary's
// entry bundle holds the dispatcher alone; see src/bin.cts).

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Bad usage: the message, the hint how to get help, status 2. */
export function usageFailure(e: UsageError, io: Io): number {
  io.stderr(`nsrun: ${e.message}\n`);
  if (e.hint) io.stderr(`${e.hint}\n`);
  return EXIT_USAGE;
}
