import type { Buffer } from 'node:buffer';
import type { RawMessage } from '../wire/header.js';
import { schema, string, binary, u32be, nested, findAttr, type AttrOf } from '../wire/attrs.js';
import { ValidationError } from '../errors.js';
import { checkInt } from '../validate.js';
import * as L from '../constants/netlink.js';
import * as K from './constants.js';
import {
  u64be,
  s32be,
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
import { be64 } from './table.js';
import type { NftClient, NftRequest } from './client.js';
import type { Writer } from '../wire/writer.js';

// nf_tables chains: NFT_MSG_NEWCHAIN / DELCHAIN / GETCHAIN, enum nft_chain_attributes. A base
// chain has a hook (NFTA_CHAIN_HOOK: hook number and priority, big-endian), a type ("filter",
// "nat", "route") and a policy; a regular chain has none and is reached by jump/goto.

export const deviceSchema = schema([[K.NFTA_DEVICE_NAME, 'name', string]] as const);

export const hookSchema = schema([
  [K.NFTA_HOOK_HOOKNUM, 'hooknum', u32be],
  [K.NFTA_HOOK_PRIORITY, 'priority', s32be],
  [K.NFTA_HOOK_DEV, 'dev', string],
  [K.NFTA_HOOK_DEVS, 'devs', nested(deviceSchema)],
] as const);
export type HookAttr = AttrOf<typeof hookSchema.specs>;

export const counterSchema = schema([
  [K.NFTA_COUNTER_BYTES, 'bytes', u64be],
  [K.NFTA_COUNTER_PACKETS, 'packets', u64be],
  [K.NFTA_COUNTER_PAD, 'pad', binary],
] as const);

export const chainSchema = schema([
  [K.NFTA_CHAIN_TABLE, 'table', string],
  [K.NFTA_CHAIN_HANDLE, 'handle', u64be],
  [K.NFTA_CHAIN_NAME, 'name', string],
  [K.NFTA_CHAIN_HOOK, 'hook', nested(hookSchema)],
  [K.NFTA_CHAIN_POLICY, 'policy', u32be],
  [K.NFTA_CHAIN_USE, 'use', u32be],
  [K.NFTA_CHAIN_TYPE, 'type', string],
  [K.NFTA_CHAIN_COUNTERS, 'counters', nested(counterSchema)],
  [K.NFTA_CHAIN_PAD, 'pad', binary],
  [K.NFTA_CHAIN_FLAGS, 'flags', u32be],
  [K.NFTA_CHAIN_ID, 'id', u32be],
  [K.NFTA_CHAIN_USERDATA, 'userdata', binary],
] as const);

export type ChainAttr = AttrOf<typeof chainSchema.specs>;
export type ChainMessage = NfMessage<ChainAttr>;

export function decodeChainMessage(b: Buffer, start: number, end: number): ChainMessage {
  return decodeNfMessage(chainSchema, b, start, end);
}

export function encodeChainMessage(w: Writer, m: ChainMessage): void {
  encodeNfMessage(chainSchema, w, m);
}

/** Hook names: the same numbers mean different hooks in different families. */
export type NftHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

// linux/netfilter.h: enum nf_inet_hooks (ip, ip6, inet, bridge), enum nf_dev_hooks (netdev);
// linux/netfilter_arp.h: NF_ARP_IN 0, NF_ARP_OUT 1.
const INET_HOOKS: Partial<Record<NftHook, number>> = {
  prerouting: K.NF_INET_PRE_ROUTING,
  input: K.NF_INET_LOCAL_IN,
  forward: K.NF_INET_FORWARD,
  output: K.NF_INET_LOCAL_OUT,
  postrouting: K.NF_INET_POST_ROUTING,
  ingress: K.NF_INET_INGRESS,
};
const NETDEV_HOOKS: Partial<Record<NftHook, number>> = { ingress: K.NF_NETDEV_INGRESS, egress: K.NF_NETDEV_EGRESS };
const ARP_HOOKS: Partial<Record<NftHook, number>> = { input: 0, output: 1 };

function hooksOf(family: number): Partial<Record<NftHook, number>> {
  return family === K.NFPROTO_NETDEV ? NETDEV_HOOKS : family === K.NFPROTO_ARP ? ARP_HOOKS : INET_HOOKS;
}

/** The name of hook `n` in `family`, or the number when it has none. */
export function nftHookName(family: number, n: number): NftHook | number {
  for (const [k, v] of Object.entries(hooksOf(family))) if (v === n) return k as NftHook;
  return n;
}

export type NftPolicy = 'accept' | 'drop';
const POLICIES: Readonly<Record<NftPolicy, number>> = { accept: K.NF_ACCEPT, drop: K.NF_DROP };

/** A chain as the kernel reports it. */
export interface NftChain {
  family: NftFamily | number;
  table: string;
  name: string;
  handle: number | undefined;
  /** Has a hook (NFT_CHAIN_BASE). */
  base: boolean;
  /** "filter", "nat", "route" (base chains). */
  type: string | undefined;
  /** Hook name (or number when unnamed in this family). */
  hook: NftHook | number | undefined;
  /** Signed hook priority: lower runs first. */
  priority: number | undefined;
  /** Base chains: the verdict when no rule decides. */
  policy: NftPolicy | number | undefined;
  /** netdev / inet ingress: the device. */
  device: string | undefined;
  /** NFT_CHAIN_* bits. */
  flags: number;
  /** References: rules jumping here and so on. */
  use: number | undefined;
  comment: string | undefined;
  userdata: Buffer | undefined;
  message: ChainMessage;
}

export function chainFromMessage(m: ChainMessage): NftChain {
  const hook = findAttr(m.attrs, 'hook')?.value;
  const hooknum = hook && findAttr(hook, 'hooknum')?.value;
  const policy = findAttr(m.attrs, 'policy')?.value;
  const handle = findAttr(m.attrs, 'handle')?.value;
  const userdata = findAttr(m.attrs, 'userdata')?.value;
  const flags = findAttr(m.attrs, 'flags')?.value ?? 0;
  const p = policy === undefined ? undefined : policy === K.NF_ACCEPT ? 'accept' : policy === K.NF_DROP ? 'drop' : policy;
  return {
    family: nftFamilyName(m.family),
    table: findAttr(m.attrs, 'table')?.value ?? '',
    name: findAttr(m.attrs, 'name')?.value ?? '',
    handle: handle === undefined ? undefined : Number(handle),
    base: hook !== undefined || (flags & K.NFT_CHAIN_BASE) !== 0,
    type: findAttr(m.attrs, 'type')?.value,
    hook: hooknum === undefined ? undefined : nftHookName(m.family, hooknum),
    priority: hook && findAttr(hook, 'priority')?.value,
    policy: p,
    device: hook && findAttr(hook, 'dev')?.value,
    flags,
    use: findAttr(m.attrs, 'use')?.value,
    comment: udataComment(userdata),
    userdata,
    message: m,
  };
}

export const decodeChain = (m: RawMessage): NftChain => chainFromMessage(decodeChainMessage(m.buf, m.start, m.end));

export interface NftChainSpec {
  family: NftFamily;
  table: string;
  name: string;
  /** Base chains: "filter", "nat" or "route". With `hook` and `priority`. */
  type?: 'filter' | 'nat' | 'route';
  hook?: NftHook;
  /** Signed priority, e.g. NF_IP_PRI_NAT_SRC (100, nft's "srcnat"), NF_IP_PRI_FILTER (0). */
  priority?: number;
  /** Default policy of a base chain (kernel default: accept). */
  policy?: NftPolicy;
  /** The device of a netdev (or inet ingress) chain. */
  device?: string;
  comment?: string;
  userdata?: Uint8Array;
  /** Fail with EEXIST when the chain exists (NLM_F_EXCL, like `nft create chain`). */
  exclusive?: boolean;
}

/** A chain by name or by handle. */
export type NftChainRef = { family: NftFamily; table: string; name: string } | { family: NftFamily; table: string; handle: number };

/** The NEWCHAIN message for a transaction. Attribute order as nft writes it. */
export function nftChainAddRequest(spec: NftChainSpec): NftRequest {
  const family = nftFamily('chain.family', spec.family);
  const table = checkNftName('chain.table', spec.table);
  const name = checkNftName('chain.name', spec.name);
  const based = spec.hook !== undefined || spec.type !== undefined || spec.priority !== undefined || spec.policy !== undefined || spec.device !== undefined;
  let hooknum: number | undefined;
  let priority = 0;
  if (based) {
    if (spec.hook === undefined) throw new ValidationError('chain.hook', spec.hook, 'a base chain (type, priority, policy or device given) needs a hook');
    hooknum = hooksOf(family)[spec.hook];
    if (hooknum === undefined) {
      throw new ValidationError('chain.hook', spec.hook, `must be one of ${Object.keys(hooksOf(family)).join(', ')} for family ${spec.family}`);
    }
    if (spec.type === undefined || !['filter', 'nat', 'route'].includes(spec.type))
      throw new ValidationError('chain.type', spec.type, 'must be filter, nat or route');
    priority = checkInt('chain.priority', spec.priority, -0x80000000, 0x7fffffff);
  }
  if (spec.policy !== undefined && POLICIES[spec.policy] === undefined) throw new ValidationError('chain.policy', spec.policy, 'must be accept or drop');
  if (spec.device !== undefined) checkNftName('chain.device', spec.device);
  if (spec.comment !== undefined && spec.userdata !== undefined)
    throw new ValidationError('chain.userdata', '(bytes)', 'give either comment or userdata, not both');
  const udata =
    spec.comment !== undefined
      ? commentUdata('chain.comment', spec.comment)
      : spec.userdata !== undefined
        ? checkUserdata('chain.userdata', spec.userdata)
        : undefined;
  const hookText = based ? ` (${spec.type} hook ${spec.hook} priority ${priority}${spec.policy ? ` policy ${spec.policy}` : ''})` : '';
  return {
    type: K.NFT_MSG_NEWCHAIN,
    flags: L.NLM_F_CREATE | (spec.exclusive ? L.NLM_F_EXCL : 0),
    family,
    what: `nftChainAdd ${spec.family} ${table} ${name}${hookText}`,
    body: (w) => {
      w.attrString(K.NFTA_CHAIN_TABLE, table);
      w.attrString(K.NFTA_CHAIN_NAME, name);
      if (based) w.attrString(K.NFTA_CHAIN_TYPE, spec.type as string);
      if (spec.policy !== undefined) w.attrU32be(K.NFTA_CHAIN_POLICY, POLICIES[spec.policy]);
      if (hooknum !== undefined) {
        const at = w.beginNest(K.NFTA_CHAIN_HOOK, true);
        w.attrU32be(K.NFTA_HOOK_HOOKNUM, hooknum);
        w.attrU32be(K.NFTA_HOOK_PRIORITY, priority >>> 0);
        if (spec.device !== undefined) w.attrString(K.NFTA_HOOK_DEV, spec.device);
        w.endAttr(at);
      }
      if (udata) w.attrBytes(K.NFTA_CHAIN_USERDATA, udata);
    },
  };
}

/** The DELCHAIN message: deletes the chain and its rules (EBUSY while something jumps to it). */
export function nftChainDelRequest(ref: NftChainRef): NftRequest {
  const family = nftFamily('chain.family', ref.family);
  const table = checkNftName('chain.table', ref.table);
  if ('handle' in ref) {
    const handle = checkHandle('chain.handle', ref.handle);
    return {
      type: K.NFT_MSG_DELCHAIN,
      family,
      what: `nftChainDel ${ref.family} ${table} handle ${handle}`,
      body: (w) => {
        w.attrString(K.NFTA_CHAIN_TABLE, table);
        w.attrBytes(K.NFTA_CHAIN_HANDLE, be64(handle));
      },
    };
  }
  const name = checkNftName('chain.name', ref.name);
  return {
    type: K.NFT_MSG_DELCHAIN,
    family,
    what: `nftChainDel ${ref.family} ${table} ${name}`,
    body: (w) => {
      w.attrString(K.NFTA_CHAIN_TABLE, table);
      w.attrString(K.NFTA_CHAIN_NAME, name);
    },
  };
}

export async function nftChainAdd(c: NftClient, spec: NftChainSpec): Promise<void> {
  await c.transaction([nftChainAddRequest(spec)]);
}

export async function nftChainDel(c: NftClient, ref: NftChainRef): Promise<void> {
  await c.transaction([nftChainDelRequest(ref)]);
}

export interface NftChainFilter {
  family?: NftFamily;
  table?: string;
  name?: string;
}

/** Lists chains; the kernel filters by family, we by table and name. */
export async function nftChainList(c: NftClient, filter: NftChainFilter = {}): Promise<NftChain[]> {
  const family = filter.family === undefined ? K.NFPROTO_UNSPEC : nftFamily('filter.family', filter.family);
  const msgs = await c.dump({
    type: K.NFT_MSG_GETCHAIN,
    family,
    what: `nftChainList${filter.family ? ` ${filter.family}` : ''}${filter.table ? ` ${filter.table}` : ''}`,
  });
  const out: NftChain[] = [];
  for (const m of msgs) {
    if (m.type !== nftType(K.NFT_MSG_NEWCHAIN)) continue;
    const ch = decodeChain(m);
    if (filter.table !== undefined && ch.table !== filter.table) continue;
    if (filter.name !== undefined && ch.name !== filter.name) continue;
    out.push(ch);
  }
  return out;
}
