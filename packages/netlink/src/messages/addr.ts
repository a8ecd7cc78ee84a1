import * as C from '../constants/index.js';
import { DecodeError } from '../wire/errors.js';
import type { Writer } from '../wire/writer.js';
import { schema, decodeAttrs, encodeAttrs, ip, string, u8, u32, s32, structU32, type AttrOf } from '../wire/attrs.js';

// RTM_NEWADDR / DELADDR / GETADDR: struct ifaddrmsg (linux/if_addr.h) + IFA_* attributes.

const IFADDRMSG_LEN = C.IFADDRMSG_LEN;

/** struct ifaddrmsg */
export interface IfAddrMsg {
  family: number;
  prefixlen: number;
  /** IFA_F_* (low 8 bits; the full set is in IFA_FLAGS) */
  flags: number;
  /** RT_SCOPE_* */
  scope: number;
  index: number;
}

export interface AddrMessage extends IfAddrMsg {
  attrs: AddrAttr[];
}

export const addrSchema = schema([
  [C.IFA_ADDRESS, 'address', ip],
  [C.IFA_LOCAL, 'local', ip],
  [C.IFA_LABEL, 'label', string],
  [C.IFA_BROADCAST, 'broadcast', ip],
  [C.IFA_ANYCAST, 'anycast', ip],
  [C.IFA_CACHEINFO, 'cacheinfo', structU32(['preferred', 'valid', 'cstamp', 'tstamp'] as const)],
  [C.IFA_MULTICAST, 'multicast', ip],
  [C.IFA_FLAGS, 'flags', u32],
  [C.IFA_RT_PRIORITY, 'rtPriority', u32],
  [C.IFA_TARGET_NETNSID, 'targetNetnsid', s32],
  [C.IFA_PROTO, 'proto', u8],
] as const);

export type AddrAttr = AttrOf<typeof addrSchema.specs>;

export function decodeAddr(b: Buffer, start: number, end: number): AddrMessage {
  if (end - start < IFADDRMSG_LEN) throw new DecodeError(start, `address message payload of ${end - start} bytes is shorter than struct ifaddrmsg`);
  return {
    family: b[start] as number,
    prefixlen: b[start + 1] as number,
    flags: b[start + 2] as number,
    scope: b[start + 3] as number,
    index: b.readUInt32LE(start + 4),
    attrs: decodeAttrs(addrSchema, b, start + IFADDRMSG_LEN, end),
  };
}

export function encodeAddr(w: Writer, m: AddrMessage): void {
  w.u8(m.family).u8(m.prefixlen).u8(m.flags).u8(m.scope).u32(m.index);
  encodeAttrs(addrSchema, w, m.attrs);
}
