import type { Buffer } from 'node:buffer';
import type { RawMessage } from '../wire/header.js';
import { Writer } from '../wire/writer.js';
import { schema, encodeAttrs, string, binary, u32be, findAttr, type AttrOf } from '../wire/attrs.js';
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
import type { NftClient, NftRequest, NftDumpRequest } from './client.js';
import { exprList, type Expr } from './expr/list.js';

// nf_tables rules: NFT_MSG_NEWRULE / DELRULE / GETRULE, enum nft_rule_attributes. A rule is
// a list of expressions (./expr) in a chain; the kernel gives it a handle, unique in its
// table, by which it is later deleted. nft keeps a rule's comment in NFTA_RULE_USERDATA as a
// libnftnl TLV (NFTNL_UDATA_RULE_COMMENT), as we do: nsrun tags its rules that way.

// The order is libnftnl's (nftnl_rule_nlmsg_build_payload), so that a rule nft sent
// re-encodes to the same bytes.
export const ruleSchema = schema([
  [K.NFTA_RULE_TABLE, 'table', string],
  [K.NFTA_RULE_CHAIN, 'chain', string],
  [K.NFTA_RULE_HANDLE, 'handle', u64be],
  [K.NFTA_RULE_EXPRESSIONS, 'expressions', exprList],
  [K.NFTA_RULE_COMPAT, 'compat', binary],
  [K.NFTA_RULE_POSITION, 'position', u64be],
  [K.NFTA_RULE_USERDATA, 'userdata', binary],
  [K.NFTA_RULE_PAD, 'pad', binary],
  [K.NFTA_RULE_ID, 'id', u32be],
  [K.NFTA_RULE_POSITION_ID, 'positionId', u32be],
  [K.NFTA_RULE_CHAIN_ID, 'chainId', u32be],
] as const);

export type RuleAttr = AttrOf<typeof ruleSchema.specs>;
export type RuleMessage = NfMessage<RuleAttr>;

/** Decodes a rule message payload (nfgenmsg + attributes), every attribute kept in wire order. */
export function decodeRuleMessage(b: Buffer, start: number, end: number): RuleMessage {
  return decodeNfMessage(ruleSchema, b, start, end);
}

export function encodeRuleMessage(w: Writer, m: RuleMessage): void {
  encodeNfMessage(ruleSchema, w, m);
}

/** A rule as the kernel reports it (a dump entry, or the echo of one we created). */
export interface NftRule {
  family: NftFamily | number;
  table: string;
  chain: string;
  handle: number | undefined;
  /** Handle of the rule before this one in the chain (dumps); undefined for the first. */
  position: number | undefined;
  expressions: Expr[];
  /** The nft comment (NFTNL_UDATA_RULE_COMMENT) in the userdata. */
  comment: string | undefined;
  /** The userdata as it came: the comment and any other TLVs. */
  userdata: Buffer | undefined;
  /** The decoded message, every attribute included. */
  message: RuleMessage;
}

const num = (v: bigint | undefined): number | undefined => (v === undefined ? undefined : Number(v));

export function ruleFromMessage(m: RuleMessage): NftRule {
  const userdata = findAttr(m.attrs, 'userdata')?.value;
  return {
    family: nftFamilyName(m.family),
    table: findAttr(m.attrs, 'table')?.value ?? '',
    chain: findAttr(m.attrs, 'chain')?.value ?? '',
    handle: num(findAttr(m.attrs, 'handle')?.value),
    position: num(findAttr(m.attrs, 'position')?.value),
    expressions: findAttr(m.attrs, 'expressions')?.value ?? [],
    comment: udataComment(userdata),
    userdata,
    message: m,
  };
}

/** Decodes a NEWRULE message (a dump entry or an echo). */
export const decodeRule = (m: RawMessage): NftRule => ruleFromMessage(decodeRuleMessage(m.buf, m.start, m.end));

