import * as C from '../constants/index.js';
import type { Writer } from '../wire/writer.js';
import type { RawMessage } from '../wire/header.js';
import type { Request, RtnlClient } from '../client.js';
import { NetlinkError, ValidationError } from '../errors.js';
import { decodeRoute, type NextHop, type RouteMessage, type RouteAttr } from '../messages/route.js';
import { DecodeError } from '../wire/errors.js';
import { AttrReader, u32le } from '../wire/reader.js';
import { formatIPv4, formatIPv6 } from '../wire/attrs.js';

const RTMSG_LEN = C.RTMSG_LEN;
import { checkAddress, checkInt, checkPrefix, networkOf, type Addr, type Family, type Prefix, writeAddrAttr } from '../validate.js';
import { linkIndex } from './link.js';
import type { LinkRef } from './common.js';

// Routes: add / replace / append / delete / list, IPv4 and IPv6, multipath, special types.

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';
export const ROUTE_TYPES: readonly string[] = [
  'unspec',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
];
export const ROUTE_SCOPES: Readonly<Record<string, number>> = {
  universe: C.RT_SCOPE_UNIVERSE,
  site: C.RT_SCOPE_SITE,
  link: C.RT_SCOPE_LINK,
  host: C.RT_SCOPE_HOST,
  nowhere: C.RT_SCOPE_NOWHERE,
};
export const ROUTE_PROTOCOLS: Readonly<Record<string, number>> = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, ra: 9, dhcp: 16 };

export interface NextHopSpec {
  gateway?: string;
  dev?: LinkRef;
  /** 1–256 (default 1). */
  weight?: number;
  onlink?: boolean;
}

export interface RouteSpec {
  /** "default", "10.0.0.0/8", "2001:db8::/32" or a bare address (a host route). */
  dst: string;
  gateway?: string;
  dev?: LinkRef;
  /** Preferred source address (RTA_PREFSRC). */
  src?: string;
  metric?: number;
  /** Routing table id (default main, 254). */
  table?: number;
  scope?: 'universe' | 'site' | 'link' | 'host' | 'nowhere' | number;
  type?: RouteType;
  protocol?: 'boot' | 'static' | 'kernel' | 'dhcp' | number;
  /** Multipath: two or more next hops (instead of gateway/dev). */
  nexthops?: NextHopSpec[];
  /** Route MTU (RTAX_MTU). */
  mtu?: number;
  onlink?: boolean;
  /** Needed for "default" with neither gateway nor a typed address (default 4). */
  family?: Family;
}

/** A route as the kernel reports it. */
export interface Route {
  family: Family;
  /** "default" or "ADDR/LEN". */
  dst: string;
  dstLen: number;
  gateway: string | undefined;
  /** Output interface index. */
  oif: number | undefined;
  prefsrc: string | undefined;
  metric: number | undefined;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  nexthops: { gateway: string | undefined; oif: number; weight: number; flags: number }[] | undefined;
  message: RouteMessage;
}

function hopsOf(hops: NextHop[]): NonNullable<Route['nexthops']> {
  return hops.map((h) => {
    let gw: string | undefined;
    for (const x of h.attrs)
      if (x.type === 'gateway') gw = x.value;
      else if (x.type === 'via') gw = x.value.address;
    return { gateway: gw, oif: h.ifindex, weight: h.hops + 1, flags: h.flags };
  });
}

/**
 * A route read straight from its bytes. The constructor walks the attributes once, checking
 * their bounds and taking the numbers; the text of the addresses is made on first access and
 * `message` (every attribute, kept) is decoded only when asked for. Dumps of many routes spend
 * their time here, and most callers read a few fields of each.
 */
/** What a route without RTA_VIA or RTA_MULTIPATH has of them: one object for all such routes. */
const SIMPLE: { readonly gateway: undefined; readonly nexthops: undefined } = Object.freeze({ gateway: undefined, nexthops: undefined });

class RawRoute implements Route {
  // `declare`: assigned once, in the constructor. A plain field would be defined (undefined) by
  // the class-field initializer first and assigned again: twice the stores for every route of a dump.
  declare readonly family: Family;
  declare readonly dstLen: number;
  declare readonly oif: number | undefined;
  declare readonly metric: number | undefined;
  declare readonly table: number;
  declare readonly protocol: number;
  declare readonly scope: number;
  declare readonly type: number;
  declare readonly flags: number;
  #buf: Buffer;
  #start: number;
  #end: number;
  // Offsets of the address attributes' payloads (-1: absent).
  #dstAt: number;
  #gwAt: number;
  #srcAt: number;
  #dst: string | undefined;
  #message: RouteMessage | undefined;
  #hops: { gateway: string | undefined; nexthops: Route['nexthops'] } | undefined;

