// nf_tables expression constants, transcribed from the Linux uapi headers as installed in
// /usr/include: linux/netfilter/nf_tables.h (registers, verdicts, NFTA_* of each expression,
// keys and operators), linux/netfilter/nf_nat.h (NF_NAT_RANGE_*) and
// linux/netfilter/nf_conntrack_common.h (ct state bits). The one exception, the rule userdata
// TLV types, is libnftnl's (include/libnftnl/udata.h): nft writes comments in that format.
// Table, chain and rule attributes, NFTA_LIST_*, NFTA_COUNTER_* and the NF_* verdicts of
// linux/netfilter.h are in ../constants.ts; the verdicts are re-exported here for convenience.

export { NF_DROP, NF_ACCEPT, NF_STOLEN, NF_QUEUE, NF_REPEAT, NF_STOP } from '../constants.js';
export { NFTA_COUNTER_UNSPEC, NFTA_COUNTER_BYTES, NFTA_COUNTER_PACKETS, NFTA_COUNTER_PAD, NFTA_LIST_ELEM } from '../constants.js';

export { NFT_NAME_MAXLEN, NFT_USERDATA_MAXLEN } from '../constants.js';

// enum nft_registers: a verdict register, four 16-byte data registers (legacy numbering) and
// the same space as sixteen 4-byte registers.
export const NFT_REG_VERDICT = 0;
export const NFT_REG_1 = 1;
export const NFT_REG_2 = 2;
export const NFT_REG_3 = 3;
export const NFT_REG_4 = 4;
export const NFT_REG32_00 = 8;
export const NFT_REG32_01 = 9;
export const NFT_REG32_02 = 10;
export const NFT_REG32_03 = 11;
export const NFT_REG32_04 = 12;
export const NFT_REG32_05 = 13;
export const NFT_REG32_06 = 14;
export const NFT_REG32_07 = 15;
export const NFT_REG32_08 = 16;
export const NFT_REG32_09 = 17;
export const NFT_REG32_10 = 18;
export const NFT_REG32_11 = 19;
export const NFT_REG32_12 = 20;
export const NFT_REG32_13 = 21;
export const NFT_REG32_14 = 22;
export const NFT_REG32_15 = 23;
export const NFT_REG_SIZE = 16;
export const NFT_REG32_SIZE = 4;

// enum nft_verdicts (they share their numeric space with the NF_* verdicts)
export const NFT_CONTINUE = -1;
export const NFT_BREAK = -2;
export const NFT_JUMP = -3;
export const NFT_GOTO = -4;
export const NFT_RETURN = -5;

// enum nft_data_types
export const NFT_DATA_VALUE = 0;
export const NFT_DATA_VERDICT = 0xffffff00;
export const NFT_DATA_VALUE_MAXLEN = 64;

// enum nft_data_attributes
export const NFTA_DATA_UNSPEC = 0;
export const NFTA_DATA_VALUE = 1;
export const NFTA_DATA_VERDICT = 2;

// enum nft_verdict_attributes
export const NFTA_VERDICT_UNSPEC = 0;
export const NFTA_VERDICT_CODE = 1;
export const NFTA_VERDICT_CHAIN = 2;
export const NFTA_VERDICT_CHAIN_ID = 3;

// enum nft_expr_attributes
export const NFTA_EXPR_UNSPEC = 0;
export const NFTA_EXPR_NAME = 1;
export const NFTA_EXPR_DATA = 2;

// enum nft_immediate_attributes
export const NFTA_IMMEDIATE_UNSPEC = 0;
export const NFTA_IMMEDIATE_DREG = 1;
export const NFTA_IMMEDIATE_DATA = 2;

// enum nft_bitwise_ops
export const NFT_BITWISE_MASK_XOR = 0;
export const NFT_BITWISE_BOOL = 0; // the old name of NFT_BITWISE_MASK_XOR
export const NFT_BITWISE_LSHIFT = 1;
export const NFT_BITWISE_RSHIFT = 2;

// enum nft_bitwise_attributes: dreg = (sreg & mask) ^ xor, or a shift by data
export const NFTA_BITWISE_UNSPEC = 0;
export const NFTA_BITWISE_SREG = 1;
export const NFTA_BITWISE_DREG = 2;
export const NFTA_BITWISE_LEN = 3;
export const NFTA_BITWISE_MASK = 4;
export const NFTA_BITWISE_XOR = 5;
export const NFTA_BITWISE_OP = 6;
export const NFTA_BITWISE_DATA = 7;

