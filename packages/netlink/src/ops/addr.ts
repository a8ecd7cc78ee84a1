import { Buffer } from 'node:buffer';
import * as C from '../constants/index.js';
import type { Writer } from '../wire/writer.js';
import { parseIP } from '../wire/attrs.js';
import type { RawMessage } from '../wire/header.js';
import type { RtnlRequest, RtnlClient } from '../client.js';
import { ValidationError } from '../errors.js';
import { decodeAddr, type AddrMessage } from '../messages/addr.js';
import { checkAddress, checkInt, checkPrefix, type Addr, type Family, type Prefix, writeAddrAttr } from '../validate.js';
import { wireText } from '../addr-text.js';
import { linkIndex } from './link.js';
import type { LinkRef } from './common.js';

// Addresses: add / replace / delete / list, IPv4 and IPv6.

export interface Address {
  family: Family;
  index: number;
  /** The interface address (IFA_LOCAL, or IFA_ADDRESS when there is no local). */
  address: string;
  prefixlen: number;
  /** The peer / prefix address (IFA_ADDRESS). */
  peer: string | undefined;
  broadcast: string | undefined;
  label: string | undefined;
  /** RT_SCOPE_* */
  scope: number;
  /** IFA_F_* (full 32 bits from IFA_FLAGS when present) */
  flags: number;
  /** Lifetimes in seconds (0xffffffff = forever). */
  validLft: number | undefined;
  preferredLft: number | undefined;
  message: AddrMessage;
}

export function addressFromMessage(m: AddrMessage): Address {
  let local: string | undefined;
  let addr: string | undefined;
  let broadcast: string | undefined;
  let label: string | undefined;
  let flags = m.flags;
  let validLft: number | undefined;
  let preferredLft: number | undefined;
  for (const a of m.attrs) {
    switch (a.type) {
      case 'local':
        local = a.value;
        break;
      case 'address':
        addr = a.value;
        break;
      case 'broadcast':
        broadcast = a.value;
        break;
      case 'label':
        label = a.value;
        break;
      case 'flags':
        flags = a.value;
        break;
      case 'cacheinfo':
        validLft = a.value.valid;
        preferredLft = a.value.preferred;
        break;
    }
  }
  return {
    family: m.family === C.AF_INET6 ? 6 : 4,
    index: m.index,
    address: local ?? addr ?? '',
    prefixlen: m.prefixlen,
    peer: addr,
    broadcast,
    label,
    scope: m.scope,
    flags,
    validLft,
    preferredLft,
    message: m,
  };
}

const decodeAddrMsg = (m: RawMessage): Address => addressFromMessage(decodeAddr(m.buf, m.start, m.end));

export interface AddrOptions {
  /** Point-to-point peer (IFA_ADDRESS) instead of the local address. */
  peer?: string;
  /** IPv4 broadcast address; `true` derives it from the prefix. */
  broadcast?: string | true;
  /** IPv4 label (must start with the link name). */
  label?: string;
  /** RT_SCOPE_* (default universe; host for 127/8). */
  scope?: number;
  /** Lifetimes in seconds. */
  validLft?: number;
  preferredLft?: number;
  /** IFA_F_NOPREFIXROUTE: do not add the prefix route. */
  noPrefixRoute?: boolean;
  /** IFA_F_NODAD (IPv6): skip duplicate address detection. */
  noDad?: boolean;
}

/** The broadcast address of an IPv4 prefix: its host bits all set. */
function broadcastOf(p: { v4: number; prefixlen: number }): string {
  return wireText({ family: 4, v4: (p.v4 | (p.prefixlen === 0 ? 0xffffffff : 0xffffffff >>> p.prefixlen)) >>> 0 });
}

type AddrOp = 'addrAdd' | 'addrReplace' | 'addrDel';
const ADDR_FLAGS: Record<AddrOp, number> = { addrAdd: C.NLM_F_CREATE | C.NLM_F_EXCL, addrReplace: C.NLM_F_CREATE | C.NLM_F_REPLACE, addrDel: 0 };

// A class rather than an object with a closure: bulk work builds thousands of these, and the
// words for an error message are only needed when one fails.
class AddrRequest implements RtnlRequest {
  // Declared, none private: see RouteRequest (route.ts) for why.
  declare readonly type: number;
  declare readonly flags: number;
  declare readonly op: AddrOp;
  declare readonly index: number;
  declare readonly prefix: Prefix;
  declare readonly peer: Addr | undefined;
  declare readonly brd: string | undefined;
  declare readonly options: AddrOptions;
  /** IFA_F_* */
  declare readonly ifaFlags: number;
  declare readonly scope: number;
  declare readonly devName: string | undefined;