  constructor(b: Buffer, start: number, end: number) {
    if (end - start < RTMSG_LEN) throw new DecodeError(start, `route message payload of ${end - start} bytes is shorter than struct rtmsg`);
    this.#buf = b;
    this.#start = start;
    this.#end = end;
    const family = b[start];
    // Address size of the family; other families' addresses (MPLS labels...) come from `message`.
    const alen = family === C.AF_INET6 ? 16 : family === C.AF_INET ? 4 : -1;
    let table = b[start + 4] as number;
    let oif: number | undefined;
    let metric: number | undefined;
    let dstAt = -1;
    let gwAt = -1;
    let srcAt = -1;
    let complex = false;
    const r = new AttrReader(b, start + RTMSG_LEN, end);
    while (r.next()) {
      switch (r.type) {
        case C.RTA_DST:
          dstAt = addrAt(r, alen);
          break;
        case C.RTA_GATEWAY:
          gwAt = addrAt(r, alen);
          break;
        case C.RTA_PREFSRC:
          srcAt = addrAt(r, alen);
          break;
        case C.RTA_OIF:
          oif = r.u32();
          break;
        case C.RTA_PRIORITY:
          metric = r.u32();
          break;
        case C.RTA_TABLE:
          table = r.u32();
          break;
        case C.RTA_VIA:
        case C.RTA_MULTIPATH:
          complex = true;
          break;
      }
    }
    // In declaration order: every route gets the same hidden class.
    this.family = family === C.AF_INET6 ? 6 : 4;
    this.dstLen = b[start + 1] as number;
    this.oif = oif;
    this.metric = metric;
    this.table = table;
    this.protocol = b[start + 5] as number;
    this.scope = b[start + 6] as number;
    this.type = b[start + 7] as number;
    this.flags = u32le(b, start + 8);
    this.#dstAt = dstAt;
    this.#gwAt = gwAt;
    this.#srcAt = srcAt;
    // Gateways of another family and multipath hops: rare, taken from the full decode.
    if (!complex) this.#hops = SIMPLE;
  }

  #ip(at: number): string | undefined {
    if (at < 0) return undefined;
    return this.family === 6 ? formatIPv6(this.#buf, at) : formatIPv4(this.#buf, at);
  }

  get dst(): string {
    if (this.#dst === undefined) {
      const a = this.#ip(this.#dstAt);
      this.#dst = a === undefined ? 'default' : `${a}/${this.dstLen}`;
    }
    return this.#dst;
  }
  get gateway(): string | undefined {
    return this.#gwAt >= 0 ? this.#ip(this.#gwAt) : this.#complex().gateway;
  }
  get prefsrc(): string | undefined {
    return this.#ip(this.#srcAt);
  }
  get nexthops(): Route['nexthops'] {
    return this.#complex().nexthops;
  }

  #complex(): { gateway: string | undefined; nexthops: Route['nexthops'] } {
    if (this.#hops === undefined) {
      const out: { gateway: string | undefined; nexthops: Route['nexthops'] } = { gateway: undefined, nexthops: undefined };
      for (const a of this.message.attrs) {
        if (a.type === 'via') out.gateway = a.value.address;
        else if (a.type === 'multipath') out.nexthops = hopsOf(a.value);
      }
      this.#hops = out;
    }
    return this.#hops;
  }

  /** The whole decoded message, every attribute kept (decoded on first use). */
  get message(): RouteMessage {
    return (this.#message ??= decodeRoute(this.#buf, this.#start, this.#end));
  }

  toJSON(): Route {
    const { family, dst, dstLen, gateway, oif, prefsrc, metric, table, protocol, scope, type, flags, nexthops, message } = this;
    return { family, dst, dstLen, gateway, oif, prefsrc, metric, table, protocol, scope, type, flags, nexthops, message };
  }
}

/** Where an address attribute's payload starts, after checking its size for the family. */
function addrAt(r: AttrReader, alen: number): number {
  if (alen < 0) return -1;
  if (r.len !== alen) throw new DecodeError(r.hdr, `address attribute of ${r.len} bytes in a family of ${alen}-byte addresses`);
  return r.at;
}

