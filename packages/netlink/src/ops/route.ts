import * as C from '../constants/index.js';
import { Writer } from '../wire/writer.js';
import type { RtnlRequest, RtnlClient } from '../client.js';
import { NetlinkError, ValidationError } from '../errors.js';

import {
  checkAddress,
  checkBinaryPrefix,
  checkInt,
  checkPrefix,
  type Addr,
  type BinaryPrefix,
  type Family,
  type WirePrefix,
  writeAddrAttr,
} from '../validate.js';
import { wireText } from '../addr-text.js';
import { linkIndex } from './link.js';
import { decodeRouteMsg, type Route } from './route-view.js';
import { indexOnly } from './index-only.js';
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
  /**
   * "default", "10.0.0.0/8", "2001:db8::/32" or a bare address (a host route); or, for bulk work
   * that computes its addresses, the numbers (`{ address: 0xc6120001, prefixlen: 32 }`, see
   * BinaryPrefix): nothing to format or parse per route.
   */
  dst: string | BinaryPrefix;
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

type NextHop = { gateway: Addr | undefined; oif: number | undefined; weight: number; onlink: boolean };

type RouteOp = 'routeAdd' | 'routeReplace' | 'routeAppend' | 'routeDel';
const OP_FLAGS: Record<RouteOp, number> = {
  routeAdd: C.NLM_F_CREATE | C.NLM_F_EXCL,
  routeReplace: C.NLM_F_CREATE | C.NLM_F_REPLACE,
  routeAppend: C.NLM_F_CREATE | C.NLM_F_APPEND,
  routeDel: 0,
};

// checkPrefix's options for a destination, made once (bulk work checks tens of thousands).
const ANY_FAMILY = { network: true } as const;
const FAMILY_4 = { family: 4, network: true } as const;
const FAMILY_6 = { family: 6, network: true } as const;

/** A route's destination, checked (undefined for "default"), of `family` when one is given. */
function checkDst(v: string | BinaryPrefix, family: Family | undefined): WirePrefix | undefined {
  if (typeof v === 'object' && v !== null) return checkBinaryPrefix('route.dst', v, family);
  if (v === 'default') return undefined;
  return checkPrefix('route.dst', v, family === undefined ? ANY_FAMILY : family === 4 ? FAMILY_4 : FAMILY_6);
}

/** A destination given as a bare number: the u32 of an IPv4 address, a host route. */
const asDst = (d: string | number | BinaryPrefix): string | BinaryPrefix => (typeof d === 'number' ? { address: d } : d);

const dstText = (dst: WirePrefix | undefined): string => (dst === undefined ? 'default' : `${wireText(dst)}/${dst.prefixlen}`);

/**
 * A route request: the RouteSpec checked, its links already indexes, ready to encode. One object
 * per request, built by the constructor and read by `body`: bulk work builds tens of thousands
 * of these, and the words for an error message are only needed when one fails. The fields are
 * `declare`d: set by the constructor's assignments only, not defined first by a class field
 * initializer (a define per field per object: ~8% of building 10,000 cold route requests); and
 * none is private (#), whose definition costs the same and whose reads are slower while the code
 * is cold (routeRequests' requests with one private field: W3 ~5 ms slower at R=10,000).
 */
class RouteRequest implements RtnlRequest {
  declare readonly type: number;
  declare readonly flags: number;
  declare readonly op: RouteOp;
  declare readonly family: Family;
  declare readonly dst: WirePrefix | undefined;
  declare readonly gateway: Addr | undefined;
  declare readonly oif: number | undefined;
  declare readonly src: Addr | undefined;
  declare readonly metric: number | undefined;
  declare readonly table: number;
  declare readonly scope: number;
  /** RTN_* */
  declare readonly rtype: number;
  declare readonly protocol: number;
  declare readonly mtu: number | undefined;
  declare readonly onlink: boolean;
  declare readonly nexthops: NextHop[] | undefined;
  /** `spec.dst` as given when text, and the link's name when known: the words of `what`. */
  declare readonly dstAsGiven: string | undefined;
  declare readonly devName: string | undefined;

