import { existsSync } from 'node:fs';
import { RunnerError } from '../errors.js';
import { netdAttach, netdSocket, type NetdHandle } from '../netd/client.js';
import { NetdError } from '../netd/errors.js';
import { isUsernet, type NetMode, type RunOptions } from '../options.js';
import { nowMs } from '../clock.js';
import { defaultUsernet } from './usernet.js';
import type { FaultPoint } from '../steps.js';

// The network of a rootless run (run.ts): the bridge through nsrun netd, or user-mode
// networking (usernet.ts), chosen and checked before anything is made.

/**
 * The network a run gets. Rootless without --net: the bridge through netd when its socket is
 * there, else the first user-mode networking that works. Refuses what cannot be: user-mode
 * networking for root; --subnet and --publish-force through netd (its policy decides).
 */
export function chooseNet(opts: RunOptions, rootless: boolean): NetMode {
  const net = opts.net ?? (rootless ? (existsSync(netdSocket()) ? 'bridge' : rootlessDefaultNet()) : 'bridge');
  if (!rootless && isUsernet(net))
    throw new RunnerError('validate', `--net ${net} is user-mode networking, for a user who is not root; as root use --net bridge`);
  if (rootless && net === 'bridge') {
    if (opts.subnet !== undefined)
      throw new RunnerError('validate', "the bridge's subnet is nsrun netd's (its policy): --subnet is for root", { field: 'subnet' });
    if (opts.publishForce)
      throw new RunnerError('validate', 'nsrun netd never takes a port a host service uses: --publish-force is for root', { field: 'publishForce' });
  }
  return net;
}

/** Rootless without --net: the first user-mode networking that works here (network/usernet.ts). */
export function rootlessDefaultNet(netd?: string): NetMode {
  const u = defaultUsernet();
  if ('kind' in u) return u.kind;
  const problems = [...(netd !== undefined ? [netd] : []), ...u.problems].join('; ');
  throw new RunnerError(
    'validate',
    `no network for a rootless container here: ${problems}; run with --net none${netd === undefined ? ', or have root start nsrun netd' : ''}`,
  );
}

/**
 * Rootless `--net bridge`: netd wires nsrun's own network namespace (the container's). With the
 * network not asked for (`fallback`), netd's refusal as text when it is not there or its policy
 * does not take this request: the caller then takes user-mode networking.
 */
export async function netdWire(opts: RunOptions, fallback: boolean, fault: FaultPoint): Promise<NetdHandle | string> {
  const t0 = nowMs();
  try {
    // Before netd is asked (faultAt: a test's failure at this step), as stepRunner injects it.
    fault.hit('netd');
    const h = await netdAttach(
      {
        ...(opts.bridge !== undefined && { bridge: opts.bridge }),
        ...(opts.ip !== undefined && { ip: opts.ip }),
        ...(opts.nat && { nat: true }),
        ...(opts.publish?.length && { publish: opts.publish }),
      },
      { signal: opts.signal },
    );
    opts.log?.('netd', nowMs() - t0);
    return h;
  } catch (e) {
    if (fallback && e instanceof NetdError && (e.step === 'connect' || e.step === 'policy')) {
      const why = `nsrun netd: ${e.step}: ${e.reason}`;
      opts.onNotice?.(`${why}: user-mode networking instead`);
      return why;
    }
    if (e instanceof NetdError) throw new RunnerError('netd', `${e.step}: ${e.reason}`, { cause: e });
    throw RunnerError.wrap('netd', e);
  }
}
