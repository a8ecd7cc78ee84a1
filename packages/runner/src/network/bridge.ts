import { addrAdd, addrList, linkAdd, linkDel, linkFind, linkGet, linkList, linkSetUp, routeList, type RtnlClient } from '@nsrun/netlink';
import { RunnerError, type AsyncStepRunner } from '../errors.js';
import { ipToText, overlaps, textToIp, type Subnet } from '../state/leases.js';

// Step 1 of the network: the bridge every container's host veth is attached to. Shared by all
// containers on it, so it is created once (under the state lock) and otherwise only verified:
// a bridge of the same name that is not ours in every respect is refused, never "fixed".

export interface BridgeSpec {
  name: string;
  /** The bridge's own address, CIDR, e.g. 10.10.10.1/24. */
  gateway: string;
  subnet: Subnet;
}

export interface BridgeState {
  index: number;
  /** This call created it (a failed run removes it again if no one else uses it). */
  created: boolean;
}

const cidr = (s: Subnet): string => `${ipToText(s.network)}/${s.prefix}`;

export interface BridgeHooks {
  /** Just before the bridge is created. */
  creating?: () => void;
  /** Creating it failed (nothing is left). */
  notCreated?: () => void;
}

/** Creates the bridge with its address, up; or verifies the existing one. */
export async function ensureBridge(nl: RtnlClient, spec: BridgeSpec, step: AsyncStepRunner, hooks: BridgeHooks = {}): Promise<BridgeState> {
  const { name, gateway, subnet } = spec;
  const link = await step('bridge', () => linkFind(nl, name));
  if (link) {
    if (link.kind !== 'bridge') {
      throw new RunnerError(
        'bridge',
        `${name} exists and is ${link.kind ? `a ${link.kind} link` : 'a link of no kind'}, not a bridge (choose another --bridge)`,
        { field: 'bridge' },
      );
    }
    const addrs = await step('bridge', () => addrList(nl, { family: 4, link: link.index }));
    const gw = ipToText(subnet.gateway);
    if (!addrs.some((a) => a.address === gw && a.prefixlen === subnet.prefix)) {
      const has = addrs.map((a) => `${a.address}/${a.prefixlen}`).join(', ') || 'no IPv4 address';
      const hint = addrs[0] ? ` (use --subnet ${addrs[0].address}/${addrs[0].prefixlen}, or another --bridge)` : ' (choose another --bridge)';
      throw new RunnerError('bridge', `bridge ${name} has ${has}, not ${gateway}${hint}`, { field: 'subnet' });
    }
    await checkNoOverlap(nl, subnet, link.index, step);
    if (!link.up) await step('bridge-up', () => linkSetUp(nl, link.index));
    return { index: link.index, created: false };
  }
  await checkNoOverlap(nl, subnet, undefined, step);
  hooks.creating?.();
  let index = 0;
  try {
    const made = await step('bridge', () => linkAdd(nl, { kind: 'bridge', name }));
    index = made?.index ?? (await linkGet(nl, name)).index;
    await step('bridge-address', () => addrAdd(nl, index, gateway));
    await step('bridge-up', () => linkSetUp(nl, index));
  } catch (e) {
    if (index) await linkDel(nl, index).catch(() => {}); // half a bridge is worse than none
    hooks.notCreated?.();
    throw e;
  }
  return { index, created: true };
}

/**
 * Refuses a subnet that overlaps a route of the host's main table (other than the default
 * route and the bridge's own): packets for those addresses would go two ways.
 */
async function checkNoOverlap(nl: RtnlClient, subnet: Subnet, bridgeIndex: number | undefined, step: AsyncStepRunner): Promise<void> {
  const routes = await step('bridge', () => routeList(nl, { family: 4 }));
  for (const r of routes) {
    if (r.dstLen === 0 || (bridgeIndex !== undefined && r.oif === bridgeIndex)) continue;
    const net = textToIp(r.dst.slice(0, r.dst.indexOf('/')));
    if (!overlaps(net, r.dstLen, subnet.network, subnet.prefix)) continue;
    const dev =
      r.oif === undefined
        ? ''
        : ` dev ${await linkGet(nl, r.oif).then(
            (l) => l.name,
            () => `#${r.oif}`,
          )}`;
    throw new RunnerError('bridge', `subnet ${cidr(subnet)} overlaps the host's route ${r.dst}${dev} (choose another --subnet)`, { field: 'subnet' });
  }
}

/**
 * Deletes a bridge nsrun created (gc --bridges, or a failed run that created it), unless a
 * port is still attached to it: that is someone's (a container of another state dir, a link
 * of the admin's). Gone already is fine.
 */
export async function removeBridge(nl: RtnlClient, name: string): Promise<'removed' | 'gone' | 'in-use'> {
  const link = await linkFind(nl, name);
  if (!link || link.kind !== 'bridge') return 'gone';
  if ((await linkList(nl, { master: link.index })).length) return 'in-use';
  await linkDel(nl, link.index);
  return 'removed';
}