/** Decodes a route message's payload into a Route. */
export const routeFromBytes = (b: Buffer, start: number, end: number): Route => new RawRoute(b, start, end);
const decodeRouteMsg = (m: RawMessage): Route => new RawRoute(m.buf, m.start, m.end);

/** A RouteSpec with every link already an index, checked and ready to encode. */
interface Resolved {
  family: Family;
  dst: Prefix | undefined;
  gateway: Addr | undefined;
  oif: number | undefined;
  src: Addr | undefined;
  metric: number | undefined;
  table: number;
  scope: number;
  type: number;
  protocol: number;
  mtu: number | undefined;
  onlink: boolean;
  nexthops: { gateway: Addr | undefined; oif: number | undefined; weight: number; onlink: boolean }[] | undefined;
}

const indexOnly = (field: string, ref: LinkRef | undefined): number | undefined => {
  if (ref === undefined) return undefined;
  if (typeof ref !== 'number') throw new ValidationError(field, ref, 'must be a link index here (use routeAdd to resolve names)');
  return checkInt(field, ref, 1, 0x7fffffff);
};

const ANY_FAMILY = {};

function resolve(spec: RouteSpec, forDelete: boolean): Resolved {
  if (typeof spec !== 'object' || spec === null) throw new ValidationError('route', spec, 'must be an object');
  let family: Family | undefined = spec.family;
  if (family !== undefined && family !== 4 && family !== 6) throw new ValidationError('route.family', family, 'must be 4 or 6');
  let dst: Resolved['dst'];
  if (spec.dst !== 'default') {
    const p = checkPrefix('route.dst', spec.dst, family === undefined ? ANY_FAMILY : { family });
    family = p.family;
    const net = networkOf(p);
    if (net !== p) throw new ValidationError('route.dst', spec.dst, `has host bits set; the network is ${net.address}/${p.prefixlen}`);
    dst = p;
  }
  const gw = spec.gateway === undefined ? undefined : checkAddress('route.gateway', spec.gateway, family);
  family ??= gw?.family;
  const nexthops = spec.nexthops?.map((h, i) => {
    const g = h.gateway === undefined ? undefined : checkAddress(`route.nexthops[${i}].gateway`, h.gateway, family);
    family ??= g?.family;
    return {
      gateway: g,
      oif: indexOnly(`route.nexthops[${i}].dev`, h.dev),
      weight: h.weight === undefined ? 1 : checkInt(`route.nexthops[${i}].weight`, h.weight, 1, 256),
      onlink: h.onlink ?? false,
    };
  });
  if (nexthops && (spec.gateway !== undefined || spec.dev !== undefined))
    throw new ValidationError('route.nexthops', spec.nexthops, 'cannot be combined with gateway or dev');
  if (nexthops && nexthops.length === 0) throw new ValidationError('route.nexthops', spec.nexthops, 'must list at least one next hop');
  family ??= 4;
  const src = spec.src === undefined ? undefined : checkAddress('route.src', spec.src, family);
  const typeName = spec.type ?? 'unicast';
  const type = ROUTE_TYPES.indexOf(typeName);
  if (type <= 0) throw new ValidationError('route.type', spec.type, `must be one of ${ROUTE_TYPES.slice(1, 11).join(', ')}`);
  const table = spec.table === undefined ? C.RT_TABLE_MAIN : checkInt('route.table', spec.table, 1, 0xffffffff);
  const protocol =
    typeof spec.protocol === 'number'
      ? checkInt('route.protocol', spec.protocol, 0, 255)
      : spec.protocol === undefined
        ? forDelete
          ? 0
          : C.RTPROT_BOOT
        : (ROUTE_PROTOCOLS[spec.protocol] ?? -1);
  if (protocol < 0) throw new ValidationError('route.protocol', spec.protocol, `must be a number or one of ${Object.keys(ROUTE_PROTOCOLS).join(', ')}`);
  const oif = indexOnly('route.dev', spec.dev);
  const special = type !== C.RTN_UNICAST;
  // Scope as iproute2 picks it: host for local routes, link for a directly connected unicast route.
  let scope: number;
  if (typeof spec.scope === 'number') scope = checkInt('route.scope', spec.scope, 0, 255);
  else if (spec.scope !== undefined) {
    const s = ROUTE_SCOPES[spec.scope];
    if (s === undefined) throw new ValidationError('route.scope', spec.scope, `must be a number or one of ${Object.keys(ROUTE_SCOPES).join(', ')}`);
    scope = s;
  } else if (forDelete) scope = C.RT_SCOPE_NOWHERE;
  else if (type === C.RTN_LOCAL) scope = C.RT_SCOPE_HOST;
  else if (!special && gw === undefined && !nexthops) scope = C.RT_SCOPE_LINK;
  else scope = C.RT_SCOPE_UNIVERSE;
  if (!forDelete && !special && gw === undefined && oif === undefined && !nexthops) {
    throw new ValidationError('route', spec.dst, 'a unicast route needs a gateway, a dev or nexthops');
  }
  const mtu = spec.mtu === undefined ? undefined : checkInt('route.mtu', spec.mtu, 68, 65536);
  const metric = spec.metric === undefined ? undefined : checkInt('route.metric', spec.metric, 0, 0xffffffff);
  return { family, dst, gateway: gw, oif, src, metric, table, scope, type, protocol, mtu, onlink: spec.onlink ?? false, nexthops };
}

