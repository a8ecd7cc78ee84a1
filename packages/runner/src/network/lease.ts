import type { RtnlClient } from '@nsrun/netlink';
import { RunnerError, type AsyncStepRunner } from '../errors.js';
import { allocateAddress, ipToText, textToIp, type Subnet } from '../state/leases.js';
import { isAlive } from '../state/liveness.js';
import type { ContainerRecord } from '../state/records.js';
import type { StateDir } from '../state/dir.js';
import { ensureBridge, removeBridge, type BridgeState } from './bridge.js';
import { releaseRecord } from '../release.js';
import type { PublishSpec } from '../nat/publish.js';

// Under the state lock, in one critical section: the bridge is made or verified, leftovers of
// dead nsruns are reclaimed, and an address is chosen and recorded. Concurrent nsruns queue on
// the lock, so no two can pick the same address or race to create the bridge.

export interface LeaseRequest {
  bridge: string;
  gateway: string;
  subnet: Subnet;
  /** A fixed address (--ip). */
  wanted: string | undefined;
  /** Ports to publish: refused when a live container publishes one of them already. */
  publish: readonly PublishSpec[];
  /** The record to write, without ip (filled in here). */
  record: ContainerRecord;
}

export interface Lease {
  /** The container's address, CIDR. */
  ip: string;
  bridge: BridgeState;
}

export async function lease(state: StateDir, host: RtnlClient, req: LeaseRequest, step: AsyncStepRunner): Promise<Lease> {
  return state.withLock(async () => {
    // Noted before the bridge exists: an nsrun killed half-way leaves a bridge gc knows about.
    const bridge = await ensureBridge(host, { name: req.bridge, gateway: req.gateway, subnet: req.subnet }, step, {
      creating: () => state.bridgeCreated(req.bridge, req.gateway),
      notCreated: () => state.bridgeForget(req.bridge),
    });
    try {
      return await allocate(state, host, req, bridge, step);
    } catch (e) {
      if (bridge.created) {
        // Made a moment ago under this lock: no one else can be using it yet.
        if ((await removeBridge(host, req.bridge).catch(() => 'in-use')) !== 'in-use') state.bridgeForget(req.bridge);
      }
      throw e;
    }
  });
}

function allocate(state: StateDir, host: RtnlClient, req: LeaseRequest, bridge: BridgeState, step: AsyncStepRunner): Promise<Lease> {
    return step('lease', async () => {
      const used = new Map<number, string>();
      for (const rec of state.list()) {
        if (!isAlive(rec.owner)) {
          // Its nsrun is gone: the address is free again, once what it held is released. If
          // that fails (gc will say why), the address stays taken; this run goes on.
          const freed = await releaseRecord(state, host, rec).then(() => true, () => false);
          if (freed) continue;
        }
        for (const p of rec.nat?.publish ?? []) {
          const clash = req.publish.find((q) => q.hostPort === p.hostPort && q.proto === p.proto && (q.hostIp === undefined || p.hostIp === undefined || q.hostIp === p.hostIp));
          if (clash) throw new RunnerError('lease', `host port ${clash.hostPort}/${clash.proto} is already published by container ${rec.id}`, { field: 'publish' });
        }
        if (rec.bridge === req.bridge && rec.ip) used.set(textToIp(rec.ip.split('/')[0]!), rec.id);
      }
      let got;
      try {
        got = allocateAddress({ subnet: req.subnet, used, wanted: req.wanted, cursor: state.cursor(req.bridge) });
      } catch (e) {
        throw new RunnerError('lease', e instanceof Error ? e.message : String(e), { field: 'ip', cause: e });
      }
      const ip = `${ipToText(got.ip)}/${req.subnet.prefix}`;
      state.write({ ...req.record, bridge: req.bridge, gateway: req.gateway, ip });
      if (req.wanted === undefined) state.setCursor(req.bridge, got.cursor);
      return { ip, bridge };
    });
}

/** A failed run or attach removes the bridge it created, unless another container came to use it. */
export async function removeBridgeIfUnused(state: StateDir, host: RtnlClient, bridge: string): Promise<void> {
  await state.withLock(async () => {
    if (state.list().some((r) => r.bridge === bridge && isAlive(r.owner))) return;
    if ((await removeBridge(host, bridge)) !== 'in-use') state.bridgeForget(bridge);
  });
}
