import { Buffer } from 'node:buffer';
import { DecodeError } from '../wire/errors.js';
import type { Writer } from '../wire/writer.js';
import { decodeAttrs, encodeAttrs, type AttrOf, type Codec, type Schema, type SpecList } from '../wire/attrs.js';
import { ValidationError } from '../errors.js';
import {
  NFNETLINK_V0,
  NFNL_SUBSYS_NFTABLES,
  NFT_NAME_MAXLEN,
  NFPROTO_ARP,
  NFPROTO_BRIDGE,
  NFPROTO_INET,
  NFPROTO_IPV4,
  NFPROTO_IPV6,
  NFPROTO_NETDEV,
} from './constants.js';

// struct nfgenmsg (linux/netfilter/nfnetlink.h): the fixed header after the nlmsghdr of every
// nfnetlink message: nfgen_family u8, version u8 (NFNETLINK_V0), res_id __be16.
export const NFGENMSG_LEN = 4;

export interface NfGenMsg {
  /** NFPROTO_* (linux/netfilter.h). */
  family: number;
  /** NFNETLINK_V0. */
  version: number;
  /** res_id in host order: the subsystem for a batch header, the low 16 bits of the generation in replies. */
  resId: number;
}

export function writeNfGenMsg(w: Writer, family: number, resId = 0, version = NFNETLINK_V0): void {
  w.u8(family).u8(version).u16be(resId);
}

/** Reads the nfgenmsg at `off` (the start of a message payload). */
export function readNfGenMsg(b: Buffer, off: number, end: number): NfGenMsg {
  if (end - off < NFGENMSG_LEN) throw new DecodeError(off, `${end - off} bytes, too short for struct nfgenmsg`);
  return { family: b[off] as number, version: b[off + 1] as number, resId: b.readUInt16BE(off + 2) };
}

/** nlmsg_type of an nf_tables message: subsystem in the high byte (NFNL_SUBSYS_ID), NFT_MSG_* in the low. */
export function nftType(msg: number): number {
  return (NFNL_SUBSYS_NFTABLES << 8) | msg;
}

/** NFNL_SUBSYS_ID(x) */
export function nfSubsys(type: number): number {
  return (type & 0xff00) >> 8;
}

/** NFNL_MSG_TYPE(x) */
export function nfMsg(type: number): number {
  return type & 0x00ff;
}

// ---- nf_tables families ------------------------------------------------------------------

/** nft's family names for NFPROTO_* (linux/netfilter.h). */
export type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export const NFT_FAMILIES: Readonly<Record<NftFamily, number>> = Object.freeze({
  ip: NFPROTO_IPV4,
  ip6: NFPROTO_IPV6,
  inet: NFPROTO_INET,
  arp: NFPROTO_ARP,
  bridge: NFPROTO_BRIDGE,
  netdev: NFPROTO_NETDEV,
});

/** The nft name of an NFPROTO_* value; the number itself when it has none. */
export function nftFamilyName(family: number): NftFamily | number {
  for (const [k, v] of Object.entries(NFT_FAMILIES)) if (v === family) return k as NftFamily;
  return family;
}

/** NFPROTO_* of a family name; ValidationError for anything else. */
export function nftFamily(field: string, family: unknown): number {
  const v = typeof family === 'string' ? (NFT_FAMILIES as Record<string, number>)[family] : undefined;
  if (v === undefined) throw new ValidationError(field, family, `must be one of ${Object.keys(NFT_FAMILIES).join(', ')}`);
  return v;
}

/** An nf_tables object name (table, chain, set): 1..255 bytes, no NUL (NFT_NAME_MAXLEN counts the NUL). */
export function checkNftName(field: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new ValidationError(field, name, 'must be a non-empty string');
  if (name.includes('\0')) throw new ValidationError(field, name, 'must not contain NUL');
  if (Buffer.byteLength(name) >= NFT_NAME_MAXLEN) throw new ValidationError(field, name, `must be shorter than ${NFT_NAME_MAXLEN} bytes`);
  return name;
}

/** An object handle: a positive integer (handles are u64 on the wire; numbers up to 2^53 here). */
export function checkHandle(field: string, h: unknown): number {
  if (typeof h !== 'number' || !Number.isSafeInteger(h) || h < 1) throw new ValidationError(field, h, 'must be a positive integer');
  return h;
}

// ---- big-endian attribute codecs (nf_tables sends numbers in network byte order) --------

/** NLA_U64 in network byte order (handles, counters). */
export const u64be: Codec<bigint> = {
  decode: (b, off, len) => (len === 8 ? b.readBigUInt64BE(off) : undefined),
  encode: (w, v) => {
    w.u32be(Number((v >> 32n) & 0xffffffffn)).u32be(Number(v & 0xffffffffn));
  },
};

/** A signed 32-bit value in network byte order (a hook priority). */
export const s32be: Codec<number> = {
  decode: (b, off, len) => (len === 4 ? b.readInt32BE(off) : undefined),
  encode: (w, v) => void w.u32be(v >>> 0),
};

// ---- a whole nf_tables message: nfgenmsg + attributes --------------------------------------

/** A decoded nf_tables message body: the nfgenmsg fields and the attributes in wire order. */
export interface NfMessage<A> extends NfGenMsg {
  attrs: A[];
}

export function decodeNfMessage<L extends SpecList>(s: Schema<L>, b: Buffer, start: number, end: number): NfMessage<AttrOf<L>> {
  return { ...readNfGenMsg(b, start, end), attrs: decodeAttrs(s, b, start + NFGENMSG_LEN, end) };
}

export function encodeNfMessage<L extends SpecList>(s: Schema<L>, w: Writer, m: NfMessage<AttrOf<L>>): void {
  writeNfGenMsg(w, m.family, m.resId, m.version);
  encodeAttrs(s, w, m.attrs);
}