  constructor(op: RouteOp, spec: RouteSpec, dev: string | undefined) {
    if (typeof spec !== 'object' || spec === null) throw new ValidationError('route', spec, 'must be an object');
    const forDelete = op === 'routeDel';
    let family: Family | undefined = spec.family;
    if (family !== undefined && family !== 4 && family !== 6) throw new ValidationError('route.family', family, 'must be 4 or 6');
    const dst = checkDst(spec.dst, family);
    family ??= dst?.family;
    const gw = spec.gateway === undefined ? undefined : checkAddress('route.gateway', spec.gateway, family);
    family ??= gw?.family;
    let nexthops: NextHop[] | undefined;
    if (spec.nexthops !== undefined) {
      nexthops = spec.nexthops.map((h, i) => {
        const g = h.gateway === undefined ? undefined : checkAddress(`route.nexthops[${i}].gateway`, h.gateway, family);
        family ??= g?.family;
        return {
          gateway: g,
          oif: indexOnly(`route.nexthops[${i}].dev`, h.dev),
          weight: h.weight === undefined ? 1 : checkInt(`route.nexthops[${i}].weight`, h.weight, 1, 256),
          onlink: h.onlink ?? false,
        };
      });
      if (spec.gateway !== undefined || spec.dev !== undefined)
        throw new ValidationError('route.nexthops', spec.nexthops, 'cannot be combined with gateway or dev');
      if (nexthops.length === 0) throw new ValidationError('route.nexthops', spec.nexthops, 'must list at least one next hop');
    }
    family ??= 4;
    const src = spec.src === undefined ? undefined : checkAddress('route.src', spec.src, family);
    const type = spec.type === undefined ? C.RTN_UNICAST : ROUTE_TYPES.indexOf(spec.type);
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
    this.type = forDelete ? C.RTM_DELROUTE : C.RTM_NEWROUTE;
    this.flags = OP_FLAGS[op];
    this.op = op;
    this.family = family;
    this.dst = dst;
    this.gateway = gw;
    this.oif = oif;
    this.src = src;
    this.metric = metric;
    this.table = table;
    this.scope = scope;
    this.rtype = type;
    this.protocol = protocol;
    this.mtu = mtu;
    this.onlink = spec.onlink ?? false;
    this.nexthops = nexthops;
    this.dstAsGiven = typeof spec.dst === 'string' ? spec.dst : undefined;
    this.devName = dev;
  }

  get what(): string {
    return this.describe(this.dstAsGiven ?? dstText(this.dst));
  }

  /** `what` of this route with the destination `dst` (text): routeRequests' requests say theirs. */
  describe(dst: string): string {
    const via = this.gateway !== undefined ? ` via ${this.gateway.address}` : '';
    const dev = this.oif !== undefined ? ` dev ${this.devName ?? `#${this.oif}`}` : '';
    const table = this.table !== C.RT_TABLE_MAIN ? ` table ${this.table}` : '';
    const type = this.rtype !== C.RTN_UNICAST ? `${ROUTE_TYPES[this.rtype]} ` : '';
    return `${this.op} ${type}${dst}${via}${dev}${table}`;
  }

  body(w: Writer): void {
    this.head(w, this.dst);
    this.tail(w);
  }

  /** struct rtmsg and the attributes up to RTA_DST, for the destination `dst`. */
  head(w: Writer, dst: WirePrefix | undefined): void {
    const forDelete = this.op === 'routeDel';
    const table = this.table;
    // struct rtmsg: family, dst_len, src_len, tos; table, protocol, scope, type; flags.
    w.u8x4(this.family === 4 ? C.AF_INET : C.AF_INET6, dst?.prefixlen ?? 0, 0, 0)
      .u8x4(table < 256 ? table : C.RT_TABLE_UNSPEC, this.protocol, this.scope, forDelete && this.rtype === C.RTN_UNICAST ? C.RTN_UNICAST : this.rtype)
      .u32(this.onlink ? C.RTNH_F_ONLINK : 0);
    if (table >= 256) w.attrU32(C.RTA_TABLE, table);
    if (dst !== undefined) writeAddrAttr(w, C.RTA_DST, dst);
  }