  constructor(op: AddrOp, index: number, cidr: string, o: AddrOptions, dev: string | undefined) {
    checkInt('link', index, 1, 0x7fffffff);
    const p = checkPrefix('address', cidr);
    const peer = o.peer !== undefined ? checkAddress('peer', o.peer, p.family) : undefined;
    let brd: string | undefined;
    if (o.broadcast !== undefined) {
      if (p.family !== 4) throw new ValidationError('broadcast', o.broadcast, 'only IPv4 addresses have a broadcast address');
      brd = o.broadcast === true ? broadcastOf(p) : checkAddress('broadcast', o.broadcast, 4).address;
    }
    if (o.scope !== undefined) checkInt('scope', o.scope, 0, 255);
    if (o.validLft !== undefined) checkInt('validLft', o.validLft, 0, 0xffffffff);
    if (o.preferredLft !== undefined) checkInt('preferredLft', o.preferredLft, 0, 0xffffffff);
    if (o.label !== undefined && (typeof o.label !== 'string' || Buffer.byteLength(o.label) > 15))
      throw new ValidationError('label', o.label, 'must be a string of at most 15 bytes');
    let flags = 0;
    if (o.noPrefixRoute) flags |= C.IFA_F_NOPREFIXROUTE;
    if (o.noDad) flags |= C.IFA_F_NODAD;
    this.type = op === 'addrDel' ? C.RTM_DELADDR : C.RTM_NEWADDR;
    this.flags = ADDR_FLAGS[op];
    this.op = op;
    this.index = index;
    this.prefix = p;
    this.peer = peer;
    this.brd = brd;
    this.options = o;
    this.ifaFlags = flags;
    this.scope = o.scope ?? (p.family === 4 && p.v4 >>> 24 === 127 ? C.RT_SCOPE_HOST : C.RT_SCOPE_UNIVERSE);
    this.devName = dev;
  }

  get what(): string {
    return `${this.op} ${this.prefix.address}/${this.prefix.prefixlen} dev ${this.devName ?? `#${this.index}`}`;
  }

  body(w: Writer): void {
    const p = this.prefix;
    const o = this.options;
    const flags = this.ifaFlags;
    // struct ifaddrmsg: family, prefixlen, flags, scope; index.
    w.u8x4(p.family === 4 ? C.AF_INET : C.AF_INET6, p.prefixlen, flags & 0xff, this.scope).u32(this.index);
    writeAddrAttr(w, C.IFA_LOCAL, p);
    writeAddrAttr(w, C.IFA_ADDRESS, this.peer ?? p);
    if (this.brd !== undefined) w.attrBytes(C.IFA_BROADCAST, parseIP(this.brd));
    if (o.label !== undefined) w.attrString(C.IFA_LABEL, o.label);
    if (flags > 0xff) w.attrU32(C.IFA_FLAGS, flags);
    if (o.validLft !== undefined || o.preferredLft !== undefined) {
      const at = w.beginAttr(C.IFA_CACHEINFO);
      w.u32(o.preferredLft ?? o.validLft ?? 0xffffffff)
        .u32(o.validLft ?? 0xffffffff)
        .u32(0)
        .u32(0);
      w.endAttr(at);
    }
  }
}

function addrRequest(op: AddrOp, index: number, cidr: string, o: AddrOptions, dev?: string): RtnlRequest {
  return new AddrRequest(op, index, cidr, o, dev);
}

/** RTM_NEWADDR (create, fail if present) for a link index; for bulk use. `dev` names the link in errors. */
export const addrAddRequest = (index: number, cidr: string, o: AddrOptions = {}, dev?: string): RtnlRequest => addrRequest('addrAdd', index, cidr, o, dev);
export const addrReplaceRequest = (index: number, cidr: string, o: AddrOptions = {}, dev?: string): RtnlRequest =>
  addrRequest('addrReplace', index, cidr, o, dev);
export const addrDelRequest = (index: number, cidr: string, dev?: string): RtnlRequest => addrRequest('addrDel', index, cidr, {}, dev);

/** Adds `cidr` (e.g. "10.0.0.1/24", "2001:db8::1/64") to a link; EEXIST if present. */
export async function addrAdd(c: RtnlClient, link: LinkRef, cidr: string, o: AddrOptions = {}): Promise<void> {
  checkPrefix('address', cidr);
  await c.request(addrRequest('addrAdd', await linkIndex(c, link), cidr, o, typeof link === 'string' ? link : undefined), () => undefined);
}

/** Adds or updates an address (idempotent). */
export async function addrReplace(c: RtnlClient, link: LinkRef, cidr: string, o: AddrOptions = {}): Promise<void> {
  checkPrefix('address', cidr);
  await c.request(addrRequest('addrReplace', await linkIndex(c, link), cidr, o, typeof link === 'string' ? link : undefined), () => undefined);
}

export async function addrDel(c: RtnlClient, link: LinkRef, cidr: string): Promise<void> {
  checkPrefix('address', cidr);
  await c.request(addrRequest('addrDel', await linkIndex(c, link), cidr, {}, typeof link === 'string' ? link : undefined), () => undefined);
}

export interface AddrListFilter {
  family?: Family;
  /** Only addresses of this link (the kernel filters). */
  link?: LinkRef;
}

export async function addrList(c: RtnlClient, filter: AddrListFilter = {}): Promise<Address[]> {
  if (filter.family !== undefined && filter.family !== 4 && filter.family !== 6) throw new ValidationError('family', filter.family, 'must be 4 or 6');
  const index = filter.link === undefined ? 0 : await linkIndex(c, filter.link);
  const family = filter.family === 4 ? C.AF_INET : filter.family === 6 ? C.AF_INET6 : C.AF_UNSPEC;
  return c.dump({ type: C.RTM_GETADDR, what: 'addrList', body: (w) => void w.u8(family).u8(0).u8(0).u8(0).u32(index) }, decodeAddrMsg, { retries: 2 });
}
