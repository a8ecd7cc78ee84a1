import * as C from '../constants/index.js';
import { DecodeError } from '../wire/errors.js';
import type { Writer } from '../wire/writer.js';
import {
  schema,
  decodeAttrs,
  encodeAttrs,
  nested,
  binary,
  ip,
  u8,
  u16,
  u16be,
  u32,
  parseIP,
  formatIPv4,
  formatIPv6,
  type AttrOf,
  type Codec,
} from '../wire/attrs.js';

// RTM_NEWROUTE / DELROUTE / GETROUTE: struct rtmsg (linux/rtnetlink.h) + RTA_* attributes.

const RTMSG_LEN = C.RTMSG_LEN;
const RTNH_LEN = 8; // sizeof(struct rtnexthop)

/** struct rtmsg */
export interface RtMsg {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  /** RT_TABLE_* (8 bits; RTA_TABLE carries the full id) */
  table: number;
  /** RTPROT_* */
  protocol: number;
  /** RT_SCOPE_* */
  scope: number;
  /** RTN_* */
  type: number;
  /** RTM_F_* */
  flags: number;
}

export interface RouteMessage extends RtMsg {
  attrs: RouteAttr[];
}

/** One hop of RTA_MULTIPATH: struct rtnexthop + its own RTA_* attributes. */
export interface NextHop {
  /** RTNH_F_* */
  flags: number;
  /** weight - 1 */
  hops: number;
  ifindex: number;
  attrs: RouteAttr[];
}

/** RTA_VIA: struct rtvia, a gateway of another family. */
export interface Via {
  family: number;
  address: string;
}

const via: Codec<Via> = {
  decode: (b, off, len) => {
    if (len < 2) return undefined;
    const family = b.readUInt16LE(off);
    const n = len - 2;
    if (n === 4) return { family, address: formatIPv4(b, off + 2) };
    if (n === 16) return { family, address: formatIPv6(b, off + 2) };
    return undefined;
  },
  encode: (w, v) => void w.u16(v.family).bytes(parseIP(v.address)),
};

// A hop's attributes may hold RTA_MULTIPATH again: bound the recursion so a hostile message
// fails with DecodeError rather than overflowing the stack (RangeError).
const MAX_MULTIPATH_NESTING = 8;
let multipathDepth = 0;
const multipath: Codec<NextHop[]> = {
  decode: (b, off, len) => {
    if (multipathDepth >= MAX_MULTIPATH_NESTING) throw new DecodeError(off, `RTA_MULTIPATH nested more than ${MAX_MULTIPATH_NESTING} deep`);
    multipathDepth++;
    try {
      return decodeHops(b, off, len);
    } finally {
      multipathDepth--;
    }
  },
  encode: (w, hops) => {
    for (const h of hops) {
      const at = w.length;
      w.u16(0).u8(h.flags).u8(h.hops).i32(h.ifindex);
      encodeAttrs(routeSchema, w, h.attrs);
      w.setU16(at, w.length - at);
      w.align();
    }
  },
};

function decodeHops(b: Buffer, off: number, len: number): NextHop[] {
  const out: NextHop[] = [];
  const end = off + len;
  let p = off;
  while (p < end) {
    if (end - p < RTNH_LEN) throw new DecodeError(p, `${end - p} bytes left, too short for struct rtnexthop`);
    const hlen = b.readUInt16LE(p);
    if (hlen < RTNH_LEN || p + hlen > end) throw new DecodeError(p, `rtnexthop length ${hlen} is invalid (${end - p} bytes left)`);
    out.push({
      flags: b[p + 2] as number,
      hops: b[p + 3] as number,
      ifindex: b.readInt32LE(p + 4),
      attrs: decodeAttrs(routeSchema, b, p + RTNH_LEN, p + hlen),
    });
    p += (hlen + 3) & ~3;
  }
  return out;
}

