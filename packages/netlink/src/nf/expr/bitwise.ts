import type { Buffer } from 'node:buffer';
import { u32be } from '../../wire/attrs.js';
import * as C from './constants.js';
import { dataValue } from './data.js';
import { exprCodec } from './fields.js';

/** bitwise: dreg = (sreg & mask) ^ xor over `len` bytes, or a shift by `data` (NFT_BITWISE_*). */
export interface BitwiseExpr {
  kind: 'bitwise';
  sreg: number;
  dreg: number;
  len: number;
  /** NFT_BITWISE_MASK_XOR (what the kernel assumes when absent), _LSHIFT, _RSHIFT */
  op?: number;
  mask?: Buffer;
  xor?: Buffer;
  /** The shift amount of _LSHIFT / _RSHIFT. */
  data?: Buffer;
}

// libnftnl's order: sreg, dreg, op, len, mask, xor, data.
export const bitwiseCodec = exprCodec<BitwiseExpr>('bitwise', [
  [C.NFTA_BITWISE_SREG, 'sreg', u32be, true],
  [C.NFTA_BITWISE_DREG, 'dreg', u32be, true],
  [C.NFTA_BITWISE_OP, 'op', u32be],
  [C.NFTA_BITWISE_LEN, 'len', u32be, true],
  [C.NFTA_BITWISE_MASK, 'mask', dataValue],
  [C.NFTA_BITWISE_XOR, 'xor', dataValue],
  [C.NFTA_BITWISE_DATA, 'data', dataValue],
]);