export interface NftRuleSpec {
  family: NftFamily;
  table: string;
  chain: string;
  /** The expressions in order; the builders' lists (match.*, dnat ...) may be given as they are. */
  expressions: readonly (Expr | readonly Expr[])[];
  /** Stored as nft stores a comment, so `nft list` shows it (at most 253 bytes; nft itself stops at 128). */
  comment?: string;
  /** Raw userdata (instead of `comment`). */
  userdata?: Uint8Array;
  /**
   * A rule handle: append right after that rule, or with `insert` right before it. Without it
   * the rule goes to the end of the chain, or with `insert` to its start.
   */
  position?: number;
  insert?: boolean;
  /** Replace the rule with this handle (NLM_F_REPLACE) instead of adding one. */
  replace?: number;
  /** NFTA_RULE_ID: names the rule within its transaction. */
  id?: number;
  /** Ask the kernel to echo the created rule (NLM_F_ECHO): the transaction returns it, handle included. */
  echo?: boolean;
}

/** A rule by its handle, as DELRULE needs it. */
export interface NftRuleRef {
  family: NftFamily;
  table: string;
  chain: string;
  handle: number;
}

/** Flattens the builders' lists into one expression list. */
export function flattenExprs(list: readonly (Expr | readonly Expr[])[]): Expr[] {
  const out: Expr[] = [];
  for (const e of list) {
    if (Array.isArray(e)) out.push(...(e as readonly Expr[]));
    else out.push(e as Expr);
  }
  return out;
}

const u64 = (v: number): bigint => BigInt(v);

/**
 * The NEWRULE message for a transaction, laid out as nft lays it out: table, chain, handle
 * (replace), expressions, position, userdata, id.
 */
export function nftRuleAddRequest(spec: NftRuleSpec): NftRequest {
  const family = nftFamily('rule.family', spec.family);
  const table = checkNftName('rule.table', spec.table);
  const chain = checkNftName('rule.chain', spec.chain);
  if (!Array.isArray(spec.expressions)) throw new ValidationError('rule.expressions', spec.expressions, 'must be an array');
  const exprs = flattenExprs(spec.expressions);
  if (spec.comment !== undefined && spec.userdata !== undefined) {
    throw new ValidationError('rule.userdata', '(bytes)', 'give either comment or userdata, not both');
  }
  const udata =
    spec.comment !== undefined
      ? commentUdata('rule.comment', spec.comment)
      : spec.userdata !== undefined
        ? checkUserdata('rule.userdata', spec.userdata)
        : undefined;
  const position = spec.position === undefined ? undefined : checkHandle('rule.position', spec.position);
  const replace = spec.replace === undefined ? undefined : checkHandle('rule.replace', spec.replace);
  if (replace !== undefined && spec.insert) throw new ValidationError('rule.insert', true, 'cannot be combined with replace');
  if (spec.id !== undefined && !(Number.isInteger(spec.id) && spec.id >= 0 && spec.id <= 0xffffffff)) {
    throw new ValidationError('rule.id', spec.id, 'must be a u32');
  }
  const attrs: RuleAttr[] = [
    { type: 'table', value: table },
    { type: 'chain', value: chain },
  ];
  if (replace !== undefined) attrs.push({ type: 'handle', value: u64(replace) });
  if (exprs.length) attrs.push({ type: 'expressions', value: exprs, flags: L.NLA_F_NESTED });
  if (position !== undefined) attrs.push({ type: 'position', value: u64(position) });
  if (udata) attrs.push({ type: 'userdata', value: udata });
  if (spec.id !== undefined) attrs.push({ type: 'id', value: spec.id });
  // Encoded now, so that a malformed expression fails here rather than inside a transaction.
  const w0 = new Writer(512);
  encodeAttrs(ruleSchema, w0, attrs);
  const bytes = w0.toBuffer();
  const mode = replace !== undefined ? L.NLM_F_REPLACE : L.NLM_F_CREATE | (spec.insert ? 0 : L.NLM_F_APPEND);
  const where = replace !== undefined ? ` replace ${replace}` : `${spec.insert ? ' insert' : ''}${position !== undefined ? ` position ${position}` : ''}`;
  return {
    type: K.NFT_MSG_NEWRULE,
    flags: mode | (spec.echo ? L.NLM_F_ECHO : 0),
    family,
    what: `nftRuleAdd ${spec.family} ${table} ${chain}${where}${spec.comment !== undefined ? ` comment ${JSON.stringify(spec.comment)}` : ''}`,
    body: (w) => void w.bytes(bytes),
  };
}

