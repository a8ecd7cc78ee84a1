import type { RtnlClient } from '@nsrun/netlink';
import type { ContainerRecord } from './state/records.js';
import type { StateDir } from './state/dir.js';
import { unplugVeth } from './network/wire.js';
import { removeNat } from './nat/apply.js';

// Undoing what a container holds on the host, in one place for the three callers: a container
// that exited, `nsrun gc` for one whose nsrun was killed, `nsrun net detach`.

/** Deletes the container's nf_tables rules and host veth (if any, if still there), then its record (and lease). */
export async function releaseRecord(state: StateDir, host: RtnlClient, rec: ContainerRecord): Promise<{ veth: boolean }> {
  if (rec.nat) await removeNat(rec.id);
  const veth = rec.veth ? await unplugVeth(host, rec.veth) : false;
  state.remove(rec.id);
  return { veth };
}
