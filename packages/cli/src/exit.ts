import type { UsageError } from './args.js';
import type { Io } from './io.js';

// The CLI's own exit statuses (the runner's are re-exported by errors.ts), and the report of a
// usage error met before any command runs (a missing or unknown command): here, apart from
// errors.ts, so the dispatcher says it without loading the libraries' error classes (the
// binary's entry bundle holds the dispatcher alone; see src/bin.cts). It reads as errors.ts
// `fail` would say it.

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Bad usage: the message, the hint how to get help, status 2. */
export function usageFailure(e: UsageError, io: Io): number {
  io.stderr(`nsrun: ${e.message}\n`);
  if (e.hint) io.stderr(`${e.hint}\n`);
  return EXIT_USAGE;
}
