import { readFileSync, readlinkSync } from 'node:fs';
import { RtnlClient } from '@nsrun/netlink';
import { NetNs } from '@nsrun/sys';
import { RunnerError } from './errors.js';
import type { RunOptions } from './options.js';
import { bridgePlan } from './network/plan.js';
import { attachNetns } from './network/attach-netns.js';
import { releaseRecord } from './release.js';
import { openStateDir } from './open-state.js';
import { StateError } from './state/errors.js';
import { processIdentity } from './state/liveness.js';
import { FaultPoint, stepRunner } from './steps.js';
import { parsePublishList } from './nat/publish.js';
import { checkPublishHost } from './nat/host.js';

// `nsrun net attach` / `detach`: the netsetgo job. Wires the network namespace of a process
// that is already running exactly as `run` wires its own containers, recorded under the target
// process (when it is gone, `gc` and the next lease reclaim its address).

/** The network options of `run` (same meaning), for the process `pid`. */
export interface AttachOptions extends Pick<
  RunOptions,
  'bridge' | 'subnet' | 'ip' | 'nat' | 'publish' | 'publishForce' | 'stateDir' | 'log' | 'faultAt' | 'onWarning' | 'onNotice' | 'signal'
> {
  /** A process whose network namespace gets the veth, address and default route. */
  pid: number;
}

export interface Attachment {
  id: string;
  pid: number;
  address: string;
  veth: string;
  bridge: string;
}

const invalid = (field: string, reason: string): RunnerError => new RunnerError('validate', `${field}: ${reason}`, { field });

export async function netAttach(opts: AttachOptions): Promise<Attachment> {
  const { pid } = opts;
  if (!Number.isInteger(pid) || pid <= 0) throw invalid('pid', `${String(pid)} is not a process id`);
  const plan = bridgePlan(opts);
  if (opts.nat !== undefined && typeof opts.nat !== 'boolean') throw invalid('nat', 'must be true or false');
  const publish = opts.publish === undefined ? [] : parsePublishList(opts.publish);
  if (typeof publish === 'string') throw invalid('publish', publish);
  if (opts.publishForce !== undefined && typeof opts.publishForce !== 'boolean') throw invalid('publishForce', 'must be true or false');
  const state = openStateDir(opts.stateDir, opts.onWarning);
  if (process.getuid?.() !== 0)
    throw new RunnerError('privileges', 'nsrun net attach needs root (CAP_NET_ADMIN in both namespaces, CAP_SYS_ADMIN to enter them)');
  const owner = processIdentity(pid);
  if (!owner) throw invalid('pid', `no process ${pid}`);
  let target: string;
  try {
    target = readlinkSync(`/proc/${pid}/ns/net`);
  } catch (e) {
    throw invalid('pid', `cannot open the network namespace of ${pid}: ${(e as NodeJS.ErrnoException).code}`);
  }
  if (target === readlinkSync('/proc/self/ns/net'))
    throw invalid('pid', `process ${pid} shares nsrun's own network namespace: give a process in a namespace of its own`);
  await checkPublishHost(publish, { gateway: plan.gateway.split('/')[0]!, force: opts.publishForce, onWarning: opts.onWarning });
  const step = stepRunner(opts.log, new FaultPoint(opts.faultAt));
  let netns: NetNs | undefined;
  try {
    netns = NetNs.fromPid(pid);
    // (A record judged from another pid namespace names a pid of that namespace: not this one.)
    const attached = state.list().find((r) => r.pid === pid && r.net === 'bridge' && state.verdict(r) === 'live');
    if (attached) throw invalid('pid', `process ${pid} is already attached (${attached.id}, ${attached.ip ?? ''}); detach it first`);
    const got = await attachNetns({
      state,
      netns,
      pid,
      owner,
      command: commandOf(pid),
      plan,
      nat: opts.nat === true,
      publish,
      describe: `of ${pid}`,
      step,
      signal: opts.signal,
      onNotice: opts.onNotice,
    });
    return { id: got.record.id, pid, address: got.ip, veth: got.veth, bridge: plan.bridge };
  } catch (e) {
    throw RunnerError.wrap('validate', e);
  } finally {
    netns?.close();
  }
}

/** Undoes `netAttach` for `pid`: its veth (and the container end with it) and its lease. */
export async function netDetach(opts: { pid: number; stateDir?: string; signal?: AbortSignal; onWarning?: (m: string) => void }): Promise<{ ids: string[] }> {
  const { pid } = opts;
  if (!Number.isInteger(pid) || pid <= 0) throw invalid('pid', `${String(pid)} is not a process id`);
  const state = openStateDir(opts.stateDir, opts.onWarning);
  const none = (): RunnerError => new RunnerError('state', `no network of nsrun's is attached to process ${pid}`, { field: 'pid' });
  // A missing state directory holds no attachment (and is not created).
  if (!state.exists()) throw none();
  const host = RtnlClient.open();
  try {
    return await state.withLock(
      async () => {
        // Not records judged from elsewhere: their pid is another pid namespace's.
        const recs = state.list().filter((r) => r.kind === 'attach' && r.pid === pid && state.verdict(r) !== 'unknown');
        if (!recs.length) throw none();
        for (const r of recs) await releaseRecord(state, host, r);
        return { ids: recs.map((r) => r.id) };
      },
      { signal: opts.signal },
    );
  } catch (e) {
    throw e instanceof StateError ? RunnerError.wrap('state', e) : e;
  } finally {
    host.close();
  }
}

/** A process's command line as /proc shows it (empty when it cannot be read). */
export function commandOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a, i, all) => a !== '' || i < all.length - 1);
  } catch {
    return [];
  }
}
