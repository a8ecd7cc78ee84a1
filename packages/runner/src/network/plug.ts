import type { RtnlClient } from '@nsrun/netlink';
import type { AsyncStepRunner } from '../errors.js';
import type { Rollback } from '../rollback.js';
import { attachVeth, configureInside, createVeth, unplugVeth } from './wire.js';

// Steps 2–5 in order, for `run` and `net attach` alike, each registered for undo once it exists.

export interface PlugPlan {
  veth: string;
  bridgeIndex: number;
  netnsFd: number;
  /** The container's address, CIDR. */
  ip: string;
  /** The bridge's address, CIDR. */
  gateway: string;
  /** The host end's alias (stamp.ts). */
  stamp: string;
}

export async function plug(host: RtnlClient, inner: RtnlClient, p: PlugPlan, step: AsyncStepRunner, rollback: Rollback): Promise<void> {
  await createVeth(host, p, step);
  rollback.push('veth', () => unplugVeth(host, p.veth));
  await attachVeth(host, p, step);
  await configureInside(inner, { ip: p.ip, gateway: p.gateway.split('/')[0]! }, step);
}
