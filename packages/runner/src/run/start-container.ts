import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { RunnerError } from '../errors.js';
import { setUpNamespaces } from '../setup.js';
import { exitStatus } from '../status.js';
import type { RunContext } from './context.js';

/**
 * The third phase: the namespaces made and the gate spawned in them as PID 1 (setup.ts), the
 * container's mounts done from outside, nsrun back in its own namespaces; the record gets the
 * gate's pid. The gate stays blocked until the release.
 */
export async function startContainer(ctx: RunContext): Promise<void> {
  const { opts, state, rootless } = ctx;
  const env = { ...process.env, ...opts.env };
  const { started, error } = setUpNamespaces(opts, env, {
    tty: ctx.tty,
    resolvConf: ctx.resolvConf,
    security: ctx.security,
    stateDir: state.path,
    sharedNet: rootless !== undefined,
    noSysfs: rootless !== undefined && ctx.net === 'host',
    fault: ctx.fault,
  });
  const child = started.child;
  ctx.child = child;
  ctx.inner = started.nl;
  ctx.netnsFd = started.netnsFd;
  ctx.readyFd = started.readyFd;
  if (child) {
    const exited = exitPromise(child);
    ctx.exited = exited;
    // The gate is PID 1 of its namespace: only SIGKILL from outside ends it for sure.
    ctx.rollback.push('spawn', async () => {
      if (child.pid !== undefined) child.kill('SIGKILL');
      await exited;
    });
  }
  if (error?.step === 'spawn' && child && child.pid === undefined) {
    // Node reports why spawn failed on the next tick.
    const [e] = (await once(child, 'error')) as [Error];
    throw RunnerError.wrap('spawn', e);
  }
  if (error) throw error;
  ctx.record = { ...ctx.record!, pid: child!.pid! };
  state.write(ctx.record);
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
