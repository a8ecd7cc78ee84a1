import { ROUTE_TYPES } from '@nsrun/netlink';
import * as C from '@nsrun/netlink/constants';

// The words iproute2 uses for kernel numbers (flags, scopes, protocols, tables, route types,
// link types, neighbour states), in ip's order, both ways.

/** IFF_* names in the order ip prints them (print_link_flags). */
const LINK_FLAGS: readonly (readonly [number, string])[] = [
  [C.IFF_LOOPBACK, 'LOOPBACK'],
  [C.IFF_BROADCAST, 'BROADCAST'],
  [C.IFF_POINTOPOINT, 'POINTOPOINT'],
  [C.IFF_MULTICAST, 'MULTICAST'],
  [C.IFF_NOARP, 'NOARP'],
  [C.IFF_ALLMULTI, 'ALLMULTI'],
  [C.IFF_PROMISC, 'PROMISC'],
  [C.IFF_MASTER, 'MASTER'],
  [C.IFF_SLAVE, 'SLAVE'],
  [C.IFF_DEBUG, 'DEBUG'],
  [C.IFF_DYNAMIC, 'DYNAMIC'],
  [C.IFF_AUTOMEDIA, 'AUTOMEDIA'],
  [C.IFF_PORTSEL, 'PORTSEL'],
  [C.IFF_NOTRAILERS, 'NOTRAILERS'],
  [C.IFF_UP, 'UP'],
  [C.IFF_LOWER_UP, 'LOWER_UP'],
  [C.IFF_DORMANT, 'DORMANT'],
  [C.IFF_ECHO, 'ECHO'],
];

/**
 * Link flags as ip shows them: NO-CARRIER first when up without carrier, RUNNING never,
 * leftover bits in hex, and M-DOWN last when the lower (IFLA_LINK) device is down.
 */
