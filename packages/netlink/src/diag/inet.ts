import { Buffer } from 'node:buffer';
import * as C from '../constants/index.js';
import * as D from './constants.js';
import { DecodeError } from '../wire/errors.js';
import type { Writer } from '../wire/writer.js';
import {
  schema,
  decodeAttrs,
  encodeAttrs,
  string,
  binary,
  u8,
  u32,
  u64,
  structU32,
  nested,
  formatIPv4,
  formatIPv6,
  parseIP,
  type AttrOf,
  type Codec,
} from '../wire/attrs.js';

// SOCK_DIAG_BY_FAMILY for AF_INET / AF_INET6 (linux/inet_diag.h): the request, struct
// inet_diag_req_v2 + INET_DIAG_REQ_* attributes, and each answer, struct inet_diag_msg +
// INET_DIAG_* attributes. Both decode to plain objects and encode back to the same bytes.

/** struct inet_diag_sockid */
export interface InetDiagSockId {
  /** idiag_sport, host order. */
  sport: number;
  /** idiag_dport, host order. */
  dport: number;
  /**
   * idiag_src in text form: IPv4 when the family is AF_INET and the other 12 bytes are zero (the
   * kernel zeroes them), else the 16 bytes as IPv6. Either way encoding gives the bytes back.
   */
  src: string;
  dst: string;
  /** idiag_if: the interface the socket is bound to; 0 for none. */
  ifindex: number;
  /** idiag_cookie[0] | idiag_cookie[1] << 32 (ss -e shows it as sk:HEX). INET_DIAG_NOCOOKIE twice in a dump request. */
  cookie: bigint;
}

const NOCOOKIE = (BigInt(D.INET_DIAG_NOCOOKIE) << 32n) | BigInt(D.INET_DIAG_NOCOOKIE);
/** The cookie a request that names no particular socket carries (INET_DIAG_NOCOOKIE twice). */
export const INET_DIAG_NOCOOKIE_64 = NOCOOKIE;

function readAddr(b: Buffer, off: number, family: number): string {
  if (family === C.AF_INET) {
    let rest = 0;
    for (let i = 4; i < 16; i++) rest |= b[off + i] as number;
    if (rest === 0) return formatIPv4(b, off);
  }
  return formatIPv6(b, off);
}

function writeAddr(w: Writer, text: string): void {
  const a = parseIP(text);
  w.bytes(a);
  if (a.length === 4) w.zeros(12);
}

export function decodeSockId(b: Buffer, off: number, family: number): InetDiagSockId {
  return {
    sport: b.readUInt16BE(off),
    dport: b.readUInt16BE(off + 2),
    src: readAddr(b, off + 4, family),
    dst: readAddr(b, off + 20, family),
    ifindex: b.readUInt32LE(off + 36),
    cookie: (BigInt(b.readUInt32LE(off + 44)) << 32n) | BigInt(b.readUInt32LE(off + 40)),
  };
}

export function encodeSockId(w: Writer, id: InetDiagSockId): void {
  w.u16be(id.sport).u16be(id.dport);
  writeAddr(w, id.src);
  writeAddr(w, id.dst);
  w.u32(id.ifindex)
    .u32(Number(id.cookie & 0xffffffffn))
    .u32(Number((id.cookie >> 32n) & 0xffffffffn));
}

// ---- the request ---------------------------------------------------------------------------

export const inetDiagReqSchema = schema([
  // A filter program (struct inet_diag_bc_op ...), kept as bytes; see bytecodeSport.
  [D.INET_DIAG_REQ_BYTECODE, 'bytecode', binary],
  [D.INET_DIAG_REQ_SK_BPF_STORAGES, 'bpfStorages', binary],
  // The protocol when it does not fit sdiag_protocol's u8 (IPPROTO_MPTCP, 262).
  [D.INET_DIAG_REQ_PROTOCOL, 'protocol', u32],
] as const);

export type InetDiagReqAttr = AttrOf<typeof inetDiagReqSchema.specs>;

/** struct inet_diag_req_v2 and its attributes. */
export interface InetDiagReq {
  /** sdiag_family: AF_INET or AF_INET6. */
  family: number;
  /** sdiag_protocol: IPPROTO_TCP, IPPROTO_UDP... */
  protocol: number;
  /** idiag_ext: bit (1 << (INET_DIAG_X - 1)) asks for extension X (up to INET_DIAG_SHUTDOWN). */
  ext: number;
  /** pad (sdiag_raw_protocol for raw sockets). */
  pad: number;
  /** idiag_states: bit (1 << TCP_X) for each state to list. */
  states: number;
  /** Zeroes for a dump; a socket's identity for a lookup of that one socket. */
  id: InetDiagSockId;
  attrs: InetDiagReqAttr[];
}

