import { Buffer } from 'node:buffer';
import { parseIP } from '../../wire/attrs.js';
import { ValidationError } from '../../errors.js';
import { IFNAMSIZ } from '../../constants/if.js';
import { NFPROTO_IPV4, NFPROTO_IPV6 } from '../constants.js';
import * as C from './constants.js';
import type { Expr } from './list.js';
import type { CmpExpr } from './cmp.js';
import type { CounterExpr } from './counter.js';
import type { MasqExpr } from './nat.js';
import type { ImmediateExpr } from './immediate.js';

// Builders for the rules nsrun needs, producing the expressions nft 1.0.x produces for the
// same text in an `ip` (or `ip6`) table, so `nft list ruleset` shows them as that text:
//
//   ip saddr 10.10.10.0/24 oifname != "brg0" masquerade
//     [match.ipSaddr('10.10.10.0/24'), match.oifname('brg0', { neq: true }), masquerade()]
//   iifname != "brg0" ip daddr 192.0.2.1 tcp dport 8080 dnat to 10.10.10.2:80
//     [match.iifname('brg0', { neq: true }), match.ipDaddr('192.0.2.1'), match.tcpDport(8080), dnat('10.10.10.2', 80)]
//   ct state established,related accept
//     [match.ctState(['established', 'related']), accept()]
//
// Every load goes to NFT_REG_1, as nft does. A match is a list (load, then compare); a rule
// spec takes expressions and lists alike. In an `inet` table nft puts `meta nfproto ipv4` (or
// ipv6) before the rule's first address match: pass `{ inet: true }` to that match.

type Opts = { neq?: boolean };
type AddrOpts = Opts & { inet?: boolean };

const op = (o?: Opts): number => (o?.neq ? C.NFT_CMP_NEQ : C.NFT_CMP_EQ);
const cmp = (data: Buffer, o?: Opts): CmpExpr => ({ kind: 'cmp', sreg: C.NFT_REG_1, op: op(o), data });
const meta = (key: number): Expr => ({ kind: 'meta', key, dreg: C.NFT_REG_1 });
const load = (base: number, offset: number, len: number): Expr => ({ kind: 'payload', dreg: C.NFT_REG_1, base, offset, len });

/** An interface name as nft compares it: NUL-padded to IFNAMSIZ, or a prefix for "name*". */
function ifname(field: string, name: string): Buffer {
  if (typeof name !== 'string' || name === '' || name === '*') throw new ValidationError(field, name, 'must be an interface name');
  const wildcard = name.endsWith('*');
  const bytes = Buffer.from(wildcard ? name.slice(0, -1) : name, 'utf8');
  if (bytes.length >= IFNAMSIZ || bytes.includes(0)) throw new ValidationError(field, name, `must be 1..${IFNAMSIZ - 1} bytes without NUL`);
  return wildcard ? bytes : Buffer.concat([bytes, Buffer.alloc(IFNAMSIZ - bytes.length)]);
}

/** "a.b.c.d", "a.b.c.d/n", or the IPv6 forms: the address (host bits cleared) and the prefix length. */
function prefix(field: string, text: string, want: 4 | 16): { addr: Buffer; bits: number } {
  if (typeof text !== 'string') throw new ValidationError(field, text, 'must be an address or address/prefix');
  const slash = text.indexOf('/');
  let addr: Buffer;
  try {
    addr = parseIP(slash < 0 ? text : text.slice(0, slash));
  } catch {
    throw new ValidationError(field, text, 'must be an address or address/prefix');
  }
  if (addr.length !== want) throw new ValidationError(field, text, `must be an IPv${want === 4 ? 4 : 6} address`);
  const bitsText = slash < 0 ? String(want * 8) : text.slice(slash + 1);
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!(bits >= 0 && bits <= want * 8)) throw new ValidationError(field, text, `prefix length must be 0..${want * 8}`);
  return { addr: Buffer.from(addr.map((x, i) => x & maskByte(bits, i))), bits };
}

const maskByte = (bits: number, i: number): number => (bits >= 8 * (i + 1) ? 0xff : bits <= 8 * i ? 0 : (0xff << (8 - (bits - 8 * i))) & 0xff);

/**
 * A network-header address match, as nft writes it: a whole address, or only the bytes of a
 * byte-aligned prefix, or the whole address through a bitwise mask for any other prefix.
 */
