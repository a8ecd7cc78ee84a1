import { Buffer } from 'node:buffer';
import * as C from '../constants/index.js';
import { DecodeError } from '../wire/errors.js';
import { decodeLink, type LinkMessage } from '../messages/link.js';
import type { Link } from './link.js';

// A link read straight from its bytes, as RawRoute does for routes: one bounds-checked walk
// over the attributes takes the numbers, the name and the kind; the MAC addresses become text
// on first access and `message` (every attribute, kept) is decoded only when asked for. Link
// dumps used to map names to indexes spend their time here.

/** IF_OPER_* (linux/if.h) as text, by value. */
export const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'] as const;

const u32 = (b: Buffer, p: number): number => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;

function need(n: number, size: number, off: number): void {
  if (n !== size) throw new DecodeError(off, `attribute of ${n} bytes where ${size} are expected`);
}

/** A NUL-terminated string attribute's text (without the NUL). */
function str(b: Buffer, p: number, n: number): string {
  const end = n > 0 && b[p + n - 1] === 0 ? p + n - 1 : p + n;
  return b.toString('utf8', p, end);
}

function macAt(b: Buffer, p: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const x = b[p + i]!;
    s += (i ? ':' : '') + (x < 16 ? '0' : '') + x.toString(16);
  }
  return s;
}

export class RawLink implements Link {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly up: boolean;
  readonly mtu: number | undefined;
  readonly operstate: string;
  readonly master: number | undefined;
  readonly kind: string | undefined;
  readonly slaveKind: string | undefined;
  readonly group: number;
  readonly link: number | undefined;
  readonly linkNetnsid: number | undefined;
  readonly txqlen: number | undefined;
  readonly alias: string | undefined;
  #buf: Buffer;
  #start: number;
  #end: number;
  #addrAt: number;
  #addrLen: number;
  #brdAt: number;
  #brdLen: number;
  #message: LinkMessage | undefined;

  constructor(b: Buffer, start: number, end: number) {
    if (end - start < C.IFINFOMSG_LEN) throw new DecodeError(start, `link message payload of ${end - start} bytes is shorter than struct ifinfomsg`);
    this.#buf = b;
    this.#start = start;
    this.#end = end;
    this.type = b[start + 2]! | (b[start + 3]! << 8);
    this.index = u32(b, start + 4) | 0;
    this.flags = u32(b, start + 8);
    this.up = (this.flags & C.IFF_UP) !== 0;
    let name = '';
    let mtu: number | undefined;
    let operstate = 0;
    let master: number | undefined;
    let kind: string | undefined;
    let slaveKind: string | undefined;
    let group = 0;
    let link: number | undefined;
    let linkNetnsid: number | undefined;
    let txqlen: number | undefined;
    let alias: string | undefined;
    let addrAt = -1;
    let addrLen = 0;
    let brdAt = -1;
    let brdLen = 0;
    let off = start + C.IFINFOMSG_LEN;
    while (off < end) {
      if (end - off < 4) throw new DecodeError(off, `${end - off} trailing bytes, too short for an attribute header`);
      const len = b[off]! | (b[off + 1]! << 8);
      if (len < 4 || off + len > end) throw new DecodeError(off, `attribute length ${len} is invalid (${end - off} bytes left)`);
      const p = off + 4;
      const n = len - 4;
      switch ((b[off + 2]! | (b[off + 3]! << 8)) & 0x3fff) {
        case C.IFLA_IFNAME: name = str(b, p, n); break;
        case C.IFLA_MTU: need(n, 4, off); mtu = u32(b, p); break;
        case C.IFLA_OPERSTATE: need(n, 1, off); operstate = b[p]!; break;
        case C.IFLA_MASTER: need(n, 4, off); master = u32(b, p); break;
        case C.IFLA_GROUP: need(n, 4, off); group = u32(b, p); break;
        case C.IFLA_LINK: need(n, 4, off); link = u32(b, p); break;
        case C.IFLA_LINK_NETNSID: need(n, 4, off); linkNetnsid = u32(b, p) | 0; break;
        case C.IFLA_TXQLEN: need(n, 4, off); txqlen = u32(b, p); break;
        case C.IFLA_IFALIAS: alias = str(b, p, n); break;
        case C.IFLA_ADDRESS: addrAt = p; addrLen = n; break;
        case C.IFLA_BROADCAST: brdAt = p; brdLen = n; break;
        case C.IFLA_LINKINFO: {
          // Only the kinds: the kind-specific data stays for `message`.
          const e = p + n;
          let q = p;
          while (q < e) {
            if (e - q < 4) throw new DecodeError(q, `${e - q} trailing bytes in IFLA_LINKINFO`);
            const l = b[q]! | (b[q + 1]! << 8);
            if (l < 4 || q + l > e) throw new DecodeError(q, `attribute length ${l} is invalid inside IFLA_LINKINFO`);
            const t = (b[q + 2]! | (b[q + 3]! << 8)) & 0x3fff;
            if (t === C.IFLA_INFO_KIND) kind = str(b, q + 4, l - 4);
            else if (t === C.IFLA_INFO_SLAVE_KIND) slaveKind = str(b, q + 4, l - 4);
            q += (l + 3) & ~3;
          }
          break;
        }
      }
      off += (len + 3) & ~3;
    }
    this.name = name;
    this.mtu = mtu;
    this.operstate = OPERSTATES[operstate] ?? `${operstate}`;
    this.master = master;
    this.kind = kind;
    this.slaveKind = slaveKind;
    this.group = group;
    this.link = link;
    this.linkNetnsid = linkNetnsid;
    this.txqlen = txqlen;
    this.alias = alias;
    this.#addrAt = addrAt;
    this.#addrLen = addrLen;
    this.#brdAt = brdAt;
    this.#brdLen = brdLen;
    this.#message = undefined;
  }

  get address(): string | undefined {
    return this.#addrAt >= 0 && this.#addrLen > 0 ? macAt(this.#buf, this.#addrAt, this.#addrLen) : undefined;
  }
  get broadcast(): string | undefined {
    return this.#brdAt >= 0 && this.#brdLen > 0 ? macAt(this.#buf, this.#brdAt, this.#brdLen) : undefined;
  }

  /** The whole decoded message, every attribute kept (decoded on first use). */
  get message(): LinkMessage {
    return (this.#message ??= decodeLink(this.#buf, this.#start, this.#end));
  }

  toJSON(): Link {
    const { index, name, type, flags, up, mtu, operstate, master, kind, slaveKind, address, broadcast, group, link, linkNetnsid, txqlen, alias, message } = this;
    return { index, name, type, flags, up, mtu, operstate, master, kind, slaveKind, address, broadcast, group, link, linkNetnsid, txqlen, alias, message };
  }
}