export function linkFlagNames(flags: number, lowerDown: boolean): string[] {
  const out: string[] = [];
  if (flags & C.IFF_UP && !(flags & C.IFF_RUNNING)) out.push('NO-CARRIER');
  let rest = flags & ~C.IFF_RUNNING;
  for (const [bit, name] of LINK_FLAGS) {
    if (rest & bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest) out.push((rest >>> 0).toString(16));
  if (lowerDown) out.push('M-DOWN');
  return out;
}

const LINK_TYPES: Readonly<Record<number, string>> = {
  [C.ARPHRD_NETROM]: 'netrom',
  [C.ARPHRD_ETHER]: 'ether',
  [C.ARPHRD_EETHER]: 'eether',
  [C.ARPHRD_AX25]: 'ax25',
  [C.ARPHRD_IEEE802]: 'ieee802',
  [C.ARPHRD_ARCNET]: 'arcnet',
  [C.ARPHRD_APPLETLK]: 'atalk',
  [C.ARPHRD_DLCI]: 'dlci',
  [C.ARPHRD_ATM]: 'atm',
  [C.ARPHRD_IEEE1394]: 'ieee1394',
  [C.ARPHRD_INFINIBAND]: 'infiniband',
  [C.ARPHRD_SLIP]: 'slip',
  [C.ARPHRD_CSLIP]: 'cslip',
  [C.ARPHRD_SLIP6]: 'slip6',
  [C.ARPHRD_CSLIP6]: 'cslip6',
  [C.ARPHRD_CAN]: 'can',
  [C.ARPHRD_PPP]: 'ppp',
  [C.ARPHRD_HDLC]: 'hdlc',
  [C.ARPHRD_LAPB]: 'lapb',
  [C.ARPHRD_RAWHDLC]: 'rawhdlc',
  [C.ARPHRD_RAWIP]: 'rawip',
  [C.ARPHRD_TUNNEL]: 'ipip',
  [C.ARPHRD_TUNNEL6]: 'tunnel6',
  [C.ARPHRD_FRAD]: 'frad',
  [C.ARPHRD_LOOPBACK]: 'loopback',
  [C.ARPHRD_FDDI]: 'fddi',
  [C.ARPHRD_SIT]: 'sit',
  [C.ARPHRD_IPGRE]: 'gre',
  [C.ARPHRD_IEEE80211]: 'ieee802.11',
  [C.ARPHRD_IEEE80211_RADIOTAP]: 'ieee802.11/radiotap',
  [C.ARPHRD_IEEE802154]: 'ieee802.15.4',
  [C.ARPHRD_IP6GRE]: 'gre6',
  [C.ARPHRD_NETLINK]: 'netlink',
  [C.ARPHRD_6LOWPAN]: '6lowpan',
  [C.ARPHRD_NONE]: 'none',
  [C.ARPHRD_VOID]: 'void',
};

/** ARPHRD_* as ip names it ("ether", "loopback"...); unknown types as "[N]" like ip. */
export const linkTypeName = (type: number): string => LINK_TYPES[type] ?? `[${type}]`;

/** Link types whose hardware address ip prints as an IPv4 address. */
export const IPV4_HWADDR_TYPES: ReadonlySet<number> = new Set([C.ARPHRD_TUNNEL, C.ARPHRD_SIT, C.ARPHRD_IPGRE]);

export const LINK_MODES = ['DEFAULT', 'DORMANT', 'TESTING'] as const;

/** print_0xhex's "%#llx": 0 is "0", the rest "0x..." (a string in JSON too). */
export const hex0x = (n: number | bigint): string => (n === 0 || n === 0n ? '0' : `0x${n.toString(16)}`);

// ---- scopes, protocols, tables, route types --------------------------------------------------

function twoWay(entries: readonly (readonly [number, string])[]): { name: (n: number) => string; number: (s: string) => number | undefined } {
  const byNum = new Map(entries);
  const byName = new Map(entries.map(([n, s]) => [s, n]));
  return {
    name: (n) => byNum.get(n) ?? String(n),
    number: (s) => byName.get(s) ?? (/^\d+$/.test(s) ? Number(s) : undefined),
  };
}

/** rt_scopes: 0 is "global" for addresses and routes alike. */
export const scopes = twoWay([
  [C.RT_SCOPE_UNIVERSE, 'global'],
  [C.RT_SCOPE_SITE, 'site'],
  [C.RT_SCOPE_LINK, 'link'],
  [C.RT_SCOPE_HOST, 'host'],
  [C.RT_SCOPE_NOWHERE, 'nowhere'],
]);

/** rt_protos as iproute2 ships it. */
export const protocols = twoWay([
  [C.RTPROT_UNSPEC, 'unspec'],
  [C.RTPROT_REDIRECT, 'redirect'],
  [C.RTPROT_KERNEL, 'kernel'],
  [C.RTPROT_BOOT, 'boot'],
  [C.RTPROT_STATIC, 'static'],
  [C.RTPROT_GATED, 'gated'],
  [C.RTPROT_RA, 'ra'],
  [C.RTPROT_MRT, 'mrt'],
  [C.RTPROT_ZEBRA, 'zebra'],
  [C.RTPROT_BIRD, 'bird'],
  [C.RTPROT_DNROUTED, 'dnrouted'],
  [C.RTPROT_XORP, 'xorp'],
  [C.RTPROT_NTK, 'ntk'],
  [C.RTPROT_DHCP, 'dhcp'],
  [C.RTPROT_KEEPALIVED, 'keepalived'],
  [C.RTPROT_BABEL, 'babel'],
  [C.RTPROT_OPENR, 'openr'],
  [C.RTPROT_BGP, 'bgp'],
  [C.RTPROT_ISIS, 'isis'],
  [C.RTPROT_OSPF, 'ospf'],
  [C.RTPROT_RIP, 'rip'],
  [C.RTPROT_EIGRP, 'eigrp'],
]);

/** rt_tables. */
export const tables = twoWay([
  [C.RT_TABLE_UNSPEC, 'unspec'],
  [C.RT_TABLE_DEFAULT, 'default'],
  [C.RT_TABLE_MAIN, 'main'],
  [C.RT_TABLE_LOCAL, 'local'],
]);

/** RTN_* by name; index 0 ("unspec") is never a valid route type to add. */
export const routeTypes = twoWay(ROUTE_TYPES.map((name, n) => [n, name] as const));

/** RTA_PREF (IPv6 router preference) as ip prints it. */
export const routePref = (p: number): string => (p === 0 ? 'medium' : p === 1 ? 'high' : p === 3 ? 'low' : String(p));

// ---- neighbour states --------------------------------------------------------------------------

const NUD: readonly (readonly [number, string])[] = [
  [C.NUD_INCOMPLETE, 'INCOMPLETE'],
  [C.NUD_REACHABLE, 'REACHABLE'],
  [C.NUD_STALE, 'STALE'],
  [C.NUD_DELAY, 'DELAY'],
  [C.NUD_PROBE, 'PROBE'],
  [C.NUD_FAILED, 'FAILED'],
  [C.NUD_NOARP, 'NOARP'],
  [C.NUD_PERMANENT, 'PERMANENT'],
];

/** NUD_* bits as ip prints them; "NONE" for 0. */
export function nudNames(state: number): string[] {
  if (state === 0) return ['NONE'];
  return NUD.filter(([bit]) => state & bit).map(([, n]) => n);
}

/** A `nud` argument: a state name in either case, or "all" (undefined). */
export function nudNumber(word: string): number | 'all' | undefined {
  if (word === 'all') return 'all';
  if (word.toLowerCase() === 'none') return C.NUD_NONE;
  return NUD.find(([, n]) => n === word.toUpperCase())?.[0];
}

// ---- address flags -------------------------------------------------------------------------------

/** IFA_F_* in ip's order (print_ifa_flags); PERMANENT shows inverted as "dynamic". */
const ADDR_FLAGS: readonly (readonly [number, string])[] = [
  [C.IFA_F_SECONDARY, 'secondary'],
  [C.IFA_F_NODAD, 'nodad'],
  [C.IFA_F_OPTIMISTIC, 'optimistic'],
  [C.IFA_F_DADFAILED, 'dadfailed'],
  [C.IFA_F_HOMEADDRESS, 'home'],
  [C.IFA_F_DEPRECATED, 'deprecated'],
  [C.IFA_F_TENTATIVE, 'tentative'],
  [C.IFA_F_PERMANENT, 'permanent'],
  [C.IFA_F_MANAGETEMPADDR, 'mngtmpaddr'],
  [C.IFA_F_NOPREFIXROUTE, 'noprefixroute'],
  [C.IFA_F_MCAUTOJOIN, 'autojoin'],
  [C.IFA_F_STABLE_PRIVACY, 'stable-privacy'],
];

/** The flag words of an address in ip's order, and the bits ip has no word for ("flags %02x"). */
export function addrFlagNames(flags: number, family: 4 | 6): { names: string[]; rest: number } {
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of ADDR_FLAGS) {
    if (bit === C.IFA_F_PERMANENT) {
      if (!(flags & bit)) names.push('dynamic');
    } else if (flags & bit) {
      names.push(bit === C.IFA_F_SECONDARY && family === 6 ? 'temporary' : name);
    }
    rest &= ~bit;
  }
  return { names, rest: rest >>> 0 };
}

