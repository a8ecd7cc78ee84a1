import { closeSync, rmSync, writeSync } from 'node:fs';
import { RunnerError } from '../errors.js';
import { waitGateReady } from '../gate.js';
import { GATE_GO } from '../gate-protocol.js';
import { removeNat } from '../nat/apply.js';
import { forwardSignals } from '../signals.js';
import type { RunHandle } from '../run.js';
import type { RunContext } from './context.js';

/**
 * The last phase that can still fail and be undone (step `release`): the gate is running, with
 * its parent-death signal set (gate.ts: GATE_READY_FD). Not before that: a release before it
 * would let a container outlive an nsrun killed right after. With a rootfs, setup has waited
 * already (before pivot_root).
 */
export async function gateReady(ctx: RunContext): Promise<void> {
  const { opts, readyFd } = ctx;
  if (readyFd !== undefined) await ctx.step('release', async () => waitGateReady(readyFd, ctx.child));
  ctx.fault.hit('release');
  if (opts.signal?.aborted) throw new RunnerError('release', 'interrupted before the command started');
}

/** Closes nsrun's end of the release pipe, once: after GATE_GO, or unwritten (the gate then exits 125). */
export function closeReleasePipe(ctx: RunContext): void {
  if (ctx.releaseFd !== undefined) closeSync(ctx.releaseFd);
  ctx.releaseFd = undefined;
}

/**
 * Lets the command start (GATE_GO on GATE_FD), hands signals on to it, and returns its handle;
 * once it has exited, what the run holds is let go (afterExit). Nothing here fails.
 */
export function release(ctx: RunContext): RunHandle {
  const { opts, tty } = ctx;
  const child = ctx.child!;
  // From here the container's output goes through nsrun (its copy of the slave closes).
  tty?.start();
  try {
    writeSync(ctx.releaseFd!, GATE_GO);
  } catch {
    // the gate died first (EPIPE; Node ignores SIGPIPE): its exit status tells the story
  }
  closeReleasePipe(ctx);
  opts.log?.('release', 0);
  const unforward = forwardSignals(child, { stopTimeout: opts.stopTimeout ?? 10 });
  // The host socket was for setup and its undo; the container needs nothing of it.
  ctx.host?.close();
  const record = ctx.record!;
  const status = ctx.exited!.then(async (s) => {
    unforward();
    await afterExit(ctx);
    return s;
  });
  return {
    id: ctx.id,
    pid: child.pid,
    address: record.ip,
    veth: ctx.veth ?? ctx.attachment?.veth,
    bridge: record.bridge,
    wait: () => status,
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}

/** Once the container's PID 1 has exited: its terminal given back, its rules, record and lease released. */
async function afterExit(ctx: RunContext): Promise<void> {
  const { opts, tty, state } = ctx;
  const record = ctx.record!;
  if (tty) {
    // All of the container's output copied, then the terminal given back as it was.
    await tty.done.catch((e: unknown) => opts.onWarning?.(`terminal: ${e instanceof Error ? e.message : String(e)}`));
    tty.close();
  }
  // PID 1 is gone, so is every process of its pid namespace, and nothing of nsrun's holds its
  // network namespace any more (socket and fd closed after setup): the kernel is tearing it
  // down, and a veth pair dies with either end. Deleting the host end here would only put
  // that work (an RCU wait, ~17 ms measured) on nsrun's exit path. The lease goes now; a
  // host end that something kept alive (a root process holding the container's netns) is
  // what `nsrun gc` deletes.
  try {
    // The rules first: a record is what lets gc find rules left behind. Then the lease and
    // the record, without the lock (state/dir.ts: drop).
    if (record.nat) await removeNat(record.id);
    if (ctx.apiSocket !== undefined) rmSync(ctx.apiSocket, { force: true });
    // netd's attachment is not released from here: the namespace goes with nsrun (the
    // container shares nsrun's), its veth with it, and netd releases the lease and rules
    // when the kernel says so (RTM_DELLINK). Asking would put netd's veth deletion (an RCU
    // wait) on this exit path, as root mode avoids too.
    state.drop(record);
  } catch (e) {
    opts.onWarning?.(`cleanup of ${record.id}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  if (ctx.ownerLock !== undefined) closeSync(ctx.ownerLock);
}