function addrMatch(field: string, text: string, want: 4 | 16, offset: number, o?: AddrOpts): Expr[] {
  const { addr, bits } = prefix(field, text, want);
  const pre = o?.inet ? match.nfproto(want === 4 ? 'ipv4' : 'ipv6') : [];
  if (bits === want * 8 || (bits > 0 && bits % 8 === 0)) {
    const n = bits / 8;
    return [...pre, load(C.NFT_PAYLOAD_NETWORK_HEADER, offset, n), cmp(addr.subarray(0, n), o)];
  }
  const mask = Buffer.from(addr.map((_x, i) => maskByte(bits, i)));
  return [
    ...pre,
    load(C.NFT_PAYLOAD_NETWORK_HEADER, offset, want),
    { kind: 'bitwise', sreg: C.NFT_REG_1, dreg: C.NFT_REG_1, len: want, mask, xor: Buffer.alloc(want) },
    cmp(addr, o),
  ];
}

function port(field: string, p: number): Buffer {
  if (!Number.isInteger(p) || p < 0 || p > 0xffff) throw new ValidationError(field, p, 'must be a port 0..65535');
  const b = Buffer.alloc(2);
  b.writeUInt16BE(p);
  return b;
}

function portMatch(proto: number, offset: number, field: string, p: number, o?: Opts): Expr[] {
  const data = port(field, p);
  return [...match.l4proto(proto), load(C.NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2), cmp(data, o)];
}

/** A u32 in host byte order, as ct state sits in a register. */
const hostU32 = (v: number): Buffer => Buffer.from(new Uint32Array([v]).buffer);

export type CtStateName = 'invalid' | 'established' | 'related' | 'new' | 'untracked';
const CT_STATES: Readonly<Record<CtStateName, number>> = Object.freeze({
  invalid: C.NF_CT_STATE_INVALID_BIT,
  established: C.NF_CT_STATE_ESTABLISHED_BIT,
  related: C.NF_CT_STATE_RELATED_BIT,
  new: C.NF_CT_STATE_NEW_BIT,
  untracked: C.NF_CT_STATE_UNTRACKED_BIT,
});

/** Matches: each returns the expressions of one nft match. `neq` turns `==` into `!=`. */
export const match = Object.freeze({
  /** `iifname "name"` (`"br*"` matches a prefix). */
  iifname: (name: string, o?: Opts): Expr[] => [meta(C.NFT_META_IIFNAME), cmp(ifname('iifname', name), o)],
  /** `oifname "name"` */
  oifname: (name: string, o?: Opts): Expr[] => [meta(C.NFT_META_OIFNAME), cmp(ifname('oifname', name), o)],
  /** `ip saddr 10.0.0.0/8` or `ip saddr 10.0.0.1` (`inet`: preceded by `meta nfproto ipv4`) */
  ipSaddr: (net: string, o?: AddrOpts): Expr[] => addrMatch('ip saddr', net, 4, 12, o),
  /** `ip daddr ...` */
  ipDaddr: (net: string, o?: AddrOpts): Expr[] => addrMatch('ip daddr', net, 4, 16, o),
  /** `ip6 saddr 2001:db8::/64` (`inet`: preceded by `meta nfproto ipv6`) */
  ip6Saddr: (net: string, o?: AddrOpts): Expr[] => addrMatch('ip6 saddr', net, 16, 8, o),
  /** `ip6 daddr ...` */
  ip6Daddr: (net: string, o?: AddrOpts): Expr[] => addrMatch('ip6 daddr', net, 16, 24, o),
  /** `meta nfproto ipv4|ipv6`: in an inet table, which family the packet is. */
  nfproto: (family: 'ipv4' | 'ipv6', o?: Opts): Expr[] => {
    if (family !== 'ipv4' && family !== 'ipv6') throw new ValidationError('nfproto', family, 'must be ipv4 or ipv6');
    return [meta(C.NFT_META_NFPROTO), cmp(Buffer.from([family === 'ipv4' ? NFPROTO_IPV4 : NFPROTO_IPV6]), o)];
  },
  /** `meta l4proto N` (IPPROTO_*) */
  l4proto: (proto: number, o?: Opts): Expr[] => {
    if (!Number.isInteger(proto) || proto < 0 || proto > 255) throw new ValidationError('l4proto', proto, 'must be 0..255');
    return [meta(C.NFT_META_L4PROTO), cmp(Buffer.from([proto]), o)];
  },
  /** `tcp dport N` (with its implied `meta l4proto tcp`) */
  tcpDport: (p: number, o?: Opts): Expr[] => portMatch(C.IPPROTO_TCP, 2, 'tcp dport', p, o),
  /** `tcp sport N` */
  tcpSport: (p: number, o?: Opts): Expr[] => portMatch(C.IPPROTO_TCP, 0, 'tcp sport', p, o),
  /** `udp dport N` */
  udpDport: (p: number, o?: Opts): Expr[] => portMatch(C.IPPROTO_UDP, 2, 'udp dport', p, o),
  /** `udp sport N` */
  udpSport: (p: number, o?: Opts): Expr[] => portMatch(C.IPPROTO_UDP, 0, 'udp sport', p, o),
  /** `ct state established,related`: any of the states. */
  ctState: (states: readonly CtStateName[]): Expr[] => {
    let bits = 0;
    for (const s of states) {
      const b = Object.hasOwn(CT_STATES, s) ? CT_STATES[s] : undefined;
      if (b === undefined) throw new ValidationError('ct state', s, `must be one of ${Object.keys(CT_STATES).join(', ')}`);
      bits |= b;
    }
    if (bits === 0) throw new ValidationError('ct state', states, 'must name at least one state');
    return [
      { kind: 'ct', key: C.NFT_CT_STATE, dreg: C.NFT_REG_1 },
      { kind: 'bitwise', sreg: C.NFT_REG_1, dreg: C.NFT_REG_1, len: 4, mask: hostU32(bits), xor: hostU32(0) },
      { kind: 'cmp', sreg: C.NFT_REG_1, op: C.NFT_CMP_NEQ, data: hostU32(0) },
    ];
  },
});