// ---- route next-hop flags --------------------------------------------------------------------------

/** RTNH_F_* / RTM_F_* words ip prints in a route's (or next hop's) flags (print_rt_flags). */
export function routeFlagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags & C.RTNH_F_DEAD) out.push('dead');
  if (flags & C.RTNH_F_ONLINK) out.push('onlink');
  if (flags & C.RTNH_F_PERVASIVE) out.push('pervasive');
  if (flags & C.RTNH_F_OFFLOAD) out.push('offload');
  if (flags & C.RTNH_F_TRAP) out.push('trap');
  if (flags & C.RTM_F_NOTIFY) out.push('notify');
  if (flags & C.RTNH_F_LINKDOWN) out.push('linkdown');
  if (flags & C.RTNH_F_UNRESOLVED) out.push('unresolved');
  if (flags & C.RTM_F_OFFLOAD) out.push('rt_offload');
  if (flags & C.RTM_F_TRAP) out.push('rt_trap');
  if (flags & C.RTM_F_OFFLOAD_FAILED) out.push('rt_offload_failed');
  return out;
}

/** The route cache flags of a looked-up IPv4 route (print_cache_flags), in ip's order. */
const CACHE_FLAGS: readonly (readonly [number, string])[] = [
  [C.RTCF_LOCAL, 'local'],
  [C.RTCF_REJECT, 'reject'],
  [C.RTCF_MULTICAST, 'mc'],
  [C.RTCF_BROADCAST, 'brd'],
  [C.RTCF_DNAT, 'dst-nat'],
  [C.RTCF_SNAT, 'src-nat'],
  [C.RTCF_MASQ, 'masq'],
  [C.RTCF_DIRECTDST, 'dst-direct'],
  [C.RTCF_DIRECTSRC, 'src-direct'],
  [C.RTCF_REDIRECTED, 'redirected'],
  [C.RTCF_DOREDIRECT, 'redirect'],
  [C.RTCF_FAST, 'fastroute'],
  [C.RTCF_NOTIFY, 'notify'],
  [C.RTCF_TPROXY, 'proxy'],
];

export function cacheFlagNames(flags: number): { names: string[]; rest: number } {
  let rest = flags & ~0xffff;
  const names: string[] = [];
  for (const [bit, name] of CACHE_FLAGS) {
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  return { names, rest: rest >>> 0 };
}
