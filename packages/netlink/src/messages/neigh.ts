import * as C from '../constants/index.js';
import { DecodeError } from '../wire/errors.js';
import type { Writer } from '../wire/writer.js';
import { schema, decodeAttrs, encodeAttrs, nested, ip, mac, u8, u16, u16be, u32, s32, structU32, type AttrOf } from '../wire/attrs.js';

// RTM_NEWNEIGH / DELNEIGH / GETNEIGH: struct ndmsg (linux/neighbour.h) + NDA_* attributes.

const NDMSG_LEN = C.NDMSG_LEN;

/** struct ndmsg */
export interface NdMsg {
  family: number;
  index: number;
  /** NUD_* */
  state: number;
  /** NTF_* */
  flags: number;
  /** RTN_* */
  type: number;
}

export interface NeighMessage extends NdMsg {
  attrs: NeighAttr[];
}

export const neighSchema = schema([
  [C.NDA_DST, 'dst', ip],
  [C.NDA_LLADDR, 'lladdr', mac],
  [C.NDA_CACHEINFO, 'cacheinfo', structU32(['confirmed', 'used', 'updated', 'refcnt'] as const)],
  [C.NDA_PROBES, 'probes', u32],
  [C.NDA_VLAN, 'vlan', u16],
  [C.NDA_PORT, 'port', u16be],
  [C.NDA_VNI, 'vni', u32],
  [C.NDA_IFINDEX, 'ifindex', u32],
  [C.NDA_MASTER, 'master', u32],
  [C.NDA_LINK_NETNSID, 'linkNetnsid', s32],
  [C.NDA_SRC_VNI, 'srcVni', u32],
  [C.NDA_PROTOCOL, 'protocol', u8],
  [C.NDA_NH_ID, 'nhId', u32],
  [C.NDA_FDB_EXT_ATTRS, 'fdbExtAttrs', nested(schema([] as const))],
  [C.NDA_FLAGS_EXT, 'flagsExt', u32],
  [C.NDA_NDM_STATE_MASK, 'ndmStateMask', u16],
  [C.NDA_NDM_FLAGS_MASK, 'ndmFlagsMask', u8],
] as const);

export type NeighAttr = AttrOf<typeof neighSchema.specs>;

export function decodeNeigh(b: Buffer, start: number, end: number): NeighMessage {
  if (end - start < NDMSG_LEN) throw new DecodeError(start, `neighbour message payload of ${end - start} bytes is shorter than struct ndmsg`);
  return {
    family: b[start] as number,
    index: b.readInt32LE(start + 4),
    state: b.readUInt16LE(start + 8),
    flags: b[start + 10] as number,
    type: b[start + 11] as number,
    attrs: decodeAttrs(neighSchema, b, start + NDMSG_LEN, end),
  };
}

export function encodeNeigh(w: Writer, m: NeighMessage): void {
  w.u8(m.family).u8(0).u16(0).i32(m.index).u16(m.state).u8(m.flags).u8(m.type);
  encodeAttrs(neighSchema, w, m.attrs);
}
