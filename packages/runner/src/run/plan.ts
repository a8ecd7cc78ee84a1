import { stat } from 'node:fs';
import { RunnerError } from '../errors.js';
import { INIT_FORWARDS_INT_QUIT, PDEATHSIG_AVAILABLE } from '../gate.js';
import { checkPublishHost } from '../nat/host.js';
import { parsePublishList, type PublishSpec } from '../nat/publish.js';
import { vethName } from '../network/names.js';
import { bridgePlan } from '../network/plan.js';
import { chooseNet } from '../network/rootless-net.js';
import { validateRunOptions, type RunOptions } from '../options.js';
import { Rollback } from '../rollback.js';
import { rootless } from '../rootless.js';
import { StateDir } from '../state/dir.js';
import { processIdentity } from '../state/liveness.js';
import { newId } from '../state/names.js';
import { boundCommand, RECORD_VERSION } from '../state/records.js';
import { FaultPoint, stepRunner } from '../steps.js';
import type { RunContext } from './context.js';

/**
 * The first phase: the options checked, the network chosen, the host's ports checked, the
 * record planned. Nothing is created yet, so a refusal here needs no undo.
 */
export async function planRun(opts: RunOptions): Promise<RunContext> {
  const security = validateRunOptions(opts);
  const ctx = rootless();
  const net = chooseNet(opts, ctx !== undefined);
  const viaNetd = ctx !== undefined && net === 'bridge';
  const plan = net === 'bridge' && !viaNetd ? bridgePlan(opts) : undefined;
  // validateRunOptions has refused a list that does not parse.
  const publish = (opts.publish?.length ? parsePublishList(opts.publish) : []) as PublishSpec[];
  const nat = plan && (opts.nat || publish.length) ? { masquerade: opts.nat === true, publish } : undefined;
  // The host address and listeners on the host port: refused before anything is created.
  if (plan && nat?.publish.length)
    await checkPublishHost(nat.publish, { gateway: plan.gateway.split('/')[0]!, force: opts.publishForce, onWarning: opts.onWarning });
  const fault = new FaultPoint(opts.faultAt);
  const step = stepRunner(opts.log, fault);
  if (!PDEATHSIG_AVAILABLE) opts.onWarning?.('neither perl (perl-base) nor setpriv (util-linux) found: if nsrun is killed, the container will outlive it');
  if (opts.init && !INIT_FORWARDS_INT_QUIT) opts.onWarning?.('bash not found: under the dash init the command ignores SIGINT and SIGQUIT');
  // Start libuv's thread pool now: no thread can be created while the main thread's pid
  // namespace for children is the new one (the kernel refuses with EINVAL, and libuv aborts
  // Node when its pool fails to start).
  await new Promise((resolve) => stat('/', resolve));
  const state = new StateDir(opts.stateDir, { onWarning: opts.onWarning });
  const id = newId();
  const veth = plan ? vethName(id) : undefined;
  const owner = processIdentity(process.pid);
  if (!owner) throw new RunnerError('state', "cannot read this process's own start time from /proc");
  return {
    opts,
    security,
    rootless: ctx,
    net,
    viaNetd,
    plan,
    publish,
    nat,
    fault,
    step,
    state,
    id,
    veth,
    base: {
      version: RECORD_VERSION,
      id,
      kind: 'run',
      owner,
      pid: 0,
      net,
      ...boundCommand(opts.command),
      created: new Date().toISOString(),
      ...(veth !== undefined && { veth }),
      ...(opts.hostname !== undefined && { hostname: opts.hostname }),
      // Rootless, nsrun's pid means nothing outside its own pid namespace: its lock says it lives.
      ...(ctx && { ownerLock: true as const, hostPid: ctx.hostPid }),
    },
    rollback: new Rollback(),
    bridgeIndex: 0,
    usernetPublish: [],
  };
}
