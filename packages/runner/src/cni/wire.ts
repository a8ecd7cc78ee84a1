import { ipFamily } from '../ip-family.js';
import { addrAdd, linkAdd, linkFind, linkGet, linkSet, routeAdd, type Link, type RtnlClient } from '@nsrun/netlink';
import type { NetNs } from '@nsrun/sys';
import type { AsyncStepRunner } from '../errors.js';
import type { Rollback } from '../rollback.js';
import { unplugVeth } from '../network/wire.js';
import { sysctl } from './bridge.js';
import { linkSetHairpin } from './link-flags.js';
import type { CniIp, CniRoute } from './result.js';

// The veth of one attachment, as the reference bridge plugin leaves it (pkg/ip SetupVeth,
// pkg/ipam ConfigureIface): the pair with `mtu` on both ends, the container's end named
// CNI_IFNAME (with the requested MAC), made straight inside the container's namespace (it never
// exists on the host); the host end on the bridge, up, stamped (network/stamp.ts), hairpin as
// configured; inside: the addresses, the link up, then the routes (a route without `gw` goes via
// the gateway of its family's address). `lo` is the loopback plugin's, not touched.

export interface CniVethPlan {
  veth: string;
  ifname: string;
  netns: NetNs;
  bridge: Link;
  mtu: number;
  mac: string | undefined;
  hairpin: boolean;
  stamp: string;
}

export interface CniVeth {
  host: Link;
  container: Link;
}

export async function plugCni(host: RtnlClient, inner: RtnlClient, p: CniVethPlan, step: AsyncStepRunner, rollback: Rollback): Promise<CniVeth> {
  const mtu = p.mtu ? { mtu: p.mtu } : {};
  // txqlen 0 on both ends, as the reference leaves them (vishvananda/netlink sends TxQLen 0).
  await step('veth', () =>
    linkAdd(host, {
      kind: 'veth',
      name: p.veth,
      ...mtu,
      txqlen: 0,
      peer: { name: p.ifname, netns: { fd: p.netns.fd }, ...mtu, ...(p.mac && { address: p.mac }) },
    }),
  );
  rollback.push('veth', () => unplugVeth(host, p.veth));
  sysctl(`ipv6/conf/${p.veth}/accept_ra`, '0');
  await step('attach', () => linkSet(host, p.veth, { master: p.bridge.index, up: true, alias: p.stamp }));
  const hostLink = await step('attach', () => linkGet(host, p.veth));
  if (p.hairpin) await step('attach', () => linkSetHairpin(host, hostLink.index, true));
  // IPv6 duplicate address detection off, gratuitous ARP on address change on (as the reference).
  p.netns.run(() => {
    sysctl(`ipv6/conf/${p.ifname}/accept_dad`, '0');
    sysctl(`ipv4/conf/${p.ifname}/arp_notify`, '1');
  });
  const container = await step('veth', () => linkGet(inner, p.ifname));
  return { host: hostLink, container };
}

/** Addresses, link up, routes inside (ConfigureIface). */
export async function configureCni(
  inner: RtnlClient,
  ifname: string,
  ips: readonly CniIp[],
  routes: readonly CniRoute[],
  step: AsyncStepRunner,
): Promise<void> {
  let v4gw: string | undefined;
  let v6gw: string | undefined;
  for (const ip of ips) {
    const v4 = ipFamily(ip.address.split('/')[0]!) === 4;
    const len = Number(ip.address.split('/')[1]);
    await step('address', () => addrAdd(inner, ifname, ip.address, v4 && len < 31 ? { broadcast: true } : {}));
    if (ip.gateway !== undefined) {
      if (ipFamily(ip.gateway) === 4) v4gw ??= ip.gateway;
      else v6gw ??= ip.gateway;
    }
  }
  await step('link-up', () => linkSet(inner, ifname, { up: true, txqlen: 0 }));
  for (const r of routes) {
    const v4 = ipFamily(r.dst.split('/')[0]!) === 4;
    const gateway = r.gw ?? (v4 ? v4gw : v6gw);
    await step('route', () =>
      routeAdd(inner, {
        dst: r.dst,
        dev: ifname,
        ...(gateway !== undefined && { gateway }),
        ...(r.mtu !== undefined && { mtu: r.mtu }),
        ...(r.priority !== undefined && { metric: r.priority }),
        ...(r.table !== undefined && { table: r.table }),
        ...(r.scope !== undefined && { scope: r.scope }),
      }),
    );
  }
}

/** Whether a link of that name is in the namespace. */
export const hasLink = async (nl: RtnlClient, name: string): Promise<boolean> => (await linkFind(nl, name)) !== undefined;
