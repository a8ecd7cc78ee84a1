import type { Buffer } from 'node:buffer';
import { schema, decodeAttrs, binary, string, u32be } from '../../wire/attrs.js';
import { DecodeError } from '../../wire/errors.js';
import * as C from './constants.js';
import { NLA_F_NESTED } from '../../constants/netlink.js';
import { s32be } from '../header.js';
import { struct, type NestedCodec } from './fields.js';

// struct nft_data on the wire (enum nft_data_attributes): a nest holding either
// NFTA_DATA_VALUE (raw bytes, in the byte order of the packet field they stand for) or
// NFTA_DATA_VERDICT (a nest of NFTA_VERDICT_*).

/** A verdict: NF_ACCEPT, NF_DROP, NFT_RETURN ..., or NFT_JUMP / NFT_GOTO with the chain. */
export interface Verdict {
  /** NF_* or NFT_* verdict code (signed: NFT_JUMP is -3). */
  code: number;
  /** Target chain of NFT_JUMP / NFT_GOTO. */
  chain?: string;
  /** Target chain by its NFTA_CHAIN_ID, for a chain created in the same transaction. */
  chainId?: number;
}

/** The payload of an immediate: a value to load into a data register, or a verdict. */
export type NftData = { value: Buffer } | { verdict: Verdict };

export const verdictCodec = struct<Verdict>([
  [C.NFTA_VERDICT_CODE, 'code', s32be, true],
  [C.NFTA_VERDICT_CHAIN, 'chain', string],
  [C.NFTA_VERDICT_CHAIN_ID, 'chainId', u32be],
]);

const dataSchema = schema([
  [C.NFTA_DATA_VALUE, 'value', binary],
  [C.NFTA_DATA_VERDICT, 'verdict', verdictCodec],
] as const);

/** The one attribute of an nft_data nest, or undefined when it holds anything else. */
function only(b: Buffer, off: number, len: number) {
  let attrs;
  try {
    attrs = decodeAttrs(dataSchema, b, off, off + len);
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
  const a = attrs[0];
  if (attrs.length !== 1 || a === undefined || a.type === 'unknown') return undefined;
  const flags = a.flags ?? 0;
  if (a.type === 'value' ? flags !== 0 : (flags & ~NLA_F_NESTED) !== 0) return undefined;
  return a;
}

/** An nft_data nest that must hold a value (NFTA_CMP_DATA, NFTA_BITWISE_MASK ...). */
export const dataValue: NestedCodec<Buffer> = {
  nested: true,
  decode: (b, off, len) => {
    const a = only(b, off, len);
    return a?.type === 'value' ? a.value : undefined;
  },
  encode: (w, v) => void w.attrBytes(C.NFTA_DATA_VALUE, v),
};

/** An nft_data nest holding a value or a verdict (NFTA_IMMEDIATE_DATA). */
export const dataAny: NestedCodec<NftData> = {
  nested: true,
  decode: (b, off, len) => {
    const a = only(b, off, len);
    if (a === undefined) return undefined;
    return a.type === 'value' ? { value: a.value } : { verdict: a.value };
  },
  encode: (w, v) => {
    if ('value' in v) {
      w.attrBytes(C.NFTA_DATA_VALUE, v.value);
      return;
    }
    const at = w.beginNest(C.NFTA_DATA_VERDICT, true);
    verdictCodec.encode(w, v.verdict);
    w.endAttr(at);
  },
};
