import { writeFileSync } from 'node:fs';
import { addrAdd, addrDel, addrList, linkAdd, linkDel, linkFind, linkGet, linkSet, linkSetUp, type Link, type RtnlClient } from '@nsrun/netlink';
import { RunnerError, type AsyncStepRunner } from '../errors.js';
import { linkSetPromisc } from './link-flags.js';

// The bridge as the reference `bridge` plugin keeps it (plugins/main/bridge: ensureBridge,
// ensureAddr): created if absent (with `mtu`), refused if a link of that name is not a bridge,
// promiscuous with `promiscMode`, up; with `isGateway`, the gateway address on it (an IPv4
// address already there that differs is refused, or replaced with `forceAddress`), and then its
// MAC address set to itself, so that it no longer follows the lowest port's. Runs under the
// state lock, as root mode's bridge step does (network/lease.ts).

export interface CniBridgeSpec {
  name: string;
  mtu: number;
  promisc: boolean;
  /** The gateway address, CIDR (isGateway); undefined: the bridge gets no address. */
  gateway: string | undefined;
  forceAddress: boolean;
}

export interface CniBridge {
  link: Link;
  created: boolean;
}

export async function ensureCniBridge(nl: RtnlClient, spec: CniBridgeSpec, step: AsyncStepRunner): Promise<CniBridge> {
  const { name } = spec;
  let link = await step('bridge', () => linkFind(nl, name));
  let created = false;
  if (link && link.kind !== 'bridge') {
    throw new RunnerError(
      'bridge',
      `${name} exists and is ${link.kind ? `a ${link.kind} link` : 'a link of no kind'}, not a bridge (choose another "bridge" in the network configuration)`,
      { field: 'bridge' },
    );
  }
  try {
    if (!link) {
      link = (await step('bridge', () => linkAdd(nl, { kind: 'bridge', name, ...(spec.mtu && { mtu: spec.mtu }) }))) ?? (await linkGet(nl, name));
      created = true;
      // The reference leaves the routes of the bridge to itself (no router advertisements).
      sysctl(`ipv6/conf/${name}/accept_ra`, '0');
    }
    const index = link.index;
    if (spec.promisc && !(link.flags & 0x100)) await step('bridge', () => linkSetPromisc(nl, index, true));
    if (!link.up) await step('bridge-up', () => linkSetUp(nl, index));
    if (spec.gateway !== undefined) await ensureAddress(nl, link, spec.gateway, spec.forceAddress, step);
    return { link: await linkGet(nl, index), created };
  } catch (e) {
    if (created && link) await linkDel(nl, link.index).catch(() => {}); // half a bridge is worse than none
    throw e;
  }
}

async function ensureAddress(nl: RtnlClient, br: Link, gateway: string, force: boolean, step: AsyncStepRunner): Promise<void> {
  const [ip, len] = gateway.split('/');
  const addrs = await step('bridge-address', () => addrList(nl, { family: 4, link: br.index }));
  if (addrs.some((a) => a.address === ip && a.prefixlen === Number(len))) return;
  for (const a of addrs) {
    if (!force) {
      throw new RunnerError(
        'bridge-address',
        `bridge ${br.name} has ${a.address}/${a.prefixlen}, not ${gateway} (another subnet on this bridge, or "forceAddress": true to replace it)`,
        { field: 'bridge' },
      );
    }
    await step('bridge-address', () => addrDel(nl, br.index, `${a.address}/${a.prefixlen}`));
  }
  await step('bridge-address', () => addrAdd(nl, br.index, gateway, { broadcast: true }));
  // Pinned: a bridge takes the lowest MAC of its ports unless its own was set.
  if (br.address) await step('bridge-address', () => linkSet(nl, br.index, { address: br.address! }));
}

/** Writes /proc/sys/net/<key> of the caller's network namespace; a missing key (no IPv6) is fine. */
export function sysctl(key: string, value: string): void {
  try {
    writeFileSync(`/proc/sys/net/${key}`, value);
  } catch {
    // as the reference: best effort
  }
}
