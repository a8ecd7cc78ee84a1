import type { Buffer } from 'node:buffer';
import { u32be } from '../../wire/attrs.js';
import * as C from './constants.js';
import { dataValue } from './data.js';
import { exprCodec } from './fields.js';

/** cmp: compares register `sreg` with `data` (NFT_CMP_*); a mismatch ends the rule. */
export interface CmpExpr {
  kind: 'cmp';
  sreg: number;
  /** NFT_CMP_EQ, _NEQ, _LT, _LTE, _GT, _GTE */
  op: number;
  /** The bytes compared, in the register's (packet's) byte order. */
  data: Buffer;
}

export const cmpCodec = exprCodec<CmpExpr>('cmp', [
  [C.NFTA_CMP_SREG, 'sreg', u32be, true],
  [C.NFTA_CMP_OP, 'op', u32be, true],
  [C.NFTA_CMP_DATA, 'data', dataValue, true],
]);