export function decodeInetDiagReq(b: Buffer, start: number, end: number): InetDiagReq {
  if (end - start < D.INET_DIAG_REQ_V2_LEN) throw new DecodeError(start, `sock_diag request of ${end - start} bytes is shorter than struct inet_diag_req_v2`);
  const family = b[start] as number;
  return {
    family,
    protocol: b[start + 1] as number,
    ext: b[start + 2] as number,
    pad: b[start + 3] as number,
    states: b.readUInt32LE(start + 4),
    id: decodeSockId(b, start + 8, family),
    attrs: decodeAttrs(inetDiagReqSchema, b, start + D.INET_DIAG_REQ_V2_LEN, end),
  };
}

export function encodeInetDiagReq(w: Writer, r: InetDiagReq): void {
  w.u8(r.family).u8(r.protocol).u8(r.ext).u8(r.pad).u32(r.states);
  encodeSockId(w, r.id);
  encodeAttrs(inetDiagReqSchema, w, r.attrs);
}

/**
 * Bytecode (INET_DIAG_REQ_BYTECODE) that keeps only sockets whose local port is `port`: one
 * INET_DIAG_BC_S_COND with a struct inet_diag_hostcond of family AF_UNSPEC, prefix 0 (any
 * address). Laid out as ss lays out `sport = :PORT`, four address bytes included (the kernel
 * reads none for AF_UNSPEC), so the bytes match ss's.
 */
export function bytecodeSport(port: number): Buffer {
  const len = D.INET_DIAG_BC_OP_LEN + D.INET_DIAG_HOSTCOND_LEN + 4;
  const b = Buffer.alloc(len);
  // yes: the next op (here: the end, accept); no: 4 bytes past the end (reject).
  b[0] = D.INET_DIAG_BC_S_COND;
  b[1] = len;
  b.writeUInt16LE(len + 4, 2);
  b[4] = C.AF_UNSPEC;
  b[5] = 0; // prefix_len
  b.writeInt32LE(port, 8);
  return b;
}

// ---- the answer ----------------------------------------------------------------------------

/** struct inet_diag_sockopt: two bytes of bit fields, first field in the lowest bit. */
export interface InetDiagSockopt {
  recverr: boolean;
  isIcsk: boolean;
  freebind: boolean;
  hdrincl: boolean;
  mcLoop: boolean;
  transparent: boolean;
  mcAll: boolean;
  nodefrag: boolean;
  bindAddressNoPort: boolean;
  recverrRfc4884: boolean;
  deferConnect: boolean;
  /** The five unused bits, kept so that encoding gives the bytes back. */
  unused: number;
}

const SOCKOPT_BITS = [
  'recverr',
  'isIcsk',
  'freebind',
  'hdrincl',
  'mcLoop',
  'transparent',
  'mcAll',
  'nodefrag',
  'bindAddressNoPort',
  'recverrRfc4884',
  'deferConnect',
] as const;

export const sockopt: Codec<InetDiagSockopt> = {
  decode: (b, off, len) => {
    if (len !== 2) return undefined;
    const v = b.readUInt16LE(off);
    const o: Record<string, boolean | number> = {};
    SOCKOPT_BITS.forEach((k, i) => (o[k] = (v & (1 << i)) !== 0));
    o.unused = v >>> 11;
    return o as unknown as InetDiagSockopt;
  },
  encode: (w, o) => {
    let v = (o.unused & 0x1f) << 11;
    SOCKOPT_BITS.forEach((k, i) => (v |= o[k] ? 1 << i : 0));
    w.u16(v);
  },
};

/** An array of u32 (INET_DIAG_SKMEMINFO: SK_MEMINFO_VARS of them, more on a newer kernel). */
const u32Array: Codec<number[]> = {
  decode: (b, off, len) => (len % 4 === 0 ? Array.from({ length: len / 4 }, (_, i) => b.readUInt32LE(off + 4 * i)) : undefined),
  encode: (w, v) => {
    for (const x of v) w.u32(x);
  },
};

