import { u8, u32be } from '../../wire/attrs.js';
import * as C from './constants.js';
import { exprCodec } from './fields.js';

/** ct: loads conntrack data (NFT_CT_*) into `dreg`, or sets it from `sreg`. */
export interface CtExpr {
  kind: 'ct';
  /** NFT_CT_* */
  key: number;
  dreg?: number;
  sreg?: number;
  /** IP_CT_DIR_ORIGINAL or IP_CT_DIR_REPLY, for keys that have a direction. */
  direction?: number;
}

// libnftnl's order: key, dreg, direction, sreg.
export const ctCodec = exprCodec<CtExpr>('ct', [
  [C.NFTA_CT_KEY, 'key', u32be, true],
  [C.NFTA_CT_DREG, 'dreg', u32be],
  [C.NFTA_CT_DIRECTION, 'direction', u8],
  [C.NFTA_CT_SREG, 'sreg', u32be],
]);
