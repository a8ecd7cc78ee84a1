import type { Buffer } from 'node:buffer';
import { DecodeError } from '../wire/errors.js';
import type { Writer } from '../wire/writer.js';
import { NFNETLINK_V0, NFNL_SUBSYS_NFTABLES } from './constants.js';

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
