import * as C from '../constants/index.js';
import type { RawMessage } from '../wire/header.js';
import { decodeRoute, type NextHop, type RouteMessage } from '../messages/route.js';
import { DecodeError } from '../wire/errors.js';
import { AttrReader, u32le } from '../wire/reader.js';
import { formatIPv4, formatIPv6 } from '../wire/attrs.js';
import type { Family } from '../validate.js';
import { jsonSafe } from './json.js';

// A route as dumps and events deliver it: read lazily from its bytes (route.ts has the
// operations that make, change and list routes).

const RTMSG_LEN = C.RTMSG_LEN;

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

  /** The fields, 64-bit attribute values as JSON numbers or strings (json.ts). */
  toJSON(): Omit<Route, 'message'> & { message: unknown } {
    const { family, dst, dstLen, gateway, oif, prefsrc, metric, table, protocol, scope, type, flags, nexthops, message } = this;
    return { family, dst, dstLen, gateway, oif, prefsrc, metric, table, protocol, scope, type, flags, nexthops, message: jsonSafe(message) };
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
export const decodeRouteMsg = (m: RawMessage): Route => new RawRoute(m.buf, m.start, m.end);
