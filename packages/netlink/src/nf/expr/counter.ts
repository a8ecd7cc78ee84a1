import * as C from './constants.js';
import { u64be } from '../header.js';
import { exprCodec } from './fields.js';

/** counter: counts packets and bytes. nft sends it empty; the kernel's dumps carry both totals. */
export interface CounterExpr {
  kind: 'counter';
  bytes?: bigint;
  packets?: bigint;
}

export const counterCodec = exprCodec<CounterExpr>('counter', [
  [C.NFTA_COUNTER_BYTES, 'bytes', u64be],
  [C.NFTA_COUNTER_PACKETS, 'packets', u64be],
]);
