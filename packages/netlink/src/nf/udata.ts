import { Buffer } from 'node:buffer';
import { ValidationError } from '../errors.js';
import { NFT_USERDATA_MAXLEN } from './constants.js';

// Userdata (NFTA_TABLE_USERDATA, NFTA_CHAIN_USERDATA, NFTA_RULE_USERDATA) is opaque to the
// kernel. nft fills it with libnftnl's TLVs (libnftnl/udata.h): type u8, length u8, value; a
// comment is type 0 (NFTNL_UDATA_TABLE_COMMENT, NFTNL_UDATA_CHAIN_COMMENT and
// NFTNL_UDATA_RULE_COMMENT are all 0) holding a NUL-terminated string. We write comments the
// same way so that `nft list` shows them.

export const NFTNL_UDATA_COMMENT = 0;

export interface UdataTlv {
  type: number;
  value: Buffer;
}

/** Splits userdata into TLVs; undefined when it is not a well-formed TLV run. */
export function parseUdata(b: Uint8Array): UdataTlv[] | undefined {
  const out: UdataTlv[] = [];
  let off = 0;
  while (off < b.length) {
    if (off + 2 > b.length) return undefined;
    const len = b[off + 1] as number;
    if (off + 2 + len > b.length) return undefined;
    out.push({ type: b[off] as number, value: Buffer.from(b.subarray(off + 2, off + 2 + len)) });
    off += 2 + len;
  }
  return out;
}

/** The comment in nft-style userdata, if there is one. */
export function udataComment(b: Uint8Array | undefined): string | undefined {
  if (b === undefined) return undefined;
  const tlv = parseUdata(b)?.find((t) => t.type === NFTNL_UDATA_COMMENT);
  if (!tlv || tlv.value.length === 0 || tlv.value[tlv.value.length - 1] !== 0) return undefined;
  return tlv.value.toString('utf8', 0, tlv.value.length - 1);
}

/** nft-style userdata holding one comment (as `comment "..."` in nft writes it). */
export function commentUdata(field: string, comment: unknown): Buffer {
  if (typeof comment !== 'string') throw new ValidationError(field, comment, 'must be a string');
  const s = Buffer.from(`${comment}\0`, 'utf8');
  if (s.length > 255 || s.length + 2 > NFT_USERDATA_MAXLEN)
    throw new ValidationError(field, comment, `must be at most ${Math.min(254, NFT_USERDATA_MAXLEN - 3)} bytes`);
  if (s.indexOf(0) !== s.length - 1) throw new ValidationError(field, comment, 'must not contain NUL');
  return Buffer.concat([Buffer.from([NFTNL_UDATA_COMMENT, s.length]), s]);
}

/** Userdata given as bytes: at most NFT_USERDATA_MAXLEN. */
export function checkUserdata(field: string, b: unknown): Buffer {
  if (!(b instanceof Uint8Array)) throw new ValidationError(field, b, 'must be a Uint8Array');
  if (b.length > NFT_USERDATA_MAXLEN) throw new ValidationError(field, `${b.length} bytes`, `must be at most ${NFT_USERDATA_MAXLEN} bytes`);
  return Buffer.from(b);
}
