import type { Buffer } from 'node:buffer';
import type { RawMessage } from '../wire/header.js';
import { schema, string, binary, u32be, findAttr, type AttrOf } from '../wire/attrs.js';
import { ValidationError } from '../errors.js';
import * as L from '../constants/netlink.js';
import * as K from './constants.js';
import {
  u64be,
  decodeNfMessage,
  encodeNfMessage,
  nftFamily,
  nftFamilyName,
  checkNftName,
  checkHandle,
  nftType,
  type NfMessage,
  type NftFamily,
} from './header.js';
import { commentUdata, checkUserdata, udataComment } from './udata.js';
import type { NftClient, NftRequest } from './client.js';
import type { Writer } from '../wire/writer.js';

// nf_tables tables: NFT_MSG_NEWTABLE / DELTABLE / GETTABLE, enum nft_table_attributes.

export const tableSchema = schema([
  [K.NFTA_TABLE_NAME, 'name', string],
  [K.NFTA_TABLE_FLAGS, 'flags', u32be],
  [K.NFTA_TABLE_USE, 'use', u32be],
  [K.NFTA_TABLE_HANDLE, 'handle', u64be],
  [K.NFTA_TABLE_PAD, 'pad', binary],
  [K.NFTA_TABLE_USERDATA, 'userdata', binary],
  [K.NFTA_TABLE_OWNER, 'owner', u32be],
] as const);

export type TableAttr = AttrOf<typeof tableSchema.specs>;
export type TableMessage = NfMessage<TableAttr>;

export function decodeTableMessage(b: Buffer, start: number, end: number): TableMessage {
  return decodeNfMessage(tableSchema, b, start, end);
}

export function encodeTableMessage(w: Writer, m: TableMessage): void {
  encodeNfMessage(tableSchema, w, m);
}

export const NFT_TABLE_FLAG_NAMES: Readonly<Record<string, number>> = Object.freeze({
  dormant: K.NFT_TABLE_F_DORMANT,
  owner: K.NFT_TABLE_F_OWNER,
});

/** A table as the kernel reports it. */
export interface NftTable {
  /** nft's name for the family, or the NFPROTO_* number when it has none. */
  family: NftFamily | number;
  name: string;
  /** Kernel-assigned handle (unique per family). */
  handle: number | undefined;
  /** NFT_TABLE_F_* bits. */
  flags: number;
  /** Names of the flags set: "dormant", "owner". */
  flagNames: string[];
  /** Number of chains (and other objects) in the table. */
  use: number | undefined;
  /** The netlink port owning the table (NFT_TABLE_F_OWNER). */
  owner: number | undefined;
  /** nft-style comment in the userdata. */
  comment: string | undefined;
  userdata: Buffer | undefined;
  /** The decoded message, every attribute included. */
  message: TableMessage;
}

export function tableFromMessage(m: TableMessage): NftTable {
  const flags = findAttr(m.attrs, 'flags')?.value ?? 0;
  const handle = findAttr(m.attrs, 'handle')?.value;
  const userdata = findAttr(m.attrs, 'userdata')?.value;
  return {
    family: nftFamilyName(m.family),
    name: findAttr(m.attrs, 'name')?.value ?? '',
    handle: handle === undefined ? undefined : Number(handle),
    flags,
    flagNames: Object.entries(NFT_TABLE_FLAG_NAMES)
      .filter(([, v]) => flags & v)
      .map(([k]) => k),
    use: findAttr(m.attrs, 'use')?.value,
    owner: findAttr(m.attrs, 'owner')?.value,
    comment: udataComment(userdata),
    userdata,
    message: m,
  };
}

/** Decodes a NEWTABLE message (a dump entry or an echo). */
export const decodeTable = (m: RawMessage): NftTable => tableFromMessage(decodeTableMessage(m.buf, m.start, m.end));

