import { linkFind, type RtnlClient } from '@nsrun/netlink';
import type { ContainerRecord } from './state/records.js';
import type { StateDir } from './state/dir.js';
import { vethName } from './network/names.js';
import { unplugVeth } from './network/wire.js';
import { removeNat } from './nat/apply.js';

// Undoing what a container holds on the host, in one place for the three callers: a failed
// run or attach (its own record), `nsrun gc` and the next lease for a record judged dead,
// `nsrun net detach`.

/**
 * Deletes the container's nf_tables rules and host veth (if any, if still there), then its
 * lease and record. The veth deleted is only ever vethName(rec.id) (records.ts refuses a record
 * naming another), and only if it is a veth whose master is the record's bridge: anything else
 * of that name is someone's, and is left alone with a warning.
 */
export async function releaseRecord(state: StateDir, host: RtnlClient, rec: ContainerRecord): Promise<{ veth: boolean }> {
  if (rec.nat) await removeNat(rec.id);
  const veth = rec.veth ? await releaseVeth(state, host, rec) : false;
  state.drop(rec);
  return { veth };
}

async function releaseVeth(state: StateDir, host: RtnlClient, rec: ContainerRecord): Promise<boolean> {
  const name = vethName(rec.id);
  const link = await linkFind(host, name);
  if (!link) return false;
  const master = link.master === undefined ? undefined : await linkFind(host, link.master);
  if (link.kind !== 'veth' || master === undefined || master.name !== rec.bridge || master.kind !== 'bridge') {
    const what = link.kind === 'veth' ? `a veth on ${master ? master.name : 'no bridge'}` : `a ${link.kind ?? 'link of no kind'}`;
    state.warn(`left ${name} alone (the link of released record ${rec.id}): it is ${what}, not a veth on ${rec.bridge ?? 'a bridge'}`);
    return false;
  }
  // By index: the link checked is the link deleted.
  return unplugVeth(host, link.index);
}