function writeRoute(w: Writer, r: Resolved, forDelete: boolean): void {
  const af = r.family === 4 ? C.AF_INET : C.AF_INET6;
  w.u8(af)
    .u8(r.dst?.prefixlen ?? 0)
    .u8(0)
    .u8(0)
    .u8(r.table < 256 ? r.table : C.RT_TABLE_UNSPEC)
    .u8(r.protocol)
    .u8(r.scope)
    .u8(forDelete && r.type === C.RTN_UNICAST ? C.RTN_UNICAST : r.type)
    .u32(r.onlink ? C.RTNH_F_ONLINK : 0);
  if (r.table >= 256) w.attrU32(C.RTA_TABLE, r.table);
  if (r.dst) writeAddrAttr(w, C.RTA_DST, r.dst);
  if (r.metric !== undefined) w.attrU32(C.RTA_PRIORITY, r.metric);
  if (r.src !== undefined) writeAddrAttr(w, C.RTA_PREFSRC, r.src);
  if (r.gateway !== undefined) writeAddrAttr(w, C.RTA_GATEWAY, r.gateway);
  if (r.oif !== undefined) w.attrU32(C.RTA_OIF, r.oif);
  if (r.mtu !== undefined) {
    const m = w.beginNest(C.RTA_METRICS);
    w.attrU32(C.RTAX_MTU, r.mtu);
    w.endAttr(m);
  }
  if (r.nexthops) {
    const mp = w.beginAttr(C.RTA_MULTIPATH);
    for (const h of r.nexthops) {
      const at = w.length;
      w.u16(0)
        .u8(h.onlink ? C.RTNH_F_ONLINK : 0)
        .u8(h.weight - 1)
        .i32(h.oif ?? 0);
      if (h.gateway !== undefined) writeAddrAttr(w, C.RTA_GATEWAY, h.gateway);
      w.setU16(at, w.length - at);
    }
    w.endAttr(mp);
  }
}

type RouteOp = 'routeAdd' | 'routeReplace' | 'routeAppend' | 'routeDel';
const OP_FLAGS: Record<RouteOp, number> = {
  routeAdd: C.NLM_F_CREATE | C.NLM_F_EXCL,
  routeReplace: C.NLM_F_CREATE | C.NLM_F_REPLACE,
  routeAppend: C.NLM_F_CREATE | C.NLM_F_APPEND,
  routeDel: 0,
};

/** Builds a route request; `dev` and next-hop devs must be indexes (see routeAdd for names). */
export function routeRequest(op: RouteOp, spec: RouteSpec, devName?: string): Request {
  return new RouteRequest(op, resolve(spec, op === 'routeDel'), spec.dst, devName);
}

// A class rather than an object with a closure: bulk work builds tens of thousands of these,
// and the words for an error message are only needed when one fails.
class RouteRequest implements Request {
  readonly type: number;
  readonly flags: number;
  #op: RouteOp;
  #r: Resolved;
  #dst: string;
  #dev: string | undefined;

  constructor(op: RouteOp, r: Resolved, dst: string, dev: string | undefined) {
    this.type = op === 'routeDel' ? C.RTM_DELROUTE : C.RTM_NEWROUTE;
    this.flags = OP_FLAGS[op];
    this.#op = op;
    this.#r = r;
    this.#dst = dst;
    this.#dev = dev;
  }

