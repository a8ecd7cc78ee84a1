// nf_tables constants for tables, chains and rules, transcribed from the Linux uapi headers:
// linux/netfilter/nfnetlink.h, linux/netfilter/nf_tables.h, linux/netfilter.h and
// linux/netfilter_ipv4.h (as installed in /usr/include). Expression constants live in
// nf/expr/constants.ts.

// ---- linux/netfilter/nfnetlink.h ---------------------------------------------------------

export const NFNETLINK_V0 = 0;

// Subsystem ids: the high byte of nlmsg_type (NFNL_SUBSYS_ID(x) = (x & 0xff00) >> 8)
export const NFNL_SUBSYS_NONE = 0;
export const NFNL_SUBSYS_CTNETLINK = 1;
export const NFNL_SUBSYS_CTNETLINK_EXP = 2;
export const NFNL_SUBSYS_QUEUE = 3;
export const NFNL_SUBSYS_ULOG = 4;
export const NFNL_SUBSYS_OSF = 5;
export const NFNL_SUBSYS_IPSET = 6;
export const NFNL_SUBSYS_ACCT = 7;
export const NFNL_SUBSYS_CTNETLINK_TIMEOUT = 8;
export const NFNL_SUBSYS_CTHELPER = 9;
export const NFNL_SUBSYS_NFTABLES = 10;
export const NFNL_SUBSYS_NFT_COMPAT = 11;
export const NFNL_SUBSYS_HOOK = 12;

// Reserved control messages (NLMSG_MIN_TYPE and NLMSG_MIN_TYPE+1, linux/netlink.h)
export const NFNL_MSG_BATCH_BEGIN = 0x10;
export const NFNL_MSG_BATCH_END = 0x11;

// enum nfnl_batch_attributes
export const NFNL_BATCH_UNSPEC = 0;
export const NFNL_BATCH_GENID = 1;

// enum nfnetlink_groups (multicast groups of NETLINK_NETFILTER)
export const NFNLGRP_NFTABLES = 7;

// ---- linux/netfilter.h -------------------------------------------------------------------

// Verdicts (responses from hook functions); a chain's policy is NF_ACCEPT or NF_DROP.
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_STOLEN = 2;
export const NF_QUEUE = 3;
export const NF_REPEAT = 4;
export const NF_STOP = 5;

// enum nf_inet_hooks
export const NF_INET_PRE_ROUTING = 0;
export const NF_INET_LOCAL_IN = 1;
export const NF_INET_FORWARD = 2;
export const NF_INET_LOCAL_OUT = 3;
export const NF_INET_POST_ROUTING = 4;
export const NF_INET_NUMHOOKS = 5;
export const NF_INET_INGRESS = 5; // = NF_INET_NUMHOOKS

// enum nf_dev_hooks
export const NF_NETDEV_INGRESS = 0;
export const NF_NETDEV_EGRESS = 1;

// NFPROTO_* (the nfgen_family of every nf_tables message)
export const NFPROTO_UNSPEC = 0;
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_ARP = 3;
export const NFPROTO_NETDEV = 5;
export const NFPROTO_BRIDGE = 7;
export const NFPROTO_IPV6 = 10;

// ---- linux/netfilter_ipv4.h: enum nf_ip_hook_priorities (the standard chain priorities) ----

export const NF_IP_PRI_RAW = -300;
export const NF_IP_PRI_MANGLE = -150;
export const NF_IP_PRI_NAT_DST = -100;
export const NF_IP_PRI_FILTER = 0;
export const NF_IP_PRI_SECURITY = 50;
export const NF_IP_PRI_NAT_SRC = 100;

// ---- linux/netfilter/nf_tables.h -------------------------------------------------------------

export const NFT_NAME_MAXLEN = 256;
export const NFT_TABLE_MAXNAMELEN = 256;
export const NFT_CHAIN_MAXNAMELEN = 256;
export const NFT_USERDATA_MAXLEN = 256;

