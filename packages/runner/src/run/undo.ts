import { closeSync } from 'node:fs';
import type { RunnerError } from '../errors.js';
import type { RunContext } from './context.js';

/**
 * A phase failed: every undo registered so far, last first (rollback.ts), then the host socket
 * and the owner lock let go. Returns the failure as a RunnerError naming its step.
 */
export async function undoRun(ctx: RunContext, e: unknown): Promise<RunnerError> {
  const failure = await ctx.rollback.undo(e, 'spawn');
  ctx.host?.close();
  if (ctx.ownerLock !== undefined) closeSync(ctx.ownerLock);
  return failure;
}

/** What only setup needed, closed before the release or after a failure: the container's netlink socket, netns fd, ready pipe. */
export function closeSetup(ctx: RunContext): void {
  ctx.inner?.close();
  if (ctx.netnsFd !== undefined) closeSync(ctx.netnsFd);
  if (ctx.readyFd !== undefined) closeSync(ctx.readyFd);
}
