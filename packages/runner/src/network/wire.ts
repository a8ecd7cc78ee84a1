import { addrAdd, linkAdd, linkDel, linkSet, linkSetUp, NetlinkError, routeAdd, type RtnlClient } from '@nsrun/netlink';
import type { AsyncStepRunner } from '../errors.js';
import { INSIDE_NAME } from './names.js';

// Steps 2–5 of the network, as the classic tutorial does them, but with the container's end
// created straight inside its namespace (it never exists on the host, so it cannot clash with
// a host name, and there is no "move" window) and every step named.

export interface VethPlan {
  /** Host end name (names.ts). */
  veth: string;
  bridgeIndex: number;
  /** The container's network namespace. */
  netnsFd: number;
  /** The host end's alias: whose it is (stamp.ts). */
  stamp: string;
}

/** Steps 2 and 4: the pair, its container end created inside the container's namespace. */
export async function createVeth(host: RtnlClient, p: VethPlan, step: AsyncStepRunner): Promise<void> {
  await step('veth', () => linkAdd(host, { kind: 'veth', name: p.veth, peer: { name: INSIDE_NAME, netns: { fd: p.netnsFd } } }));
}

/**
 * Step 3: the host end on the bridge, up, stamped with its alias, in one request: no port of
 * nsrun's is ever on a bridge without its stamp. (The kernel ignores IFLA_IFALIAS when it
 * creates a link.)
 */
export async function attachVeth(host: RtnlClient, p: VethPlan, step: AsyncStepRunner): Promise<void> {
  await step('attach', () => linkSet(host, p.veth, { master: p.bridgeIndex, up: true, alias: p.stamp }));
}

export interface InsidePlan {
  /** The container's address, CIDR. */
  ip: string;
  /** The bridge's address (no prefix): the default gateway. */
  gateway: string;
}

/** Step 5, through a socket in the container's namespace: lo, address, link up, default route. */
export async function configureInside(inner: RtnlClient, p: InsidePlan, step: AsyncStepRunner): Promise<void> {
  await step('loopback', () => linkSetUp(inner, 'lo'));
  await step('address', () => addrAdd(inner, INSIDE_NAME, p.ip));
  await step('link-up', () => linkSetUp(inner, INSIDE_NAME));
  await step('route', () => routeAdd(inner, { dst: 'default', gateway: p.gateway }));
}

/** Deletes a host veth, by name or index (its peer goes with it); one that is already gone is fine. */
export async function unplugVeth(host: RtnlClient, veth: string | number): Promise<boolean> {
  try {
    await linkDel(host, veth);
    return true;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENODEV') return false;
    throw e;
  }
}
