import { u32be } from '../../wire/attrs.js';
import * as C from './constants.js';
import { exprCodec } from './fields.js';

/** meta: loads packet metadata (NFT_META_*) into `dreg`, or sets it from `sreg`. */
export interface MetaExpr {
  kind: 'meta';
  /** NFT_META_* */
  key: number;
  dreg?: number;
  sreg?: number;
}

// libnftnl's order: key, dreg, sreg.
export const metaCodec = exprCodec<MetaExpr>('meta', [
  [C.NFTA_META_KEY, 'key', u32be, true],
  [C.NFTA_META_DREG, 'dreg', u32be],
  [C.NFTA_META_SREG, 'sreg', u32be],
]);
