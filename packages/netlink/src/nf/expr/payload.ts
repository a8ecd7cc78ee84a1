import { u32be } from '../../wire/attrs.js';
import * as C from './constants.js';
import { exprCodec } from './fields.js';

/** payload: loads `len` bytes at `offset` from a header (NFT_PAYLOAD_*_HEADER) into `dreg`, or writes them from `sreg`. */
export interface PayloadExpr {
  kind: 'payload';
  /** NFT_PAYLOAD_LL_HEADER, _NETWORK_HEADER, _TRANSPORT_HEADER, _INNER_HEADER */
  base: number;
  offset: number;
  len: number;
  dreg?: number;
  sreg?: number;
  /** NFT_PAYLOAD_CSUM_* (a payload write) */
  csumType?: number;
  csumOffset?: number;
  /** NFT_PAYLOAD_L4CSUM_PSEUDOHDR */
  csumFlags?: number;
}

// libnftnl's order: sreg, dreg, base, offset, len, csum type, csum offset, csum flags.
export const payloadCodec = exprCodec<PayloadExpr>('payload', [
  [C.NFTA_PAYLOAD_SREG, 'sreg', u32be],
  [C.NFTA_PAYLOAD_DREG, 'dreg', u32be],
  [C.NFTA_PAYLOAD_BASE, 'base', u32be, true],
  [C.NFTA_PAYLOAD_OFFSET, 'offset', u32be, true],
  [C.NFTA_PAYLOAD_LEN, 'len', u32be, true],
  [C.NFTA_PAYLOAD_CSUM_TYPE, 'csumType', u32be],
  [C.NFTA_PAYLOAD_CSUM_OFFSET, 'csumOffset', u32be],
  [C.NFTA_PAYLOAD_CSUM_FLAGS, 'csumFlags', u32be],
]);