// enum nf_tables_msg_types (the low byte of nlmsg_type)
export const NFT_MSG_NEWTABLE = 0;
export const NFT_MSG_GETTABLE = 1;
export const NFT_MSG_DELTABLE = 2;
export const NFT_MSG_NEWCHAIN = 3;
export const NFT_MSG_GETCHAIN = 4;
export const NFT_MSG_DELCHAIN = 5;
export const NFT_MSG_NEWRULE = 6;
export const NFT_MSG_GETRULE = 7;
export const NFT_MSG_DELRULE = 8;
export const NFT_MSG_NEWSET = 9;
export const NFT_MSG_GETSET = 10;
export const NFT_MSG_DELSET = 11;
export const NFT_MSG_NEWSETELEM = 12;
export const NFT_MSG_GETSETELEM = 13;
export const NFT_MSG_DELSETELEM = 14;
export const NFT_MSG_NEWGEN = 15;
export const NFT_MSG_GETGEN = 16;
export const NFT_MSG_TRACE = 17;
export const NFT_MSG_NEWOBJ = 18;
export const NFT_MSG_GETOBJ = 19;
export const NFT_MSG_DELOBJ = 20;
export const NFT_MSG_GETOBJ_RESET = 21;
export const NFT_MSG_NEWFLOWTABLE = 22;
export const NFT_MSG_GETFLOWTABLE = 23;
export const NFT_MSG_DELFLOWTABLE = 24;

export const NFT_MSG_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'NFT_MSG_NEWTABLE',
  1: 'NFT_MSG_GETTABLE',
  2: 'NFT_MSG_DELTABLE',
  3: 'NFT_MSG_NEWCHAIN',
  4: 'NFT_MSG_GETCHAIN',
  5: 'NFT_MSG_DELCHAIN',
  6: 'NFT_MSG_NEWRULE',
  7: 'NFT_MSG_GETRULE',
  8: 'NFT_MSG_DELRULE',
  9: 'NFT_MSG_NEWSET',
  10: 'NFT_MSG_GETSET',
  11: 'NFT_MSG_DELSET',
  12: 'NFT_MSG_NEWSETELEM',
  13: 'NFT_MSG_GETSETELEM',
  14: 'NFT_MSG_DELSETELEM',
  15: 'NFT_MSG_NEWGEN',
  16: 'NFT_MSG_GETGEN',
  17: 'NFT_MSG_TRACE',
  18: 'NFT_MSG_NEWOBJ',
  19: 'NFT_MSG_GETOBJ',
  20: 'NFT_MSG_DELOBJ',
  21: 'NFT_MSG_GETOBJ_RESET',
  22: 'NFT_MSG_NEWFLOWTABLE',
  23: 'NFT_MSG_GETFLOWTABLE',
  24: 'NFT_MSG_DELFLOWTABLE',
});

// enum nft_list_attributes
export const NFTA_LIST_UNSPEC = 0;
export const NFTA_LIST_ELEM = 1;

// enum nft_hook_attributes (nested in NFTA_CHAIN_HOOK)
export const NFTA_HOOK_UNSPEC = 0;
export const NFTA_HOOK_HOOKNUM = 1; // NLA_U32, big-endian on the wire
export const NFTA_HOOK_PRIORITY = 2; // NLA_U32, big-endian, a signed priority
export const NFTA_HOOK_DEV = 3;
export const NFTA_HOOK_DEVS = 4;

// enum nft_devices_attributes (nested in NFTA_HOOK_DEVS)
export const NFTA_DEVICE_UNSPEC = 0;
export const NFTA_DEVICE_NAME = 1;

// enum nft_table_flags
export const NFT_TABLE_F_DORMANT = 0x1;
export const NFT_TABLE_F_OWNER = 0x2;

// enum nft_table_attributes
export const NFTA_TABLE_UNSPEC = 0;
export const NFTA_TABLE_NAME = 1;
export const NFTA_TABLE_FLAGS = 2;
export const NFTA_TABLE_USE = 3;
export const NFTA_TABLE_HANDLE = 4;
export const NFTA_TABLE_PAD = 5;
export const NFTA_TABLE_USERDATA = 6;
export const NFTA_TABLE_OWNER = 7;

export const NFTA_TABLE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'NFTA_TABLE_NAME',
  2: 'NFTA_TABLE_FLAGS',
  3: 'NFTA_TABLE_USE',
  4: 'NFTA_TABLE_HANDLE',
  5: 'NFTA_TABLE_PAD',
  6: 'NFTA_TABLE_USERDATA',
  7: 'NFTA_TABLE_OWNER',
});

// enum nft_chain_flags
export const NFT_CHAIN_BASE = 1 << 0;
export const NFT_CHAIN_HW_OFFLOAD = 1 << 1;
export const NFT_CHAIN_BINDING = 1 << 2;