export interface NftTableSpec {
  family: NftFamily;
  name: string;
  /** Make the table dormant (its base chains unregistered). */
  dormant?: boolean;
  /** Owned by this socket: the kernel deletes the table when the socket closes (NFT_TABLE_F_OWNER). */
  owner?: boolean;
  /** A comment, stored as nft stores it (userdata TLV). */
  comment?: string;
  /** Raw userdata (instead of `comment`). */
  userdata?: Uint8Array;
  /**
   * Fail with EEXIST when the table exists (NLM_F_EXCL, like `nft create table`). By default
   * an existing table is kept and its flags updated (like `nft add table`).
   */
  exclusive?: boolean;
}

/** A table by name or by handle. */
export type NftTableRef = { family: NftFamily; name: string } | { family: NftFamily; handle: number };

/** The NEWTABLE message for a transaction. Attribute order as nft writes it: name, flags, userdata. */
export function nftTableAddRequest(spec: NftTableSpec): NftRequest {
  const family = nftFamily('table.family', spec.family);
  const name = checkNftName('table.name', spec.name);
  if (spec.comment !== undefined && spec.userdata !== undefined) {
    throw new ValidationError('table.userdata', '(bytes)', 'give either comment or userdata, not both');
  }
  const udata =
    spec.comment !== undefined
      ? commentUdata('table.comment', spec.comment)
      : spec.userdata !== undefined
        ? checkUserdata('table.userdata', spec.userdata)
        : undefined;
  const flags = (spec.dormant ? K.NFT_TABLE_F_DORMANT : 0) | (spec.owner ? K.NFT_TABLE_F_OWNER : 0);
  return {
    type: K.NFT_MSG_NEWTABLE,
    flags: spec.exclusive ? L.NLM_F_EXCL : 0,
    family,
    what: `nftTableAdd ${spec.family} ${name}`,
    body: (w) => {
      w.attrString(K.NFTA_TABLE_NAME, name);
      w.attrU32be(K.NFTA_TABLE_FLAGS, flags);
      if (udata) w.attrBytes(K.NFTA_TABLE_USERDATA, udata);
    },
  };
}

/** The DELTABLE message: deletes the table and everything in it. */
export function nftTableDelRequest(ref: NftTableRef): NftRequest {
  const family = nftFamily('table.family', ref.family);
  if ('handle' in ref) {
    const handle = checkHandle('table.handle', ref.handle);
    return {
      type: K.NFT_MSG_DELTABLE,
      family,
      what: `nftTableDel ${ref.family} handle ${handle}`,
      body: (w) => void w.attrBytes(K.NFTA_TABLE_HANDLE, be64(handle)),
    };
  }
  const name = checkNftName('table.name', ref.name);
  return { type: K.NFT_MSG_DELTABLE, family, what: `nftTableDel ${ref.family} ${name}`, body: (w) => void w.attrString(K.NFTA_TABLE_NAME, name) };
}

export async function nftTableAdd(c: NftClient, spec: NftTableSpec): Promise<void> {
  await c.transaction([nftTableAddRequest(spec)]);
}

export async function nftTableDel(c: NftClient, ref: NftTableRef): Promise<void> {
  await c.transaction([nftTableDelRequest(ref)]);
}

export interface NftTableFilter {
  family?: NftFamily;
  name?: string;
}

/** Lists tables (all families unless `family`); the kernel filters by family, we by name. */
export async function nftTableList(c: NftClient, filter: NftTableFilter = {}): Promise<NftTable[]> {
  const family = filter.family === undefined ? K.NFPROTO_UNSPEC : nftFamily('filter.family', filter.family);
  const msgs = await c.dump({ type: K.NFT_MSG_GETTABLE, family, what: `nftTableList${filter.family ? ` ${filter.family}` : ''}` });
  const out: NftTable[] = [];
  for (const m of msgs) {
    if (m.type !== nftType(K.NFT_MSG_NEWTABLE)) continue;
    const t = decodeTable(m);
    if (filter.name === undefined || t.name === filter.name) out.push(t);
  }
  return out;
}

/** A handle as the 8 big-endian bytes of NLA_U64. */
export function be64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}
