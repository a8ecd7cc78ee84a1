import * as C from '@nsrun/netlink';
import type { Address, Link, Neighbour, Route } from '@nsrun/netlink';
import {
  IPV4_HWADDR_TYPES, LINK_MODES, addrFlagNames, linkFlagNames, linkTypeName, nudNames, protocols, routeFlagNames,
  routePref, routeTypes, scopes, tables,
} from './names.js';

// The objects `ip -j` prints, built from the library's objects, keys in ip's order (so the
// JSON is byte-comparable for the common fields and the text printer can follow the keys).

export interface IpLinkJson {
  ifindex: number;
  link?: string | null;
  link_index?: number;
  ifname: string;
  flags: string[];
  mtu?: number;
  qdisc?: string;
  master?: string;
  operstate: string;
  linkmode?: string;
  group: string;
  txqlen?: number;
  link_type?: string;
  address?: string;
  broadcast?: string;
  link_netnsid?: number;
  addr_info?: IpAddrInfoJson[];
}

export interface IpAddrInfoJson {
  family: 'inet' | 'inet6';
  local: string;
  /** The peer, when it differs from local. */
  address?: string;
  prefixlen: number;
  metric?: number;
  broadcast?: string;
  anycast?: string;
  scope: string;
  /** Address flags appear as `"name": true` keys (secondary, nodad, tentative, dynamic...). */
  [flag: string]: unknown;
  label?: string;
  valid_life_time?: number;
  preferred_life_time?: number;
}

export interface IpNextHopJson {
  gateway?: string;
  dev?: string;
  weight: number;
  flags: string[];
}

export interface IpRouteJson {
  type?: string;
  dst: string;
  from?: string;
  gateway?: string;
  dev?: string;
  table?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  flags: string[];
  pref?: string;
  metrics?: Record<string, number>[];
  nexthops?: IpNextHopJson[];
}

export interface IpNeighJson {
  dst: string;
  dev?: string;
  lladdr?: string;
  router?: null;
  proxy?: null;
  state: string[];
}

type Links = ReadonlyMap<number, Link>;

/** A link's name as ip writes one it cannot find: "if7". */
export const linkName = (links: Links, index: number): string => links.get(index)?.name ?? `if${index}`;

function attr<T extends { type: string }, K extends T['type']>(attrs: readonly T[], type: K): Extract<T, { type: K }> | undefined {
  return attrs.find((a) => a.type === type) as Extract<T, { type: K }> | undefined;
}

/** Four-byte hardware addresses of IP tunnels print as IPv4, like ip. */
function hwaddr(type: number, mac: string): string {
  const parts = mac.split(':');
  if (IPV4_HWADDR_TYPES.has(type) && parts.length === 4) return parts.map((p) => parseInt(p, 16)).join('.');
  return mac;
}

export interface LinkJsonOptions {
  /** `ip link` prints linkmode, `ip addr` does not. */
  linkmode: boolean;
  /** `ip addr -4/-6` leaves out the link layer. */
  linkLayer: boolean;
}

export function linkJson(l: Link, links: Links, o: LinkJsonOptions): IpLinkJson {
  const out: Partial<IpLinkJson> = { ifindex: l.index };
  let lowerDown = false;
  if (l.link !== undefined) {
    if (l.link === 0) out.link = null;
    else if (l.linkNetnsid !== undefined) out.link_index = l.link;
    else {
      out.link = linkName(links, l.link);
      // ip marks M-DOWN when the lower device is down (or unknown to it).
      lowerDown = !(links.get(l.link)?.up ?? false);
    }
  }
  out.ifname = l.name;
  out.flags = linkFlagNames(l.flags, lowerDown);
  if (l.mtu !== undefined) out.mtu = l.mtu;
  const qdisc = attr(l.message.attrs, 'qdisc');
  if (qdisc) out.qdisc = qdisc.value;
  if (l.master !== undefined) out.master = linkName(links, l.master);
  out.operstate = l.operstate;
  const mode = attr(l.message.attrs, 'linkmode');
  if (o.linkmode && mode) out.linkmode = LINK_MODES[mode.value] ?? String(mode.value);
  out.group = l.group === 0 ? 'default' : String(l.group);
  if (l.txqlen !== undefined) out.txqlen = l.txqlen;
  if (o.linkLayer) {
    out.link_type = linkTypeName(l.type);
    if (l.address !== undefined) out.address = hwaddr(l.type, l.address);
    if (l.broadcast !== undefined) out.broadcast = hwaddr(l.type, l.broadcast);
    if (l.linkNetnsid !== undefined && l.linkNetnsid >= 0) out.link_netnsid = l.linkNetnsid;
  }
  return out as IpLinkJson;
}

