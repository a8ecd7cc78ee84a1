import { accessSync, constants } from 'node:fs';
import { RtnlClient } from '@nsrun/netlink';
import { releaseRecord } from '../release.js';
import { usedAddresses } from '../network/lease.js';
import type { NetConf } from './config.js';
import type { CniCommandOptions, CniEnv } from './env.js';
import { CniError, CNI_ERR_GC, CNI_ERR_NOT_AVAILABLE } from './errors.js';
import { cniId } from './ids.js';
import { execDelegate } from './ipam-exec.js';
import { ipamPick, ipamPlan } from './ipam-nsrun.js';

// The 1.1.0 commands (SPEC.md, section 2). GC: every attachment of this network that is not in
// `cni.dev/valid-attachments` is released (its rules, veth, lease, record), then the delegated
// IPAM gets the GC too; failures are collected and reported together after releasing all it
// can. STATUS: ready when the state directory can be written and (nsrun IPAM) an address is
// free; the delegated IPAM is asked too.

export async function cniGc(e: CniEnv, conf: NetConf, o: CniCommandOptions): Promise<void> {
  const { state } = o;
  const valid = new Set((conf.validAttachments ?? []).map((a) => cniId(conf.name, a.containerID, a.ifname)));
  const errors: string[] = [];
  if (state.exists()) {
    const host = RtnlClient.open();
    try {
      await state.withLock(
        async () => {
          for (const rec of state.list()) {
            if (rec.cni?.network !== conf.name || valid.has(rec.id)) continue;
            await releaseRecord(state, host, rec).catch((err: unknown) => errors.push(`${rec.id}: ${(err as Error).message}`));
          }
        },
        { signal: o.signal },
      );
    } finally {
      host.close();
    }
  }
  if (conf.ipamType !== '' && conf.ipamType !== 'nsrun') {
    try {
      execDelegate({ type: conf.ipamType, command: 'GC', stdin: conf.raw, path: e.path, env: o.env });
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new CniError(CNI_ERR_GC, 'GC could not release everything', errors.join('; '));
}

export async function cniStatus(e: CniEnv, conf: NetConf, o: CniCommandOptions): Promise<void> {
  const { state } = o;
  const dir = state.exists() ? state.path : '/run';
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new CniError(CNI_ERR_NOT_AVAILABLE, 'not available', `the state directory ${state.path} cannot be written: ${(err as NodeJS.ErrnoException).code}`);
  }
  if (conf.ipamType === 'nsrun') {
    const plan = ipamPlan(conf.ipam);
    const host = RtnlClient.open();
    try {
      await state.withLock(
        async () => {
          try {
            ipamPick(plan, await usedAddresses(state, host, conf.bridge), undefined, undefined);
          } catch (err) {
            throw new CniError(CNI_ERR_NOT_AVAILABLE, 'not available: no address left', (err as CniError).details);
          }
        },
        { signal: o.signal },
      );
    } finally {
      host.close();
    }
  } else if (conf.ipamType !== '') {
    execDelegate({ type: conf.ipamType, command: 'STATUS', stdin: conf.raw, path: e.path, env: o.env });
  }
}