  /** The attributes after RTA_DST: the same whatever the destination. */
  tail(w: Writer): void {
    if (this.metric !== undefined) w.attrU32(C.RTA_PRIORITY, this.metric);
    if (this.src !== undefined) writeAddrAttr(w, C.RTA_PREFSRC, this.src);
    if (this.gateway !== undefined) writeAddrAttr(w, C.RTA_GATEWAY, this.gateway);
    if (this.oif !== undefined) w.attrU32(C.RTA_OIF, this.oif);
    if (this.mtu !== undefined) {
      const m = w.beginNest(C.RTA_METRICS);
      w.attrU32(C.RTAX_MTU, this.mtu);
      w.endAttr(m);
    }
    if (this.nexthops !== undefined) {
      const mp = w.beginAttr(C.RTA_MULTIPATH);
      for (const h of this.nexthops) {
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
}

/** Builds a route request; `dev` and next-hop devs must be indexes (see routeAdd for names). */
export function routeRequest(op: RouteOp, spec: RouteSpec, devName?: string): RtnlRequest {
  return new RouteRequest(op, spec, devName);
}

/**
 * What routeRequests' requests share, encoded once from the first: struct rtmsg (and RTA_TABLE,
 * when the table does not fit rtm_table) as 32-bit words with dst_len 0, and the attributes after
 * RTA_DST as words (attributes are 4-byte aligned). A request then writes words and its RTA_DST:
 * no field of the spec is read again.
 */
interface RouteTemplate {
  first: RouteRequest;
  head: number[];
  tail: number[];
}

function routeTemplate(first: RouteRequest): RouteTemplate {
  const w = new Writer(64);
  first.head(w, undefined);
  const split = w.length >>> 2;
  first.tail(w);
  const bytes = w.view();
  const words: number[] = [];
  for (let at = 0; at < bytes.length; at += 4) words.push(bytes.readUInt32LE(at));
  return { first, head: words.slice(0, split), tail: words.slice(split) };
}

/**
 * One of routeRequests' requests after the first: its own destination (the object itself is the
 * WirePrefix it writes), the rest the template's.
 */
class RouteDstRequest implements RtnlRequest {
  declare readonly type: number;
  declare readonly flags: number;
  declare readonly family: Family;
  declare readonly v4: number;
  declare readonly bytes: Uint8Array;
  declare readonly prefixlen: number;
  /** The destination as given when text ("default": no RTA_DST). */
  declare readonly text: string | undefined;
  /** What it shares with the others (its fields are not private: see RouteRequest). */
  declare readonly template: RouteTemplate;

  constructor(t: RouteTemplate, v4: number, bytes: Uint8Array, prefixlen: number, text: string | undefined) {
    this.type = t.first.type;
    this.flags = t.first.flags;
    this.family = t.first.family;
    this.v4 = v4;
    this.bytes = bytes;
    this.prefixlen = prefixlen;
    this.text = text;
    this.template = t;
  }

  get what(): string {
    return this.template.first.describe(this.text ?? dstText(this as WirePrefix));
  }

  body(w: Writer): void {
    const { head, tail } = this.template;
    // rtm_dst_len is the second byte of the first word.
    w.u32(head[0]! | (this.prefixlen << 8));
    for (let i = 1; i < head.length; i++) w.u32(head[i]!);
    if (this.text !== 'default') writeAddrAttr(w, C.RTA_DST, this as WirePrefix);
    for (let i = 0; i < tail.length; i++) w.u32(tail[i]!);
  }
}

const NO_BYTES = new Uint8Array(0);

/** The request for one more destination; an IPv4 host route given as a number needs no more checks than its range. */
function nextRequest(t: RouteTemplate, d: string | number | BinaryPrefix): RtnlRequest {
  const family = t.first.family;
  if (typeof d === 'number' && d >>> 0 === d && family === 4) return new RouteDstRequest(t, d, NO_BYTES, 32, undefined);
  const dst = checkDst(asDst(d), family);
  const text = typeof d === 'string' ? d : undefined;
  if (dst === undefined) return new RouteDstRequest(t, 0, NO_BYTES, 0, text);
  return dst.family === 4 ? new RouteDstRequest(t, dst.v4, NO_BYTES, dst.prefixlen, text) : new RouteDstRequest(t, 0, dst.bytes, dst.prefixlen, text);
}

/**
 * Requests for routes that differ only in their destination, for bulk work (a table of prefixes
 * through one gateway or link): `spec` is checked once, with the first destination, and each
 * request then costs its destination alone. A destination is text, a BinaryPrefix, or a number:
 * an IPv4 host route (a u32, as BinaryPrefix's address), which makes no object. All are of one
 * family, the first request's ("default" included: the default route of that family); a refused
 * destination ends the sequence there with its ValidationError, and the destinations' iterator is
 * closed (bulk sends the requests read before it, then throws). The bytes are routeRequest's for
 * each full spec with that family.
 */
export function routeRequests(
  op: RouteOp,
  spec: Omit<RouteSpec, 'dst'>,
  dsts: Iterable<string | number | BinaryPrefix>,
  devName?: string,
): IterableIterator<RtnlRequest> {
  if (typeof spec !== 'object' || spec === null) throw new ValidationError('route', spec, 'must be an object');
  // A copy: the requests are made as they are read, and must be of the spec as it was given.
  return new RouteRequests(op, { ...spec }, dsts[Symbol.iterator](), devName);
}

/** routeRequests' iterator: a class, not a generator (a generator's resume costs more than a request, cold). */
class RouteRequests implements IterableIterator<RtnlRequest> {
  readonly #op: RouteOp;
  readonly #spec: Omit<RouteSpec, 'dst'>;
  readonly #dsts: Iterator<string | number | BinaryPrefix>;
  readonly #devName: string | undefined;
  #t: RouteTemplate | undefined;
  /** After the last destination, a refused one, or return() (as a generator ends). */
  #ended = false;

  constructor(op: RouteOp, spec: Omit<RouteSpec, 'dst'>, dsts: Iterator<string | number | BinaryPrefix>, devName: string | undefined) {
    this.#op = op;
    this.#spec = spec;
    this.#dsts = dsts;
    this.#devName = devName;
  }

  next(): IteratorResult<RtnlRequest> {
    if (this.#ended) return { value: undefined, done: true };
    let r: IteratorResult<string | number | BinaryPrefix>;
    try {
      r = this.#dsts.next();
    } catch (e) {
      this.#ended = true; // an iterator that throws is done: nothing to close
      throw e;
    }
    if (r.done === true) {
      this.#ended = true;
      return { value: undefined, done: true };
    }
    const d = r.value;
    try {
      const t = this.#t;
      if (t !== undefined) return { value: nextRequest(t, d), done: false };
      const first = new RouteRequest(this.#op, { ...this.#spec, dst: asDst(d) }, this.#devName);
      this.#t = routeTemplate(first);
      return { value: first, done: false };
    } catch (e) {
      this.return();
      throw e;
    }
  }

  /** Ends the sequence early (a `break` out of for-of, bulk ending on an error): closes the destinations' iterator. */
  return(): IteratorResult<RtnlRequest> {
    if (!this.#ended) {
      this.#ended = true;
      this.#dsts.return?.();
    }
    return { value: undefined, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

async function withIndexes(c: RtnlClient, spec: RouteSpec): Promise<RouteSpec> {
  const out: RouteSpec = { ...spec };
  if (spec.dev !== undefined) out.dev = await linkIndex(c, spec.dev);
  if (spec.nexthops) out.nexthops = await Promise.all(spec.nexthops.map(async (h) => (h.dev === undefined ? h : { ...h, dev: await linkIndex(c, h.dev) })));
  return out;
}

async function run(c: RtnlClient, op: RouteOp, spec: RouteSpec): Promise<void> {
  new RouteRequest(
    op,
    { ...spec, dev: spec.dev === undefined ? undefined : 1, nexthops: spec.nexthops?.map((h) => ({ ...h, dev: h.dev === undefined ? undefined : 1 })) },
    undefined,
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
