import { readdirSync, rmSync } from 'node:fs';
import { linkFind, linkList, RtnlClient } from '@nsrun/netlink';
import { RunnerError } from './errors.js';
import { vethName } from './network/names.js';
import { parseStamp } from './network/stamp.js';
import { unplugVeth } from './network/wire.js';
import { removeBridge } from './network/bridge.js';
import { openStateDir } from './open-state.js';
import { releaseRecord } from './release.js';
import { slirpApiSocket } from './network/usernet.js';
import { describeOpaque } from './state/dir.js';
import { StateError } from './state/errors.js';
import { ipToText } from './state/leases.js';
import { ID_PATTERN } from './state/names.js';
import { natIds, removeNat } from './nat/apply.js';

// `nsrun gc`: what nsruns that were killed left behind. Idempotent: a second run finds nothing.
// Only records judged dead are released (their rules, their own veth if it is a veth on their
// bridge, their lease); a record it cannot read, or cannot judge from here (written in another
// pid namespace or for another state directory), is kept with all it holds, and said so. Then
// leases whose record does not exist, veths stamped with this state directory that no record
// of it names (a container whose namespace outlived it), and with `bridges` the bridges nsrun
// created that have no port left. What is not stamped as this state directory's is never
// touched. A state directory that does not exist is nothing to do (and is not created).

export interface GcOptions {
  stateDir?: string;
  /** Told about state files that could not be used, and about records kept unjudged. */
  onWarning?: (message: string) => void;
  /** Also delete the bridges nsrun created, when unused. */
  bridges?: boolean;
  /** Aborting it while the state lock is waited for gives up (RunnerError, step `state`). */
  signal?: AbortSignal;
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
  /** Leases (`bridge/address`) whose record did not exist (a crash in between). Present only when not empty. */
  leases?: string[];
  /**
   * Ids of records kept without a verdict: unreadable, of a newer format, or judged from
   * another pid namespace or state directory (see the warnings). Present only when not empty.
   */
  kept?: string[];
}

export async function gc(opts: GcOptions = {}): Promise<GcReport> {
  const warn = (m: string): void => opts.onWarning?.(m);
  const state = openStateDir(opts.stateDir, opts.onWarning);
  const report: GcReport = { containers: [], veths: [], bridges: [] };
  if (!state.exists()) return report;
  // A user who is not root cleans their own state directory (rootless runs: no host veths,
  // bridges or rules of theirs; those of netd's containers are netd's to release).
  const host = (process.geteuid?.() ?? 0) === 0 ? RtnlClient.open() : undefined;
  try {
    await state.withLock(
      async () => {
        // Every record file that stays, readable or not: what they name is not gc's to take.
        const kept = new Set<string>();
        const unknown: string[] = [];
        for (const e of state.entries()) {
          if (!e.record) {
            warn(describeOpaque(e));
            kept.add(e.id);
            (report.kept ??= []).push(e.id);
            continue;
          }
          const verdict = state.verdict(e.record);
          if (verdict !== 'dead') {
            kept.add(e.id);
            if (verdict === 'unknown') unknown.push(e.id);
            continue;
          }
          if (!host) {
            // (A rootless run through netd names its bridge too, but its veth and rules are netd's.)
            if (e.record.veth !== undefined || e.record.nat) {
              warn(`kept ${e.id}: its veth and rules need root to release`);
              kept.add(e.id);
              continue;
            }
            if (e.record.net === 'slirp4netns') rmSync(slirpApiSocket(state.path, e.id), { force: true });
            state.drop(e.record);
            report.containers.push(e.id);
            continue;
          }
          const { veth } = await releaseRecord(state, host, e.record);
          report.containers.push(e.id);
          if (veth) report.veths.push(vethName(e.id));
        }
        if (unknown.length) {
          warn(
            `kept ${unknown.length} record(s) written in another pid namespace or for another state directory: their owners cannot be judged from here (${unknown.join(' ')})`,
          );
          (report.kept ??= []).push(...unknown);
        }
        // Leases whose holder has no record at all.
        for (const pool of state.leases.pools()) {
          for (const l of state.leases.list(pool)) {
            if (l.holder === undefined || kept.has(l.holder) || !ID_PATTERN.test(l.holder)) continue;
            if (state.leases.release(pool, l.ip, l.holder)) (report.leases ??= []).push(`${pool}/${ipToText(l.ip)}`);
          }
        }
        if (!host) return;
        // Rules tagged with a container id that has no record here. (The table is shared by
        // every state directory on the host: a container of another state dir's would lose its
        // rules. A non-default state dir is for tests, each in a network namespace of its own.)
        for (const id of await natIdsOrNone(opts.onWarning)) {
          // Its veth still there: a live container (of another state dir, perhaps), not ours to judge.
          if (kept.has(id) || (await linkFind(host, vethName(id)))) continue;
          if (await removeNat(id)) (report.nat ??= []).push(id);
        }
        // A resolv.conf an nsrun before this one wrote here (now it lives on a tmpfs of the
        // container's mount namespace: mounts.ts) for a container whose nsrun was killed.
        for (const f of leftoverResolvFiles(state.path)) if (!kept.has(f.id)) rmSync(f.path, { force: true });
        // A host veth stamped with this state directory that no record of it names: its
        // container is gone but something kept the namespace (and so the pair) alive.
        const mine = state.token();
        for (const link of await linkList(host, { kind: 'veth' })) {
          const stamp = parseStamp(link.alias);
          if (!stamp || stamp.token !== mine || link.name !== vethName(stamp.id) || kept.has(stamp.id)) continue;
          if (await unplugVeth(host, link.index)) report.veths.push(link.name);
        }
        if (opts.bridges) {
          for (const b of state.bridgesCreated()) {
            if (state.leases.list(b.name).length) continue;
            // A port on it is someone's (another state dir's container, a link of the admin's).
            const r = await removeBridge(host, b.name);
            if (r === 'removed') report.bridges.push(b.name);
            if (r !== 'in-use') state.bridgeForget(b.name);
          }
        }
      },
      { signal: opts.signal },
    );
  } catch (e) {
    throw e instanceof StateError ? RunnerError.wrap('state', e) : e;
  } finally {
    host?.close();
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