/** The DELRULE message: deletes the rule with that handle. */
export function nftRuleDelRequest(ref: NftRuleRef): NftRequest {
  const family = nftFamily('rule.family', ref.family);
  const table = checkNftName('rule.table', ref.table);
  const chain = checkNftName('rule.chain', ref.chain);
  const handle = checkHandle('rule.handle', ref.handle);
  return {
    type: K.NFT_MSG_DELRULE,
    family,
    what: `nftRuleDel ${ref.family} ${table} ${chain} handle ${handle}`,
    body: (w) => {
      w.attrString(K.NFTA_RULE_TABLE, table);
      w.attrString(K.NFTA_RULE_CHAIN, chain);
      u64Attr(w, K.NFTA_RULE_HANDLE, handle);
    },
  };
}

function u64Attr(w: Writer, type: number, v: number): void {
  const at = w.beginAttr(type);
  u64be.encode(w, u64(v));
  w.endAttr(at);
}

export interface NftRuleFilter {
  /** Default: every family. */
  family?: NftFamily;
  /** Only this table's rules (the kernel filters). */
  table?: string;
  /** Only this chain's rules (needs `table`; the kernel filters). */
  chain?: string;
  /** Only rules with exactly this comment. */
  comment?: string;
}

/** The GETRULE dump request for a filter. */
export function nftRuleListRequest(filter: NftRuleFilter = {}): NftDumpRequest {
  const family = filter.family === undefined ? K.NFPROTO_UNSPEC : nftFamily('filter.family', filter.family);
  const table = filter.table === undefined ? undefined : checkNftName('filter.table', filter.table);
  const chain = filter.chain === undefined ? undefined : checkNftName('filter.chain', filter.chain);
  if (chain !== undefined && table === undefined) throw new ValidationError('filter.chain', chain, 'needs filter.table');
  return {
    type: K.NFT_MSG_GETRULE,
    family,
    what: `nftRuleList${filter.family ? ` ${filter.family}` : ''}${table ? ` ${table}` : ''}${chain ? ` ${chain}` : ''}`,
    filter: (w) => {
      if (table !== undefined) w.attrString(K.NFTA_RULE_TABLE, table);
      if (chain !== undefined) w.attrString(K.NFTA_RULE_CHAIN, chain);
    },
  };
}

/** Lists rules, in chain order. */
export async function nftRuleList(c: NftClient, filter: NftRuleFilter = {}): Promise<NftRule[]> {
  const msgs = await c.dump(nftRuleListRequest(filter));
  const out: NftRule[] = [];
  for (const m of msgs) {
    if (m.type !== nftType(K.NFT_MSG_NEWRULE)) continue;
    const r = decodeRule(m);
    if (filter.comment === undefined || r.comment === filter.comment) out.push(r);
  }
  return out;
}

/** Adds one rule in its own transaction and returns it as the kernel created it (with its handle). */
export async function nftRuleAdd(c: NftClient, spec: NftRuleSpec): Promise<NftRule> {
  const [echo] = await c.transaction([nftRuleAddRequest({ ...spec, echo: true })]);
  const m = echo?.find((x) => x.type === nftType(K.NFT_MSG_NEWRULE));
  if (!m) throw new Error(`nftRuleAdd: the kernel did not echo the rule (${spec.family} ${spec.table} ${spec.chain})`);
  return decodeRule(m);
}

export async function nftRuleDel(c: NftClient, ref: NftRuleRef): Promise<void> {
  await c.transaction([nftRuleDelRequest(ref)]);
}
