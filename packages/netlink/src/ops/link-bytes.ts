import { Buffer } from 'node:buffer';
import * as C from '../constants/index.js';
import { DecodeError } from '../wire/errors.js';
import { AttrReader, u32le } from '../wire/reader.js';
import { decodeLink, type LinkMessage } from '../messages/link.js';
import type { Link } from './link.js';
import { jsonSafe } from './json.js';

// A link read straight from its bytes, as RawRoute does for routes: one walk with the attribute
// reader takes the numbers, the name and the kind; the MAC addresses become text
// on first access and `message` (every attribute, kept) is decoded only when asked for. Link
// dumps used to map names to indexes spend their time here.

/** IF_OPER_* (linux/if.h) as text, by value. */
export const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'] as const;

function macAt(b: Buffer, p: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const x = b[p + i]!;
    s += (i ? ':' : '') + (x < 16 ? '0' : '') + x.toString(16);
  }
  return s;
}

export class RawLink implements Link {
  // `declare`: assigned once, in the constructor (a plain field is defined first, then assigned).
  declare readonly index: number;
  declare readonly name: string;
  declare readonly type: number;
  declare readonly flags: number;
  declare readonly up: boolean;
  declare readonly mtu: number | undefined;
  declare readonly operstate: string;
  declare readonly master: number | undefined;
  declare readonly kind: string | undefined;
  declare readonly slaveKind: string | undefined;
  declare readonly group: number;
  declare readonly link: number | undefined;
  declare readonly linkNetnsid: number | undefined;
  declare readonly txqlen: number | undefined;
  declare readonly alias: string | undefined;
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
    const flags = u32le(b, start + 8);
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
    const r = new AttrReader(b, start + C.IFINFOMSG_LEN, end);
    while (r.next()) {
      switch (r.type) {
        case C.IFLA_IFNAME:
          name = r.text();
          break;
        case C.IFLA_MTU:
          mtu = r.u32();
          break;
        case C.IFLA_OPERSTATE:
          operstate = r.u8();
          break;
        case C.IFLA_MASTER:
          master = r.u32();
          break;
        case C.IFLA_GROUP:
          group = r.u32();
          break;
        case C.IFLA_LINK:
          link = r.u32();
          break;
        case C.IFLA_LINK_NETNSID:
          linkNetnsid = r.s32();
          break;
        case C.IFLA_TXQLEN:
          txqlen = r.u32();
          break;
        case C.IFLA_IFALIAS:
          alias = r.text();
          break;
        case C.IFLA_ADDRESS:
          addrAt = r.at;
          addrLen = r.len;
          break;
        case C.IFLA_BROADCAST:
          brdAt = r.at;
          brdLen = r.len;
          break;
        case C.IFLA_LINKINFO: {
          // Only the kinds: the kind-specific data stays for `message`.
          for (const q = r.nested(); q.next();) {
            if (q.type === C.IFLA_INFO_KIND) kind = q.text();
            else if (q.type === C.IFLA_INFO_SLAVE_KIND) slaveKind = q.text();
          }
          break;
        }
      }
    }
    // In declaration order: every link gets the same hidden class, its keys the same order.
    this.index = u32le(b, start + 4) | 0;
    this.name = name;
    this.type = b[start + 2]! | (b[start + 3]! << 8);
    this.flags = flags;
    this.up = (flags & C.IFF_UP) !== 0;
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

  /** The fields, 64-bit attribute values as JSON numbers or strings (json.ts). */
  toJSON(): Omit<Link, 'message'> & { message: unknown } {
    const { index, name, type, flags, up, mtu, operstate, master, kind, slaveKind, address, broadcast, group, link, linkNetnsid, txqlen, alias, message } =
      this;
    return {
      index,
      name,
      type,
      flags,
      up,
      mtu,
      operstate,
      master,
      kind,
      slaveKind,
      address,
      broadcast,
      group,
      link,
      linkNetnsid,
      txqlen,
      alias,
      message: jsonSafe(message),
    };
  }
}
