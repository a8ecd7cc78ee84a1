import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { linkSetUp } from '@nsrun/netlink';
import { RunnerError } from './errors.js';
import { GATE_FD, GATE_GO } from './gate.js';
import { validateRunOptions, type RunOptions } from './options.js';
import { setUpNamespaces } from './setup.js';
import { forwardSignals } from './signals.js';
import { exitStatus } from './status.js';

/** A running container. */
export interface RunHandle {
  /** The command's pid as nsrun sees it (it is PID 1 inside). */
  readonly pid: number;
  /** Resolves to the exit status: the command's own, 128+n for signal n, 126/127 from exec. */
  wait(): Promise<number>;
  /** Sends a signal to the command (PID 1 ignores signals it has no handler for, except SIGKILL). */
  kill(signal?: NodeJS.Signals | number): boolean;
}

/**
 * Starts `opts.command` in new mount, pid, uts, ipc (and, unless `net: 'host'`, network)
 * namespaces: PID 1 of its own pid namespace, a fresh /proc (and /sys), its own host name.
 * Resolves once the command has been released to exec; rejects with a RunnerError (nothing
 * left running, nsrun back in its own namespaces) when any step fails.
 */
export async function run(opts: RunOptions): Promise<RunHandle> {
  validateRunOptions(opts);
  const log = opts.log;
  // Start libuv's thread pool now: no thread can be created while the main thread's
  // pid namespace for children is the new one (platform.md: Node aborts).
  await stat('/');
  const env = { ...process.env, ...opts.env };
  const { started, error } = setUpNamespaces(opts, env);
  const child = started.child;
  const exited = child ? exitPromise(child) : undefined;
  let failure = error;
  if (failure?.step === 'spawn' && child && child.pid === undefined) {
    // Node reports why spawn failed on the next tick.
    const [e] = (await once(child, 'error')) as [Error];
    failure = RunnerError.wrap('spawn', e);
  }
  if (!failure && started.nl) {
    const t0 = performance.now();
    try {
      if (opts.faultAt === 'loopback') throw new RunnerError('loopback', 'injected failure (faultAt)');
      await linkSetUp(started.nl, 'lo');
      log?.('loopback', performance.now() - t0);
    } catch (e) {
      failure = RunnerError.wrap('loopback', e);
    }
  }
  started.nl?.close();
  if (!failure && opts.faultAt === 'release') failure = new RunnerError('release', 'injected failure (faultAt)');
  if (failure) {
    if (child?.pid !== undefined) {
      // The gate is PID 1 of its namespace: only SIGKILL from outside ends it for sure.
      child.kill('SIGKILL');
      await exited;
    }
    throw failure;
  }
  const c = child!;
  const gate = c.stdio[GATE_FD] as NodeJS.WritableStream & { on(ev: 'error', fn: () => void): void };
  gate.on('error', () => {}); // the command died first (EPIPE): its exit status tells the story
  gate.end(GATE_GO);
  log?.('release', 0);
  const unforward = forwardSignals(c, { stopTimeout: opts.stopTimeout ?? 10 });
  const status = exited!.finally(unforward);
  return {
    pid: c.pid!,
    wait: () => status,
    kill: (signal = 'SIGTERM') => c.kill(signal),
  };
}

function exitPromise(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
    // A failed spawn emits 'error' and no 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) resolve(125);
    });
  });
}