  get what(): string {
    const r = this.#r;
    const via = r.gateway !== undefined ? ` via ${r.gateway.address}` : '';
    const dev = r.oif !== undefined ? ` dev ${this.#dev ?? `#${r.oif}`}` : '';
    const table = r.table !== C.RT_TABLE_MAIN ? ` table ${r.table}` : '';
    const type = r.type !== C.RTN_UNICAST ? `${ROUTE_TYPES[r.type]} ` : '';
    return `${this.#op} ${type}${this.#dst}${via}${dev}${table}`;
  }

  body(w: Writer): void {
    writeRoute(w, this.#r, this.#op === 'routeDel');
  }
}

async function withIndexes(c: RtnlClient, spec: RouteSpec): Promise<RouteSpec> {
  const out: RouteSpec = { ...spec };
  if (spec.dev !== undefined) out.dev = await linkIndex(c, spec.dev);
  if (spec.nexthops) out.nexthops = await Promise.all(spec.nexthops.map(async (h) => (h.dev === undefined ? h : { ...h, dev: await linkIndex(c, h.dev) })));
  return out;
}

async function run(c: RtnlClient, op: RouteOp, spec: RouteSpec): Promise<void> {
  resolve(
    { ...spec, dev: spec.dev === undefined ? undefined : 1, nexthops: spec.nexthops?.map((h) => ({ ...h, dev: h.dev === undefined ? undefined : 1 })) },
    op === 'routeDel',
  ); // validate before any lookup (index 1 stands in for a named dev)
  await c.request(routeRequest(op, await withIndexes(c, spec), typeof spec.dev === 'string' ? spec.dev : undefined), () => undefined);
}

/** Adds a route; EEXIST when the same route exists. */
export const routeAdd = (c: RtnlClient, spec: RouteSpec): Promise<void> => run(c, 'routeAdd', spec);
/** Adds or replaces a route (idempotent). */
export const routeReplace = (c: RtnlClient, spec: RouteSpec): Promise<void> => run(c, 'routeReplace', spec);
/** Adds a route after existing ones with the same key (IPv6 multipath growth, ECMP). */
export const routeAppend = (c: RtnlClient, spec: RouteSpec): Promise<void> => run(c, 'routeAppend', spec);
/** Deletes the route best matching the spec. */
export const routeDel = (c: RtnlClient, spec: RouteSpec): Promise<void> => run(c, 'routeDel', spec);

export interface RouteListFilter {
  family?: Family;
  /** Table id (default main); 'all' for every table. */
  table?: number | 'all';
  /** Only routes through this link (the kernel filters). */
  dev?: LinkRef;
  protocol?: number;
  type?: RouteType;
}

/**
 * Lists routes. The kernel filters by table, output link, protocol and type (strict checking),
 * so nothing outside the filter is decoded.
 */
export async function routeList(c: RtnlClient, filter: RouteListFilter = {}): Promise<Route[]> {
  if (filter.family !== undefined && filter.family !== 4 && filter.family !== 6) throw new ValidationError('family', filter.family, 'must be 4 or 6');
  const table = filter.table === 'all' ? 0 : filter.table === undefined ? C.RT_TABLE_MAIN : checkInt('table', filter.table, 1, 0xffffffff);
  const type = filter.type === undefined ? 0 : ROUTE_TYPES.indexOf(filter.type);
  if (type < 0) throw new ValidationError('type', filter.type, 'is not a route type');
  const protocol = filter.protocol === undefined ? 0 : checkInt('protocol', filter.protocol, 0, 255);
  const oif = filter.dev === undefined ? undefined : await linkIndex(c, filter.dev);
  const family = filter.family === 4 ? C.AF_INET : filter.family === 6 ? C.AF_INET6 : C.AF_UNSPEC;
  const dump = c.dump(
    {
      type: C.RTM_GETROUTE,
      what: 'routeList',
      body: (w) => {
        w.u8(family)
          .u8(0)
          .u8(0)
          .u8(0)
          .u8(table < 256 ? table : C.RT_TABLE_UNSPEC)
          .u8(protocol)
          .u8(0)
          .u8(type)
          .u32(0);
        if (table >= 256 || table !== 0) w.attrU32(C.RTA_TABLE, table);
        if (oif !== undefined) w.attrU32(C.RTA_OIF, oif);
      },
    },
    decodeRouteMsg,
    { retries: 2 },
  );
  // A table that was never used does not exist yet: the kernel answers ENOENT where the
  // honest answer is "no routes".
  return table === 0
    ? dump
    : dump.catch((e: unknown) => {
        if (e instanceof NetlinkError && e.code === 'ENOENT') return [];
        throw e;
      });
}

export type { RouteAttr };

// ---- look up ----------------------------------------------------------------------------------

/** What `ip route get` asks: the route the kernel would use for a packet. */
export interface RouteQuery {
  /** The destination address ("/32" or "/128" accepted, as ip accepts it). */
  to: string;
  /** Source address or prefix (RTA_SRC): the route as seen by a packet from there. */
  from?: string;
  /** Input interface (RTA_IIF): the route of a packet arriving there (needs `from`). */
  iif?: LinkRef;
  /** Output interface (RTA_OIF). */
  oif?: LinkRef;
  /** Firewall mark (RTA_MARK). */
  mark?: number;
  /** User id (RTA_UID), for uid-based rules. */
  uid?: number;
  /** The matching FIB entry instead of the resolved route (RTM_F_FIB_MATCH). */
  fibMatch?: boolean;
}

function checkQuery(
  q: RouteQuery,
  iifIndex: number | undefined,
  oifIndex: number | undefined,
): {
  to: Prefix;
  from: Prefix | undefined;
  iif: number | undefined;
  oif: number | undefined;
  mark: number | undefined;
  uid: number | undefined;
} {
  if (typeof q !== 'object' || q === null) throw new ValidationError('query', q, 'must be an object');
  const to = checkPrefix('query.to', q.to);
  const full = to.family === 4 ? 32 : 128;
  if (to.prefixlen !== full) throw new ValidationError('query.to', q.to, `must be one address (/${full} or none)`);
  const from = q.from === undefined ? undefined : checkPrefix('query.from', q.from, { family: to.family });
  const mark = q.mark === undefined ? undefined : checkInt('query.mark', q.mark, 0, 0xffffffff);
  const uid = q.uid === undefined ? undefined : checkInt('query.uid', q.uid, 0, 0xffffffff);
  return { to, from, iif: iifIndex, oif: oifIndex, mark, uid };
}

/**
 * RTM_GETROUTE for one destination (no dump): the kernel answers with the route it would
 * use, as `ip route get` shows it. `iif` and `oif` must be indexes here (routeGet resolves names).
 */
export function routeGetRequest(q: RouteQuery): Request {
  const r = checkQuery(q, indexOnly('query.iif', q.iif), indexOnly('query.oif', q.oif));
  const what = `routeGet ${r.to.address}${r.from ? ` from ${q.from}` : ''}${r.iif !== undefined ? ` iif #${r.iif}` : ''}${r.oif !== undefined ? ` oif #${r.oif}` : ''}`;
  return {
    type: C.RTM_GETROUTE,
    what,
    body: (w) => {
      // As ip: IPv4 asks for the table of the route too (RTM_F_LOOKUP_TABLE, IPv4 only).
      const flags = (r.to.family === 4 ? C.RTM_F_LOOKUP_TABLE : 0) | (q.fibMatch ? C.RTM_F_FIB_MATCH : 0);
      w.u8(r.to.family === 4 ? C.AF_INET : C.AF_INET6)
        .u8(r.to.prefixlen)
        .u8(r.from?.prefixlen ?? 0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u32(flags);
      // In iproute2's order (for `ip route get DST from SRC uid U iif I oif O mark M`).
      writeAddrAttr(w, C.RTA_DST, r.to);
      if (r.from) writeAddrAttr(w, C.RTA_SRC, r.from);
      if (r.uid !== undefined) w.attrU32(C.RTA_UID, r.uid);
      if (r.iif !== undefined) w.attrU32(C.RTA_IIF, r.iif);
      if (r.oif !== undefined) w.attrU32(C.RTA_OIF, r.oif);
      if (r.mark !== undefined && r.mark !== 0) w.attrU32(C.RTA_MARK, r.mark);
    },
  };
}

/** The route the kernel would use for `q` (RTM_F_CLONED, with RTA_UID, RTA_CACHEINFO... in `message`). */
export async function routeGet(c: RtnlClient, q: RouteQuery): Promise<Route> {
  checkQuery(q, undefined, undefined);
  const iif = q.iif === undefined ? undefined : await linkIndex(c, q.iif);
  const oif = q.oif === undefined ? undefined : await linkIndex(c, q.oif);
  const [r] = await c.request(routeGetRequest({ ...q, iif, oif }), decodeRouteMsg);
  if (!r) throw new Error(`routeGet ${q.to}: the kernel sent no route`);
  return r;
}
