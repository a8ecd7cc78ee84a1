import { linkDel, linkList, NetlinkError, RtnlClient } from '@nsrun/netlink';
import { removeBridge } from './network/bridge.js';
import { idOfVeth } from './network/names.js';
import { releaseRecord } from './release.js';
import { StateDir } from './state/dir.js';
import { isAlive } from './state/liveness.js';

// `nsrun gc`: what nsruns that were killed left behind. Idempotent: a second run finds nothing.
// A record whose owner (nsrun, or the process a network was attached to) is gone is released;
// a host veth of ours that no live record names is deleted (state lost, e.g. a wiped state dir);
// with `bridges`, bridges nsrun created that no live container uses are deleted too.

export interface GcOptions {
  stateDir?: string;
  /** Also delete the bridges nsrun created, when unused. */
  bridges?: boolean;
}

export interface GcReport {
  /** Ids of the records released. */
  containers: string[];
  /** Host veths deleted (with records, or orphans). */
  veths: string[];
  bridges: string[];
}

export async function gc(opts: GcOptions = {}): Promise<GcReport> {
  const state = new StateDir(opts.stateDir);
  const report: GcReport = { containers: [], veths: [], bridges: [] };
  const host = RtnlClient.open();
  try {
    await state.withLock(async () => {
      const live = new Set<string>();
      for (const rec of state.list()) {
        if (isAlive(rec.owner)) {
          live.add(rec.id);
          continue;
        }
        const { veth } = await releaseRecord(state, host, rec);
        report.containers.push(rec.id);
        if (veth && rec.veth) report.veths.push(rec.veth);
      }
      for (const link of await linkList(host, { kind: 'veth' })) {
        const id = idOfVeth(link.name);
        if (id === undefined || live.has(id)) continue;
        try {
          await linkDel(host, link.index);
          report.veths.push(link.name);
        } catch (e) {
          if (!(e instanceof NetlinkError && e.code === 'ENODEV')) throw e;
        }
      }
      if (opts.bridges) {
        const inUse = new Set(state.list().filter((r) => live.has(r.id)).map((r) => r.bridge));
        for (const b of state.bridgesCreated()) {
          if (inUse.has(b.name)) continue;
          if (await removeBridge(host, b.name)) report.bridges.push(b.name);
          state.bridgeForget(b.name);
        }
      }
    });
  } finally {
    host.close();
  }
  return report;
}
