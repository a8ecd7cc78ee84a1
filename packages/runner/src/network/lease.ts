import { linkList, type RtnlClient } from '@nsrun/netlink';
import { RunnerError, type AsyncStepRunner } from '../errors.js';
import { allocateAddress, ipToText, type Subnet } from '../state/leases.js';
import type { ContainerRecord } from '../state/records.js';
import type { StateDir } from '../state/dir.js';
import { ID_PATTERN } from '../state/names.js';
import { ensureBridge, removeBridge, type BridgeState } from './bridge.js';
import { releaseRecord } from '../release.js';
import type { PublishSpec } from '../nat/publish.js';
import { parseStamp } from './stamp.js';

// Under the state lock, in one critical section: the bridge is made or verified (and refused
// if a port of it belongs to another state directory), leftovers of dead nsruns on it are
// reclaimed, and an address is chosen, leased (leases/<bridge>/<address>, exclusively) and
// recorded. Concurrent nsruns queue on the lock, so no two can pick the same address or race
// to create the bridge.

export interface LeaseRequest {
  bridge: string;
  gateway: string;
  subnet: Subnet;
  /** A fixed address (--ip). */
  wanted: string | undefined;
  /** Ports to publish: refused when a container not known dead publishes one of them already. */
  publish: readonly PublishSpec[];
  /** The record to write, without ip (filled in here), pidns and stateDir (filled in here). */
  record: Omit<ContainerRecord, 'pidns' | 'stateDir'>;
  /** Aborting it while the lock is waited for gives up (step `state`). */
  signal?: AbortSignal | undefined;
}

export interface Lease {
  /** The container's address, CIDR. */
  ip: string;
  bridge: BridgeState;
  /** The record as written. */
  record: ContainerRecord;
}

export async function lease(state: StateDir, host: RtnlClient, req: LeaseRequest, step: AsyncStepRunner): Promise<Lease> {
  return state.withLock(
    async () => {
      // Noted before the bridge exists: an nsrun killed half-way leaves a bridge gc knows about.
      const bridge = await ensureBridge(host, { name: req.bridge, gateway: req.gateway, subnet: req.subnet }, step, {
        creating: () => state.bridgeCreated(req.bridge, req.gateway),
        notCreated: () => state.bridgeForget(req.bridge),
      });
      try {
        if (!bridge.created) await step('bridge', () => checkPorts(state, host, req.bridge, bridge.index));
        return await allocate(state, host, req, bridge, step);
      } catch (e) {
        if (bridge.created) {
          // Made a moment ago under this lock: no one else can be using it yet.
          if ((await removeBridge(host, req.bridge).catch(() => 'in-use')) !== 'in-use') state.bridgeForget(req.bridge);
        }
        throw e;
      }
    },
    { signal: req.signal },
  );
}

/**
 * Refuses a bridge with a port stamped by another state directory: its addresses are leased
 * there, and two directories would hand out the same ones (and each one's gc could not tell
 * the other's veths from leftovers).
 */
export async function checkPorts(state: StateDir, host: RtnlClient, name: string, index: number): Promise<void> {
  const mine = state.token();
  for (const port of await linkList(host, { master: index })) {
    const stamp = parseStamp(port.alias);
    if (stamp && stamp.token !== mine) {
      throw new RunnerError(
        'bridge',
        `bridge ${name} has port ${port.name} of another state directory (device:inode ${stamp.token}; ${state.path} is ${mine}): use the same --state-dir as the nsrun that made it, or another --bridge`,
        { field: 'bridge' },
      );
    }
  }
}

function allocate(state: StateDir, host: RtnlClient, req: LeaseRequest, bridge: BridgeState, step: AsyncStepRunner): Promise<Lease> {
  return step('lease', async () => {
    const id = req.record.id;
    const used = await usedAddresses(state, host, req.bridge);
    if (req.publish.length) checkPublished(state, req.publish);
    let got;
    try {
      got = allocateAddress({ subnet: req.subnet, used, wanted: req.wanted, cursor: state.cursor(req.bridge) });
    } catch (e) {
      throw new RunnerError('lease', e instanceof Error ? e.message : String(e), { field: 'ip', cause: e });
    }
    const ip = `${ipToText(got.ip)}/${req.subnet.prefix}`;
    const record: ContainerRecord = { ...req.record, ...state.origin(), bridge: req.bridge, gateway: req.gateway, ip };
    // The lease before the record (lease-store.ts). Under the lock no one else writes here: a
    // lease already there is one this nsrun did not list.
    if (!state.leases.claim(req.bridge, got.ip, id))
      throw new RunnerError('lease', `${ipToText(got.ip)} was leased by someone else meanwhile (${state.leases.root}/${req.bridge})`);
    try {
      state.write(record);
      if (req.wanted === undefined) state.setCursor(req.bridge, got.cursor);
    } catch (e) {
      state.leases.release(req.bridge, got.ip, id);
      state.remove(id);
      throw e;
    }
    return { ip, bridge, record };
  });
}

/**
 * The addresses taken on `bridge`, by holder: every lease, except those of records judged
 * dead (released here, if that works) and orphans, leases whose record does not exist at all
 * (a crash between the lease and the record; removed). A lease whose record cannot be read,
 * is of a newer format or is judged from elsewhere (unknown) keeps its address.
 */
export async function usedAddresses(state: StateDir, host: RtnlClient, bridge: string): Promise<Map<number, string>> {
  let leases = state.leases.list(bridge, (file, why) => state.warn(`ignoring ${file}: ${why}`));
  if (!leases.length && !state.leases.exists()) {
    state.adoptLegacyLeases();
    leases = state.leases.list(bridge);
  }
  const used = new Map<number, string>();
  for (const { ip, holder } of leases) {
    // A holder that is not a container id (or cannot be read) is not nsrun's doing: taken.
    if (holder === undefined || !ID_PATTERN.test(holder)) {
      used.set(ip, holder ?? '?');
      continue;
    }
    const e = state.entry(holder);
    if (e === undefined) {
      state.leases.release(bridge, ip, holder); // an orphan
      continue;
    }
    if (e.record && state.verdict(e.record) === 'dead') {
      // Its owner is gone: the address is free again, once what it held is released. If that
      // fails (gc will say why), the address stays taken; this run goes on.
      const freed = await releaseRecord(state, host, e.record).then(
        () => true,
        () => false,
      );
      if (freed) {
        state.leases.release(bridge, ip, holder); // (a record naming another address: this one too)
        continue;
      }
    }
    used.set(ip, holder);
  }
  return used;
}

/** Refuses a host port that a container not known to be dead publishes already. */
export function checkPublished(state: StateDir, publish: readonly PublishSpec[]): void {
  for (const e of state.entries()) {
    if (!e.record || state.verdict(e.record) === 'dead') continue;
    for (const p of e.record.nat?.publish ?? []) {
      const clash = publish.find(
        (q) => q.hostPort === p.hostPort && q.proto === p.proto && (q.hostIp === undefined || p.hostIp === undefined || q.hostIp === p.hostIp),
      );
      if (clash) throw new RunnerError('lease', `host port ${clash.hostPort}/${clash.proto} is already published by container ${e.id}`, { field: 'publish' });
    }
  }
}

/** A failed run or attach removes the bridge it created, unless another container came to use it. */
export async function removeBridgeIfUnused(state: StateDir, host: RtnlClient, bridge: string): Promise<void> {
  await state.withLock(async () => {
    if (state.leases.list(bridge).length) return;
    if ((await removeBridge(host, bridge)) !== 'in-use') state.bridgeForget(bridge);
  });
}
