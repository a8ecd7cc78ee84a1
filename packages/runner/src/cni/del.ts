import { linkFind, RtnlClient } from '@nsrun/netlink';
import { releaseRecord } from '../release.js';
import { vethName } from '../network/names.js';
import { parseStamp } from '../network/stamp.js';
import { unplugVeth } from '../network/wire.js';
import type { NetConf } from './config.js';
import type { CniCommandOptions, CniEnv } from './env.js';
import { cniId } from './ids.js';
import { execDelegate } from './ipam-exec.js';

// DEL (SPEC.md, section 2): best effort and idempotent. Everything is found by the
// attachment's id (ids.ts), so neither CNI_NETNS (empty, or a namespace already gone) nor
// prevResult is needed: the record releases its rules, its host veth (the container's end goes
// with it) and its lease; without a record, a host veth of that name stamped by this state
// directory still goes. Then the delegated IPAM's DEL, as the reference calls it, whatever
// was found. A second DEL finds nothing and succeeds.

export async function cniDel(e: CniEnv, conf: NetConf, o: CniCommandOptions): Promise<void> {
  const { state } = o;
  const id = cniId(conf.name, e.containerId, e.ifname);
  if (state.exists()) {
    const host = RtnlClient.open();
    try {
      await state.withLock(
        async () => {
          const entry = state.entry(id);
          if (entry?.record) {
            await releaseRecord(state, host, entry.record);
            return;
          }
          if (entry) state.warn(`DEL: ${entry.file} cannot be read (${entry.opaque}); its host veth goes, the file stays`);
          // No record (a plugin killed between the veth and the record, or the record removed by
          // hand): the veth alone, if it is ours.
          const link = await linkFind(host, vethName(id));
          const stamp = parseStamp(link?.alias);
          if (link && link.kind === 'veth' && stamp?.token === state.token() && stamp?.id === id) await unplugVeth(host, link.index);
        },
        { signal: o.signal },
      );
    } finally {
      host.close();
    }
  }
  if (conf.ipamType !== '' && conf.ipamType !== 'nsrun') execDelegate({ type: conf.ipamType, command: 'DEL', stdin: conf.raw, path: e.path, env: o.env });
}
