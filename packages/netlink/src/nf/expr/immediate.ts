import { u32be } from '../../wire/attrs.js';
import * as C from './constants.js';
import { dataAny, type NftData } from './data.js';
import { exprCodec } from './fields.js';

/**
 * immediate: loads a constant into `dreg`: a value into a data register (a NAT address or
 * port), or a verdict into NFT_REG_VERDICT (accept, drop, jump / goto a chain ...).
 */
export interface ImmediateExpr {
  kind: 'immediate';
  dreg: number;
  data: NftData;
}

export const immediateCodec = exprCodec<ImmediateExpr>('immediate', [
  [C.NFTA_IMMEDIATE_DREG, 'dreg', u32be, true],
  [C.NFTA_IMMEDIATE_DATA, 'data', dataAny, true],
]);
