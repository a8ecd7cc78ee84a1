import type { RunOptions } from './options.js';
import { planRun } from './run/plan.js';
import { prepareHost } from './run/prepare-host.js';
import { startContainer } from './run/start-container.js';
import { wire } from './run/wire.js';
import { gateReady, release } from './run/release.js';
import { closeSetup, undoRun } from './run/undo.js';

/** A running container. */
export interface RunHandle {
  /** 12 hex digits; names its veth and its record in the state directory. */
  readonly id: string;
  /** The command's pid as nsrun sees it (it is PID 1 inside, or its init is). */
  readonly pid: number;
  /** The container's address, CIDR (bridged network only). */
  readonly address: string | undefined;
  /** The host end of its veth pair (bridged network only). */
  readonly veth: string | undefined;
  /** The bridge it is attached to (bridged network only). */
  readonly bridge: string | undefined;
  /**
   * Resolves to the exit status (the command's own, 128+n for signal n, 126/127 from exec),
   * once the container is gone and its veth and lease are released.
   */
  wait(): Promise<number>;
  /** Sends a signal to the container's PID 1 (which ignores signals it has no handler for, except SIGKILL). */
  kill(signal?: NodeJS.Signals | number): boolean;
}

/**
 * Starts `opts.command` in new mount, pid, uts, ipc and network namespaces: PID 1 of its own
 * pid namespace, a fresh /proc and /sys, its own host name and (by default) an address on a
 * host bridge. Resolves once the command has been released to exec; rejects with a RunnerError
 * naming the failed step after undoing every earlier step (nothing left running or created,
 * nsrun back in its own namespaces).
 *
 * As runc's Init, a straight list of phases over one context (run/context.ts); each registers
 * the undo of what it makes, and a failure undoes them all, last first.
 */
export async function run(opts: RunOptions): Promise<RunHandle> {
  const ctx = await planRun(opts); // nothing created yet
  try {
    await prepareHost(ctx); // record, lease or netd, bridge, terminal
    await startContainer(ctx); // namespaces, the gate as PID 1, mounts
    await wire(ctx); // veth, address, route, NAT; or loopback; user-mode networking
    await gateReady(ctx); // the gate is running: it dies with nsrun
  } catch (e) {
    throw await undoRun(ctx, e);
  } finally {
    closeSetup(ctx);
  }
  return release(ctx); // "go": the command runs; what it holds is let go when it exits
}
