import { u32be } from '../../wire/attrs.js';
import * as C from './constants.js';
import { exprCodec } from './fields.js';

/**
 * nat: source or destination NAT to the address (and port) range held in registers, which
 * immediates before it load. `family` is the NFPROTO_* of the address.
 */
export interface NatExpr {
  kind: 'nat';
  /** NFT_NAT_SNAT or NFT_NAT_DNAT */
  type: number;
  /** NFPROTO_IPV4 or NFPROTO_IPV6 */
  family: number;
  regAddrMin?: number;
  regAddrMax?: number;
  regProtoMin?: number;
  regProtoMax?: number;
  /** NF_NAT_RANGE_* */
  flags?: number;
}

/** masq: source NAT to the address of the outgoing interface. */
export interface MasqExpr {
  kind: 'masq';
  /** NF_NAT_RANGE_* */
  flags?: number;
  regProtoMin?: number;
  regProtoMax?: number;
}

// Both in libnftnl's order, which is the attribute order.
export const natCodec = exprCodec<NatExpr>('nat', [
  [C.NFTA_NAT_TYPE, 'type', u32be, true],
  [C.NFTA_NAT_FAMILY, 'family', u32be, true],
  [C.NFTA_NAT_REG_ADDR_MIN, 'regAddrMin', u32be],
  [C.NFTA_NAT_REG_ADDR_MAX, 'regAddrMax', u32be],
  [C.NFTA_NAT_REG_PROTO_MIN, 'regProtoMin', u32be],
  [C.NFTA_NAT_REG_PROTO_MAX, 'regProtoMax', u32be],
  [C.NFTA_NAT_FLAGS, 'flags', u32be],
]);

export const masqCodec = exprCodec<MasqExpr>('masq', [
  [C.NFTA_MASQ_FLAGS, 'flags', u32be],
  [C.NFTA_MASQ_REG_PROTO_MIN, 'regProtoMin', u32be],
  [C.NFTA_MASQ_REG_PROTO_MAX, 'regProtoMax', u32be],
]);