export const ulpInfoSchema = schema([
  [D.INET_ULP_INFO_NAME, 'name', string],
  [D.INET_ULP_INFO_TLS, 'tls', binary],
  [D.INET_ULP_INFO_MPTCP, 'mptcp', binary],
] as const);

export const inetDiagSchema = schema([
  [D.INET_DIAG_MEMINFO, 'meminfo', structU32(['rmem', 'wmem', 'fmem', 'tmem'] as const)],
  // struct tcp_info grows with the kernel: kept as bytes.
  [D.INET_DIAG_INFO, 'info', binary],
  [D.INET_DIAG_VEGASINFO, 'vegasinfo', structU32(['enabled', 'rttcnt', 'rtt', 'minrtt'] as const)],
  [D.INET_DIAG_CONG, 'cong', string],
  [D.INET_DIAG_TOS, 'tos', u8],
  [D.INET_DIAG_TCLASS, 'tclass', u8],
  [D.INET_DIAG_SKMEMINFO, 'skmeminfo', u32Array],
  [D.INET_DIAG_SHUTDOWN, 'shutdown', u8],
  [D.INET_DIAG_DCTCPINFO, 'dctcpinfo', binary],
  [D.INET_DIAG_PROTOCOL, 'protocol', u8],
  // 1 when the IPv6 socket has IPV6_V6ONLY (takes no IPv4); absent for IPv4 sockets.
  [D.INET_DIAG_SKV6ONLY, 'v6only', u8],
  [D.INET_DIAG_LOCALS, 'locals', binary],
  [D.INET_DIAG_PEERS, 'peers', binary],
  [D.INET_DIAG_PAD, 'pad', binary],
  [D.INET_DIAG_MARK, 'mark', u32],
  [D.INET_DIAG_BBRINFO, 'bbrinfo', binary],
  [D.INET_DIAG_CLASS_ID, 'classId', u32],
  [D.INET_DIAG_MD5SIG, 'md5sig', binary],
  [D.INET_DIAG_ULP_INFO, 'ulpInfo', nested(ulpInfoSchema)],
  [D.INET_DIAG_SK_BPF_STORAGES, 'bpfStorages', binary],
  [D.INET_DIAG_CGROUP_ID, 'cgroupId', u64],
  [D.INET_DIAG_SOCKOPT, 'sockopt', sockopt],
] as const);

export type InetDiagAttr = AttrOf<typeof inetDiagSchema.specs>;

/** struct inet_diag_msg and its attributes: one socket. */
export interface InetDiagMessage {
  /** idiag_family: AF_INET or AF_INET6. */
  family: number;
  /** idiag_state: TCP_* (an unconnected UDP socket is TCP_CLOSE). */
  state: number;
  timer: number;
  retrans: number;
  id: InetDiagSockId;
  expires: number;
  /** Listeners: the accept queue; others: bytes not yet read. */
  rqueue: number;
  /** Listeners: the backlog; others: bytes not yet sent. */
  wqueue: number;
  uid: number;
  /** The socket's inode: /proc/PID/fd/N links to `socket:[INODE]`. */
  inode: number;
  attrs: InetDiagAttr[];
}

export function decodeInetDiagMsg(b: Buffer, start: number, end: number): InetDiagMessage {
  if (end - start < D.INET_DIAG_MSG_LEN) throw new DecodeError(start, `sock_diag answer of ${end - start} bytes is shorter than struct inet_diag_msg`);
  const family = b[start] as number;
  return {
    family,
    state: b[start + 1] as number,
    timer: b[start + 2] as number,
    retrans: b[start + 3] as number,
    id: decodeSockId(b, start + 4, family),
    expires: b.readUInt32LE(start + 52),
    rqueue: b.readUInt32LE(start + 56),
    wqueue: b.readUInt32LE(start + 60),
    uid: b.readUInt32LE(start + 64),
    inode: b.readUInt32LE(start + 68),
    attrs: decodeAttrs(inetDiagSchema, b, start + D.INET_DIAG_MSG_LEN, end),
  };
}

export function encodeInetDiagMsg(w: Writer, m: InetDiagMessage): void {
  w.u8(m.family).u8(m.state).u8(m.timer).u8(m.retrans);
  encodeSockId(w, m.id);
  w.u32(m.expires).u32(m.rqueue).u32(m.wqueue).u32(m.uid).u32(m.inode);
  encodeAttrs(inetDiagSchema, w, m.attrs);
}