// enum nft_chain_attributes
export const NFTA_CHAIN_UNSPEC = 0;
export const NFTA_CHAIN_TABLE = 1;
export const NFTA_CHAIN_HANDLE = 2;
export const NFTA_CHAIN_NAME = 3;
export const NFTA_CHAIN_HOOK = 4;
export const NFTA_CHAIN_POLICY = 5;
export const NFTA_CHAIN_USE = 6;
export const NFTA_CHAIN_TYPE = 7;
export const NFTA_CHAIN_COUNTERS = 8;
export const NFTA_CHAIN_PAD = 9;
export const NFTA_CHAIN_FLAGS = 10;
export const NFTA_CHAIN_ID = 11;
export const NFTA_CHAIN_USERDATA = 12;

export const NFTA_CHAIN_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'NFTA_CHAIN_TABLE',
  2: 'NFTA_CHAIN_HANDLE',
  3: 'NFTA_CHAIN_NAME',
  4: 'NFTA_CHAIN_HOOK',
  5: 'NFTA_CHAIN_POLICY',
  6: 'NFTA_CHAIN_USE',
  7: 'NFTA_CHAIN_TYPE',
  8: 'NFTA_CHAIN_COUNTERS',
  9: 'NFTA_CHAIN_PAD',
  10: 'NFTA_CHAIN_FLAGS',
  11: 'NFTA_CHAIN_ID',
  12: 'NFTA_CHAIN_USERDATA',
});

// enum nft_counter_attributes (NFTA_CHAIN_COUNTERS; the counter expression uses the same)
export const NFTA_COUNTER_UNSPEC = 0;
export const NFTA_COUNTER_BYTES = 1;
export const NFTA_COUNTER_PACKETS = 2;
export const NFTA_COUNTER_PAD = 3;

// enum nft_rule_attributes
export const NFTA_RULE_UNSPEC = 0;
export const NFTA_RULE_TABLE = 1;
export const NFTA_RULE_CHAIN = 2;
export const NFTA_RULE_HANDLE = 3;
export const NFTA_RULE_EXPRESSIONS = 4;
export const NFTA_RULE_COMPAT = 5;
export const NFTA_RULE_POSITION = 6;
export const NFTA_RULE_USERDATA = 7;
export const NFTA_RULE_PAD = 8;
export const NFTA_RULE_ID = 9;
export const NFTA_RULE_POSITION_ID = 10;
export const NFTA_RULE_CHAIN_ID = 11;

export const NFTA_RULE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'NFTA_RULE_TABLE',
  2: 'NFTA_RULE_CHAIN',
  3: 'NFTA_RULE_HANDLE',
  4: 'NFTA_RULE_EXPRESSIONS',
  5: 'NFTA_RULE_COMPAT',
  6: 'NFTA_RULE_POSITION',
  7: 'NFTA_RULE_USERDATA',
  8: 'NFTA_RULE_PAD',
  9: 'NFTA_RULE_ID',
  10: 'NFTA_RULE_POSITION_ID',
  11: 'NFTA_RULE_CHAIN_ID',
});

// enum nft_rule_compat_flags / enum nft_rule_compat_attributes
export const NFT_RULE_COMPAT_F_INV = 1 << 1;
export const NFTA_RULE_COMPAT_UNSPEC = 0;
export const NFTA_RULE_COMPAT_PROTO = 1;
export const NFTA_RULE_COMPAT_FLAGS = 2;

// enum nft_gen_attributes (NFT_MSG_GETGEN / NFT_MSG_NEWGEN)
export const NFTA_GEN_UNSPEC = 0;
export const NFTA_GEN_ID = 1;
export const NFTA_GEN_PROC_PID = 2;
export const NFTA_GEN_PROC_NAME = 3;

/** Top-level attribute names by NFT_MSG_* type, for naming the attribute an extended ACK blames. */
export const NFT_MSG_ATTR_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = Object.freeze({
  [NFT_MSG_NEWTABLE]: NFTA_TABLE_NAMES,
  [NFT_MSG_GETTABLE]: NFTA_TABLE_NAMES,
  [NFT_MSG_DELTABLE]: NFTA_TABLE_NAMES,
  [NFT_MSG_NEWCHAIN]: NFTA_CHAIN_NAMES,
  [NFT_MSG_GETCHAIN]: NFTA_CHAIN_NAMES,
  [NFT_MSG_DELCHAIN]: NFTA_CHAIN_NAMES,
  [NFT_MSG_NEWRULE]: NFTA_RULE_NAMES,
  [NFT_MSG_GETRULE]: NFTA_RULE_NAMES,
  [NFT_MSG_DELRULE]: NFTA_RULE_NAMES,
});
