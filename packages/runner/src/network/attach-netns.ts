import { linkFind, RtnlClient } from '@nsrun/netlink';
import type { NetNs } from '@nsrun/sys';
import { RunnerError, type AsyncStepRunner } from '../errors.js';
import { Rollback } from '../rollback.js';
import { releaseRecord } from '../release.js';
import type { StateDir } from '../state/dir.js';
import type { ProcessIdentity } from '../state/liveness.js';
import { newId } from '../state/names.js';
import { boundCommand, RECORD_VERSION, type ContainerRecord } from '../state/records.js';
import type { PublishSpec } from '../nat/publish.js';
import { setUpNat } from '../nat/setup.js';
import { lease, removeBridgeIfUnused } from './lease.js';
import { INSIDE_NAME, vethName } from './names.js';
import type { BridgePlan } from './plan.js';
import { plug } from './plug.js';
import { vethStamp } from './stamp.js';

// Wiring a network namespace that is already there, held by an fd: lease, bridge, veth, the
// inside (address, route), NAT rules; every step undone if a later one fails. `nsrun net
// attach` (root, a pid it is given) and `nsrun netd` (a namespace its caller owns) both come
// here, so a user's container is wired exactly as root's.

export interface NetnsAttachment {
  /** The bridge's port is now on the bridge, the namespace has `eth0` with this address. */
  record: ContainerRecord;
  /** The container's address, CIDR. */
  ip: string;
  veth: string;
}

export interface NetnsAttachRequest {
  state: StateDir;
  /** The namespace to wire; the caller keeps and closes it. */
  netns: NetNs;
  /** The process the record is kept for (its life is the lease's), as this pid namespace sees it. */
  pid: number;
  owner: ProcessIdentity;
  command: readonly string[];
  plan: BridgePlan;
  nat: boolean;
  publish: readonly PublishSpec[];
  /** netd: the user it wires for (records.ts). */
  uid?: number;
  /** Names the namespace in errors: `of 1234`. */
  describe: string;
  step: AsyncStepRunner;
  signal?: AbortSignal | undefined;
  onNotice?: ((m: string) => void) | undefined;
}

export async function attachNetns(r: NetnsAttachRequest): Promise<NetnsAttachment> {
  const { state, plan, step } = r;
  const id = newId();
  const veth = vethName(id);
  const rollback = new Rollback();
  let host: RtnlClient | undefined;
  let inner: RtnlClient | undefined;
  try {
    host = RtnlClient.open();
    inner = RtnlClient.open({ netns: r.netns });
    const h = host;
    if (await linkFind(inner, INSIDE_NAME))
      throw new RunnerError('validate', `pid: the network namespace ${r.describe} already has an ${INSIDE_NAME}`, { field: 'pid' });
    const record: Omit<ContainerRecord, 'pidns' | 'stateDir'> = {
      version: RECORD_VERSION,
      id,
      kind: 'attach',
      owner: r.owner,
      pid: r.pid,
      net: 'bridge',
      veth,
      ...boundCommand(r.command.length ? r.command : ['?']),
      created: new Date().toISOString(),
      ...(r.uid !== undefined && { uid: r.uid }),
    };
    const natRec = r.nat || r.publish.length ? { masquerade: r.nat, publish: [...r.publish] } : undefined;
    const got = await lease(
      state,
      h,
      {
        bridge: plan.bridge,
        gateway: plan.gateway,
        subnet: plan.subnet,
        wanted: plan.wanted,
        publish: r.publish,
        record: natRec ? { ...record, nat: natRec } : record,
        signal: r.signal,
      },
      step,
    );
    if (got.bridge.created) rollback.push('bridge', () => removeBridgeIfUnused(state, h, plan.bridge));
    const { nat: _nat, ...rec } = got.record; // the rules are set up (and recorded) below
    rollback.push('lease', () => releaseRecord(state, h, rec));
    await plug(
      h,
      inner,
      { veth, bridgeIndex: got.bridge.index, netnsFd: r.netns.fd, ip: got.ip, gateway: plan.gateway, stamp: vethStamp(rec.stateDir, id) },
      step,
      rollback,
    );
    const final = natRec ? await setUpNat(state, rec, natRec, step, rollback, r.onNotice) : rec;
    return { record: final, ip: got.ip, veth };
  } catch (e) {
    throw await rollback.undo(e, 'validate');
  } finally {
    inner?.close();
    host?.close();
  }
}
