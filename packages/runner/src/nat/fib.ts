import { Buffer } from 'node:buffer';
import { NFT_CMP_EQ, NFT_REG_1, type Expr } from '@nsrun/netlink/nf';

// `fib daddr type local`: the destination is one of the host's own addresses (as iptables'
// `-m addrtype --dst-type LOCAL`). The rule codec has no fib kind, so it goes as a raw
// expression: NFTA_EXPR_DATA holds the nested attributes (linux/netfilter/nf_tables.h, enum
// nft_fib_attributes), each a big-endian u32.

const NFTA_FIB_DREG = 1;
const NFTA_FIB_RESULT = 2;
const NFTA_FIB_FLAGS = 3;
const NFT_FIB_RESULT_ADDRTYPE = 3; // enum nft_fib_result
const NFTA_FIB_F_DADDR = 1 << 1; // enum nft_fib_flags
const RTN_LOCAL = 2; // linux/rtnetlink.h

function u32Attr(type: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(8, 0);
  b.writeUInt16LE(type, 2);
  b.writeUInt32BE(v, 4);
  return b;
}

export function fibDaddrLocal(): Expr[] {
  const data = Buffer.concat([u32Attr(NFTA_FIB_DREG, NFT_REG_1), u32Attr(NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE), u32Attr(NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR)]);
  // The address type sits in the register as a host-order u32.
  const local = Buffer.from(new Uint32Array([RTN_LOCAL]).buffer);
  return [
    { kind: 'unknown', name: 'fib', data },
    { kind: 'cmp', sreg: NFT_REG_1, op: NFT_CMP_EQ, data: local },
  ];
}