export function addrInfoJson(a: Address): IpAddrInfoJson {
  const local = attr(a.message.attrs, 'local')?.value;
  const address = attr(a.message.attrs, 'address')?.value;
  const out: Partial<IpAddrInfoJson> = { family: a.family === 4 ? 'inet' : 'inet6' };
  // As ip: a missing IFA_LOCAL is IFA_ADDRESS and the other way round; "address" is a peer.
  out.local = local ?? address ?? '';
  if (local !== undefined && address !== undefined && address !== local) out.address = address;
  out.prefixlen = a.prefixlen;
  const prio = attr(a.message.attrs, 'rtPriority');
  if (prio) out.metric = prio.value;
  if (a.broadcast !== undefined) out.broadcast = a.broadcast;
  const anycast = attr(a.message.attrs, 'anycast');
  if (anycast) out.anycast = anycast.value;
  out.scope = scopes.name(a.scope);
  for (const f of addrFlagNames(a.flags, a.family)) out[f] = true;
  if (a.label !== undefined) out.label = a.label;
  if (a.validLft !== undefined) out.valid_life_time = a.validLft;
  if (a.preferredLft !== undefined) out.preferred_life_time = a.preferredLft;
  return out as IpAddrInfoJson;
}

/** A host route's destination prints without /32 or /128, as ip does. */
function dstText(r: Route): string {
  if (r.dst === 'default') return r.dstLen === 0 ? 'default' : `0/${r.dstLen}`;
  const full = r.family === 4 ? 32 : 128;
  return r.dstLen === full ? r.dst.slice(0, r.dst.lastIndexOf('/')) : r.dst;
}

export interface RouteJsonOptions {
  /** Print "table" for routes outside main (ip does when listing every table, and in monitor). */
  showTable: boolean;
  /** Leave "dev" out (ip does when the listing is filtered by dev). */
  hideDev: boolean;
}

export function routeJson(r: Route, links: Links, o: RouteJsonOptions): IpRouteJson {
  const out: Partial<IpRouteJson> = {};
  if (r.type !== C.RTN_UNICAST) out.type = routeTypes.name(r.type);
  out.dst = dstText(r);
  const src = attr(r.message.attrs, 'src');
  if (src) out.from = `${src.value}/${r.message.srcLen}`;
  if (r.gateway !== undefined) out.gateway = r.gateway;
  if (r.oif !== undefined && !o.hideDev) out.dev = linkName(links, r.oif);
  if (o.showTable && r.table !== C.RT_TABLE_MAIN) out.table = tables.name(r.table);
  if (r.protocol !== C.RTPROT_BOOT) out.protocol = protocols.name(r.protocol);
  if (r.scope !== C.RT_SCOPE_UNIVERSE) out.scope = scopes.name(r.scope);
  if (r.prefsrc !== undefined) out.prefsrc = r.prefsrc;
  if (r.metric !== undefined) out.metric = r.metric;
  out.flags = routeFlagNames(r.flags);
  const pref = attr(r.message.attrs, 'pref');
  if (pref) out.pref = routePref(pref.value);
  const metrics = attr(r.message.attrs, 'metrics');
  if (metrics) {
    const m: Record<string, number> = {};
    for (const x of metrics.value) if (x.type !== 'unknown' && x.type !== 'lock' && typeof x.value === 'number') m[x.type.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = x.value;
    if (Object.keys(m).length) out.metrics = [m];
  }
  if (r.nexthops) {
    out.nexthops = r.nexthops.map((h) => {
      const n: Partial<IpNextHopJson> = {};
      if (h.gateway !== undefined) n.gateway = h.gateway;
      if (h.oif) n.dev = linkName(links, h.oif);
      n.weight = h.weight;
      n.flags = routeFlagNames(h.flags);
      return n as IpNextHopJson;
    });
  }
  return out as IpRouteJson;
}

export function neighJson(n: Neighbour, links: Links, hideDev: boolean): IpNeighJson {
  const out: Partial<IpNeighJson> = { dst: n.dst ?? '' };
  if (!hideDev && n.index) out.dev = linkName(links, n.index);
  if (n.lladdr !== undefined) out.lladdr = n.lladdr;
  if (n.flags & C.NTF_ROUTER) out.router = null;
  if (n.flags & C.NTF_PROXY) out.proxy = null;
  out.state = n.state === 0 ? [] : nudNames(n.state);
  return out as IpNeighJson;
}