// enum nft_cmp_ops
export const NFT_CMP_EQ = 0;
export const NFT_CMP_NEQ = 1;
export const NFT_CMP_LT = 2;
export const NFT_CMP_LTE = 3;
export const NFT_CMP_GT = 4;
export const NFT_CMP_GTE = 5;

// enum nft_cmp_attributes
export const NFTA_CMP_UNSPEC = 0;
export const NFTA_CMP_SREG = 1;
export const NFTA_CMP_OP = 2;
export const NFTA_CMP_DATA = 3;

// enum nft_payload_bases
export const NFT_PAYLOAD_LL_HEADER = 0;
export const NFT_PAYLOAD_NETWORK_HEADER = 1;
export const NFT_PAYLOAD_TRANSPORT_HEADER = 2;
export const NFT_PAYLOAD_INNER_HEADER = 3;

// enum nft_payload_csum_types / enum nft_payload_csum_flags
export const NFT_PAYLOAD_CSUM_NONE = 0;
export const NFT_PAYLOAD_CSUM_INET = 1;
export const NFT_PAYLOAD_CSUM_SCTP = 2;
export const NFT_PAYLOAD_L4CSUM_PSEUDOHDR = 1 << 0;

// enum nft_payload_attributes
export const NFTA_PAYLOAD_UNSPEC = 0;
export const NFTA_PAYLOAD_DREG = 1;
export const NFTA_PAYLOAD_BASE = 2;
export const NFTA_PAYLOAD_OFFSET = 3;
export const NFTA_PAYLOAD_LEN = 4;
export const NFTA_PAYLOAD_SREG = 5;
export const NFTA_PAYLOAD_CSUM_TYPE = 6;
export const NFTA_PAYLOAD_CSUM_OFFSET = 7;
export const NFTA_PAYLOAD_CSUM_FLAGS = 8;

// enum nft_meta_keys
export const NFT_META_LEN = 0;
export const NFT_META_PROTOCOL = 1;
export const NFT_META_PRIORITY = 2;
export const NFT_META_MARK = 3;
export const NFT_META_IIF = 4;
export const NFT_META_OIF = 5;
export const NFT_META_IIFNAME = 6;
export const NFT_META_OIFNAME = 7;
export const NFT_META_IFTYPE = 8;
export const NFT_META_IIFTYPE = 8; // #define NFT_META_IIFTYPE NFT_META_IFTYPE
export const NFT_META_OIFTYPE = 9;
export const NFT_META_SKUID = 10;
export const NFT_META_SKGID = 11;
export const NFT_META_NFTRACE = 12;
export const NFT_META_RTCLASSID = 13;
export const NFT_META_SECMARK = 14;
export const NFT_META_NFPROTO = 15;
export const NFT_META_L4PROTO = 16;
export const NFT_META_BRI_IIFNAME = 17;
export const NFT_META_BRI_OIFNAME = 18;
export const NFT_META_PKTTYPE = 19;
export const NFT_META_CPU = 20;
export const NFT_META_IIFGROUP = 21;
export const NFT_META_OIFGROUP = 22;
export const NFT_META_CGROUP = 23;
export const NFT_META_PRANDOM = 24;
export const NFT_META_SECPATH = 25;
export const NFT_META_IIFKIND = 26;
export const NFT_META_OIFKIND = 27;
export const NFT_META_BRI_IIFPVID = 28;
export const NFT_META_BRI_IIFVPROTO = 29;
export const NFT_META_TIME_NS = 30;
export const NFT_META_TIME_DAY = 31;
export const NFT_META_TIME_HOUR = 32;
export const NFT_META_SDIF = 33;
export const NFT_META_SDIFNAME = 34;

// enum nft_meta_attributes
export const NFTA_META_UNSPEC = 0;
export const NFTA_META_DREG = 1;
export const NFTA_META_KEY = 2;
export const NFTA_META_SREG = 3;