/** `counter` */
export const counter = (): CounterExpr => ({ kind: 'counter' });

/** `masquerade` (flags: NF_NAT_RANGE_PROTO_RANDOM ...). */
export const masquerade = (flags?: number): MasqExpr => (flags === undefined ? { kind: 'masq' } : { kind: 'masq', flags });

function nat(type: number, field: string, addr: string, p?: number): Expr[] {
  let a: Buffer;
  try {
    a = parseIP(addr);
  } catch {
    throw new ValidationError(field, addr, 'must be an IPv4 or IPv6 address');
  }
  const out: Expr[] = [{ kind: 'immediate', dreg: C.NFT_REG_1, data: { value: a } }];
  if (p !== undefined) out.push({ kind: 'immediate', dreg: C.NFT_REG_2, data: { value: port(`${field} port`, p) } });
  out.push({
    kind: 'nat',
    type,
    family: a.length === 4 ? NFPROTO_IPV4 : NFPROTO_IPV6,
    regAddrMin: C.NFT_REG_1,
    ...(p === undefined ? {} : { regProtoMin: C.NFT_REG_2, flags: C.NF_NAT_RANGE_PROTO_SPECIFIED }),
  });
  return out;
}

/** `dnat to ADDR[:PORT]` */
export const dnat = (addr: string, p?: number): Expr[] => nat(C.NFT_NAT_DNAT, 'dnat', addr, p);
/** `snat to ADDR[:PORT]` */
export const snat = (addr: string, p?: number): Expr[] => nat(C.NFT_NAT_SNAT, 'snat', addr, p);

/** A verdict statement: an immediate into NFT_REG_VERDICT. */
export function verdict(code: number, chain?: string): ImmediateExpr {
  return { kind: 'immediate', dreg: C.NFT_REG_VERDICT, data: { verdict: chain === undefined ? { code } : { code, chain } } };
}
/** `accept` */
export const accept = (): ImmediateExpr => verdict(C.NF_ACCEPT);
/** `drop` */
export const drop = (): ImmediateExpr => verdict(C.NF_DROP);
/** `return` */
export const returnVerdict = (): ImmediateExpr => verdict(C.NFT_RETURN);
/** `jump CHAIN` */
export const jump = (chain: string): ImmediateExpr => verdict(C.NFT_JUMP, chain);
/** `goto CHAIN` */
export const goTo = (chain: string): ImmediateExpr => verdict(C.NFT_GOTO, chain);
