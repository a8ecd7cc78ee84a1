import { readdirSync, rmSync } from 'node:fs';
import { linkFind, linkList, RtnlClient } from '@nsrun/netlink';
import { idOfVeth, vethName } from './network/names.js';
import { unplugVeth } from './network/wire.js';
import { removeBridge } from './network/bridge.js';
import { releaseRecord } from './release.js';
import { StateDir } from './state/dir.js';
import { isAlive } from './state/liveness.js';
import { natIds, removeNat } from './nat/apply.js';

// `nsrun gc`: what nsruns that were killed left behind. Idempotent: a second run finds nothing.
// A record whose owner (nsrun, or the process a network was attached to) is gone is released
// (its host veth deleted if something kept the namespace, and with it the pair, alive), and so
// is a veth of ours on one of this state dir's bridges that no live record names (a container
// whose namespace outlived it); with `bridges`, bridges nsrun created that have no port left
// are deleted too. Veths on other bridges are left alone: another state dir's, perhaps.

export interface GcOptions {
  stateDir?: string;
  /** Told about state files that could not be read. */
  onWarning?: (message: string) => void;
  /** Also delete the bridges nsrun created, when unused. */
  bridges?: boolean;
}

export interface GcReport {
  /** Ids of the records released. */
  containers: string[];
  /** Host veths deleted (with records, or orphans). */
  veths: string[];
  bridges: string[];
  /**
   * Containers whose nf_tables rules were removed though they had no record (their nsrun was
   * killed between adding them and ...; or the record was lost). Present only when not empty.
   * Rules of released records go with them (their ids are in `containers`).
   */
  nat?: string[];
}

export async function gc(opts: GcOptions = {}): Promise<GcReport> {
  const state = new StateDir(opts.stateDir, { onWarning: opts.onWarning });
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
      // Rules tagged with a container id that has no live record here. (The table is shared by
      // every state directory on the host: a container of another state dir's would lose its
      // rules. A non-default state dir is for tests, each in a network namespace of its own.)
      for (const id of await natIdsOrNone(opts.onWarning)) {
        // Its veth still there: a live container (of another state dir, perhaps), not ours to judge.
        if (live.has(id) || (await linkFind(host, vethName(id)))) continue;
        if (await removeNat(id)) (report.nat ??= []).push(id);
      }
      // A resolv.conf written for a container whose nsrun was killed before it could unlink it.
      for (const f of leftoverResolvFiles(state.path)) if (!live.has(f.id)) rmSync(f.path, { force: true });
      // A host veth of ours on one of this state dir's bridges that no live record names: its
      // container is gone but something kept the namespace (and so the pair) alive.
      const bridges = new Set([...state.bridgesCreated().map((b) => b.name), ...state.list().map((r) => r.bridge).filter((b) => b !== undefined)]);
      const masters = new Set<number>();
      for (const b of bridges) {
        const l = await linkFind(host, b);
        if (l?.kind === 'bridge') masters.add(l.index);
      }
      if (masters.size) {
        for (const link of await linkList(host, { kind: 'veth' })) {
          const id = idOfVeth(link.name);
          if (id === undefined || live.has(id) || link.master === undefined || !masters.has(link.master)) continue;
          if (await unplugVeth(host, link.name)) report.veths.push(link.name);
        }
      }
      if (opts.bridges) {
        const inUse = new Set(state.list().filter((r) => live.has(r.id)).map((r) => r.bridge));
        for (const b of state.bridgesCreated()) {
          if (inUse.has(b.name)) continue;
          // A port on it is someone's (another state dir's container, a link of the admin's).
          const r = await removeBridge(host, b.name);
          if (r === 'removed') report.bridges.push(b.name);
          if (r !== 'in-use') state.bridgeForget(b.name);
        }
      }
    });
  } finally {
    host.close();
  }
  return report;
}

/** Ids with rules in nsrun's table; none where nf_tables is not there at all. */
async function natIdsOrNone(onWarning?: (m: string) => void): Promise<Set<string>> {
  try {
    return await natIds();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== 'EPROTONOSUPPORT' && code !== 'EOPNOTSUPP' && code !== 'ENOENT') onWarning?.(`nf_tables: ${e instanceof Error ? e.message : String(e)}`);
    return new Set();
  }
}

function leftoverResolvFiles(dir: string): Array<{ id: string; path: string }> {
  try {
    return readdirSync(`${dir}/containers`)
      .filter((f) => f.endsWith('.resolv.conf'))
      .map((f) => ({ id: f.slice(0, -'.resolv.conf'.length), path: `${dir}/containers/${f}` }));
  } catch {
    return [];
  }
}
