import { NetlinkError, ValidationError } from '@nsrun/netlink';
import { UsageError } from './args.js';
import { EXIT_FAILURE, EXIT_USAGE, usageFailure } from './exit.js';
import type { Io } from './io.js';

// Turns a failure into one line on stderr and an exit status: 2 for bad usage (including
// input the library refused before sending anything), 1 for everything the system refused.

export { EXIT_FAILURE, EXIT_USAGE };

export function report(e: unknown, io: Io): number {
  if (e instanceof UsageError) return usageFailure(e, io);
  if (e instanceof ValidationError) {
    io.stderr(`nsrun: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof NetlinkError) {
    // Already "<operation object>: ERRNO (strerror): kernel text".
    io.stderr(`nsrun: ${e.message}\n`);
    return EXIT_FAILURE;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.stderr(`nsrun: ${msg.split('\n')[0]}\n`);
  return EXIT_FAILURE;
}