// enum nft_ct_keys
export const NFT_CT_STATE = 0;
export const NFT_CT_DIRECTION = 1;
export const NFT_CT_STATUS = 2;
export const NFT_CT_MARK = 3;
export const NFT_CT_SECMARK = 4;
export const NFT_CT_EXPIRATION = 5;
export const NFT_CT_HELPER = 6;
export const NFT_CT_L3PROTOCOL = 7;
export const NFT_CT_SRC = 8;
export const NFT_CT_DST = 9;
export const NFT_CT_PROTOCOL = 10;
export const NFT_CT_PROTO_SRC = 11;
export const NFT_CT_PROTO_DST = 12;
export const NFT_CT_LABELS = 13;
export const NFT_CT_PKTS = 14;
export const NFT_CT_BYTES = 15;
export const NFT_CT_AVGPKT = 16;
export const NFT_CT_ZONE = 17;
export const NFT_CT_EVENTMASK = 18;
export const NFT_CT_SRC_IP = 19;
export const NFT_CT_DST_IP = 20;
export const NFT_CT_SRC_IP6 = 21;
export const NFT_CT_DST_IP6 = 22;
export const NFT_CT_ID = 23;

// enum nft_ct_attributes
export const NFTA_CT_UNSPEC = 0;
export const NFTA_CT_DREG = 1;
export const NFTA_CT_KEY = 2;
export const NFTA_CT_DIRECTION = 3; // NLA_U8
export const NFTA_CT_SREG = 4;

// enum ip_conntrack_dir (linux/netfilter/nf_conntrack_tuple_common.h)
export const IP_CT_DIR_ORIGINAL = 0;
export const IP_CT_DIR_REPLY = 1;

// ct state bits (linux/netfilter/nf_conntrack_common.h): NF_CT_STATE_BIT(ctinfo) =
// 1 << (ctinfo % IP_CT_IS_REPLY + 1), with IP_CT_ESTABLISHED 0, IP_CT_RELATED 1, IP_CT_NEW 2.
export const NF_CT_STATE_INVALID_BIT = 1 << 0;
export const NF_CT_STATE_ESTABLISHED_BIT = 1 << 1;
export const NF_CT_STATE_RELATED_BIT = 1 << 2;
export const NF_CT_STATE_NEW_BIT = 1 << 3;
export const NF_CT_STATE_UNTRACKED_BIT = 1 << 6;

// enum nft_nat_types
export const NFT_NAT_SNAT = 0;
export const NFT_NAT_DNAT = 1;

// enum nft_nat_attributes
export const NFTA_NAT_UNSPEC = 0;
export const NFTA_NAT_TYPE = 1;
export const NFTA_NAT_FAMILY = 2;
export const NFTA_NAT_REG_ADDR_MIN = 3;
export const NFTA_NAT_REG_ADDR_MAX = 4;
export const NFTA_NAT_REG_PROTO_MIN = 5;
export const NFTA_NAT_REG_PROTO_MAX = 6;
export const NFTA_NAT_FLAGS = 7;

// enum nft_masq_attributes
export const NFTA_MASQ_UNSPEC = 0;
export const NFTA_MASQ_FLAGS = 1;
export const NFTA_MASQ_REG_PROTO_MIN = 2;
export const NFTA_MASQ_REG_PROTO_MAX = 3;

// linux/netfilter/nf_nat.h: flags of NFTA_NAT_FLAGS / NFTA_MASQ_FLAGS
export const NF_NAT_RANGE_MAP_IPS = 1 << 0;
export const NF_NAT_RANGE_PROTO_SPECIFIED = 1 << 1;
export const NF_NAT_RANGE_PROTO_RANDOM = 1 << 2;
export const NF_NAT_RANGE_PERSISTENT = 1 << 3;
export const NF_NAT_RANGE_PROTO_RANDOM_FULLY = 1 << 4;
export const NF_NAT_RANGE_PROTO_OFFSET = 1 << 5;
export const NF_NAT_RANGE_NETMAP = 1 << 6;

// libnftnl include/libnftnl/udata.h, enum nftnl_udata_rule_types: the TLVs nft writes in
// NFTA_RULE_USERDATA (u8 type, u8 length, value). A comment is NUL-terminated.
export const NFTNL_UDATA_RULE_COMMENT = 0;
export const NFTNL_UDATA_RULE_EBTABLES_POLICY = 1;
/** nft refuses longer comments (NFTNL_UDATA_COMMENT_MAXLEN, libnftnl/udata.h). */
export const NFTNL_UDATA_COMMENT_MAXLEN = 128;

// linux/in.h: the IPPROTO_* values the builders compare meta l4proto with.
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
