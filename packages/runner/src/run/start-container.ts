import { setUpNamespaces } from '../setup.js';
import { exitStatus } from '../status.js';
import type { RunContext } from './context.js';
import { closeReleasePipe } from './release.js';

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
  ctx.releaseFd = started.releaseFd;
  ctx.inner = started.nl;
  ctx.netnsFd = started.netnsFd;
  ctx.readyFd = started.readyFd;
  if (child) {
    const exited = child.exited.then(({ code, signal }) => exitStatus(code, signal));
    ctx.exited = exited;
    // The gate is PID 1 of its namespace: only SIGKILL from outside ends it for sure.
    ctx.rollback.push('spawn', async () => {
      closeReleasePipe(ctx);
      child.kill('SIGKILL');
      await exited;
    });
  }
  if (error) throw error;
  ctx.record = { ...ctx.record!, pid: child!.pid };
  state.write(ctx.record);
}