// RTAX_* values inside RTA_METRICS are u32 (linux/rtnetlink.h); kept attribute by attribute.
const metricsSchema = schema([
  [C.RTAX_LOCK, 'lock', u32],
  [C.RTAX_MTU, 'mtu', u32],
  [C.RTAX_WINDOW, 'window', u32],
  [C.RTAX_RTT, 'rtt', u32],
  [C.RTAX_RTTVAR, 'rttvar', u32],
  [C.RTAX_SSTHRESH, 'ssthresh', u32],
  [C.RTAX_CWND, 'cwnd', u32],
  [C.RTAX_ADVMSS, 'advmss', u32],
  [C.RTAX_REORDERING, 'reordering', u32],
  [C.RTAX_HOPLIMIT, 'hoplimit', u32],
  [C.RTAX_INITCWND, 'initcwnd', u32],
  [C.RTAX_FEATURES, 'features', u32],
  [C.RTAX_RTO_MIN, 'rtoMin', u32],
  [C.RTAX_INITRWND, 'initrwnd', u32],
  [C.RTAX_QUICKACK, 'quickack', u32],
  [C.RTAX_CC_ALGO, 'ccAlgo', binary],
  [C.RTAX_FASTOPEN_NO_COOKIE, 'fastopenNoCookie', u32],
] as const);
export type MetricAttr = AttrOf<typeof metricsSchema.specs>;

export const routeSchema = schema([
  [C.RTA_DST, 'dst', ip],
  [C.RTA_SRC, 'src', ip],
  [C.RTA_IIF, 'iif', u32],
  [C.RTA_OIF, 'oif', u32],
  [C.RTA_GATEWAY, 'gateway', ip],
  [C.RTA_PRIORITY, 'priority', u32],
  [C.RTA_PREFSRC, 'prefsrc', ip],
  [C.RTA_METRICS, 'metrics', nested(metricsSchema)],
  [C.RTA_MULTIPATH, 'multipath', multipath],
  [C.RTA_FLOW, 'flow', u32],
  [C.RTA_CACHEINFO, 'cacheinfo', binary],
  [C.RTA_TABLE, 'table', u32],
  [C.RTA_MARK, 'mark', u32],
  [C.RTA_MFC_STATS, 'mfcStats', binary],
  [C.RTA_VIA, 'via', via],
  [C.RTA_NEWDST, 'newdst', binary],
  [C.RTA_PREF, 'pref', u8],
  [C.RTA_ENCAP_TYPE, 'encapType', u16],
  [C.RTA_ENCAP, 'encap', binary],
  [C.RTA_EXPIRES, 'expires', binary],
  [C.RTA_UID, 'uid', u32],
  [C.RTA_TTL_PROPAGATE, 'ttlPropagate', u8],
  [C.RTA_IP_PROTO, 'ipProto', u8],
  [C.RTA_SPORT, 'sport', u16be],
  [C.RTA_DPORT, 'dport', u16be],
  [C.RTA_NH_ID, 'nhId', u32],
] as const);

export type RouteAttr = AttrOf<typeof routeSchema.specs>;

export function decodeRoute(b: Buffer, start: number, end: number): RouteMessage {
  if (end - start < RTMSG_LEN) throw new DecodeError(start, `route message payload of ${end - start} bytes is shorter than struct rtmsg`);
  return {
    family: b[start] as number,
    dstLen: b[start + 1] as number,
    srcLen: b[start + 2] as number,
    tos: b[start + 3] as number,
    table: b[start + 4] as number,
    protocol: b[start + 5] as number,
    scope: b[start + 6] as number,
    type: b[start + 7] as number,
    flags: b.readUInt32LE(start + 8),
    attrs: decodeAttrs(routeSchema, b, start + RTMSG_LEN, end),
  };
}

export function encodeRoute(w: Writer, m: RouteMessage): void {
  w.u8(m.family).u8(m.dstLen).u8(m.srcLen).u8(m.tos).u8(m.table).u8(m.protocol).u8(m.scope).u8(m.type).u32(m.flags);
  encodeAttrs(routeSchema, w, m.attrs);
}
