// Transcribed from /usr/include/linux/rtnetlink.h (Linux uapi).

// rtnetlink families above the real address families
export const RTNL_FAMILY_IPMR = 128;
export const RTNL_FAMILY_IP6MR = 129;
export const RTNL_FAMILY_MAX = 129;

// Message types (anonymous enum; RTM_BASE = 16)
export const RTM_BASE = 16;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_GETNEIGH = 30;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;
export const RTM_NEWQDISC = 36;
export const RTM_DELQDISC = 37;
export const RTM_GETQDISC = 38;
export const RTM_NEWTCLASS = 40;
export const RTM_DELTCLASS = 41;
export const RTM_GETTCLASS = 42;
export const RTM_NEWTFILTER = 44;
export const RTM_DELTFILTER = 45;
export const RTM_GETTFILTER = 46;
export const RTM_NEWACTION = 48;
export const RTM_DELACTION = 49;
export const RTM_GETACTION = 50;
export const RTM_NEWPREFIX = 52;
export const RTM_GETMULTICAST = 58;
export const RTM_GETANYCAST = 62;
export const RTM_NEWNEIGHTBL = 64;
export const RTM_GETNEIGHTBL = 66;
export const RTM_SETNEIGHTBL = 67;
export const RTM_NEWNDUSEROPT = 68;
export const RTM_NEWADDRLABEL = 72;
export const RTM_DELADDRLABEL = 73;
export const RTM_GETADDRLABEL = 74;
export const RTM_GETDCB = 78;
export const RTM_SETDCB = 79;
export const RTM_NEWNETCONF = 80;
export const RTM_DELNETCONF = 81;
export const RTM_GETNETCONF = 82;
export const RTM_NEWMDB = 84;
export const RTM_DELMDB = 85;
export const RTM_GETMDB = 86;
export const RTM_NEWNSID = 88;
export const RTM_DELNSID = 89;
export const RTM_GETNSID = 90;
export const RTM_NEWSTATS = 92;
export const RTM_GETSTATS = 94;
export const RTM_SETSTATS = 95;
export const RTM_NEWCACHEREPORT = 96;
export const RTM_NEWCHAIN = 100;
export const RTM_DELCHAIN = 101;
export const RTM_GETCHAIN = 102;
export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
export const RTM_GETNEXTHOP = 106;
export const RTM_NEWLINKPROP = 108;
export const RTM_DELLINKPROP = 109;
export const RTM_GETLINKPROP = 110;
export const RTM_NEWVLAN = 112;
export const RTM_DELVLAN = 113;
export const RTM_GETVLAN = 114;
export const RTM_NEWNEXTHOPBUCKET = 116;
export const RTM_DELNEXTHOPBUCKET = 117;
export const RTM_GETNEXTHOPBUCKET = 118;
export const RTM_NEWTUNNEL = 120;
export const RTM_DELTUNNEL = 121;
export const RTM_GETTUNNEL = 122;

// struct rtattr alignment (RTA_ALIGNTO is 4U in C)
export const RTA_ALIGNTO = 4;

// struct rtmsg.rtm_type (anonymous enum)
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RTN_NAT = 10;
export const RTN_XRESOLVE = 11;

// struct rtmsg.rtm_protocol
export const RTPROT_UNSPEC = 0;
export const RTPROT_REDIRECT = 1;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_GATED = 8;
export const RTPROT_RA = 9;
export const RTPROT_MRT = 10;
export const RTPROT_ZEBRA = 11;
export const RTPROT_BIRD = 12;
export const RTPROT_DNROUTED = 13;
export const RTPROT_XORP = 14;
export const RTPROT_NTK = 15;
export const RTPROT_DHCP = 16;
export const RTPROT_MROUTED = 17;
export const RTPROT_KEEPALIVED = 18;
export const RTPROT_BABEL = 42;
export const RTPROT_OPENR = 99;
export const RTPROT_BGP = 186;
export const RTPROT_ISIS = 187;
export const RTPROT_OSPF = 188;
export const RTPROT_RIP = 189;
export const RTPROT_EIGRP = 192;

// enum rt_scope_t (struct rtmsg.rtm_scope, struct ifaddrmsg.ifa_scope)
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

// struct rtmsg.rtm_flags
export const RTM_F_NOTIFY = 0x100;
export const RTM_F_CLONED = 0x200;
export const RTM_F_EQUALIZE = 0x400;
export const RTM_F_PREFIX = 0x800;
export const RTM_F_LOOKUP_TABLE = 0x1000;
export const RTM_F_FIB_MATCH = 0x2000;
export const RTM_F_OFFLOAD = 0x4000;
export const RTM_F_TRAP = 0x8000;
export const RTM_F_OFFLOAD_FAILED = 0x20000000;

// enum rt_class_t (reserved routing table ids)
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
export const RT_TABLE_MAX = 0xffffffff; // table ids are u32 in RTA_TABLE

// enum rtattr_type_t (route attributes)
export const RTA_UNSPEC = 0;
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_PROTOINFO = 10; // no longer used
export const RTA_FLOW = 11;
export const RTA_CACHEINFO = 12;
export const RTA_SESSION = 13; // no longer used
export const RTA_MP_ALGO = 14; // no longer used
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_MFC_STATS = 17;
export const RTA_VIA = 18;
export const RTA_NEWDST = 19;
export const RTA_PREF = 20;
export const RTA_ENCAP_TYPE = 21;
export const RTA_ENCAP = 22;
export const RTA_EXPIRES = 23;
export const RTA_PAD = 24;
export const RTA_UID = 25;
export const RTA_TTL_PROPAGATE = 26;
export const RTA_IP_PROTO = 27;
export const RTA_SPORT = 28;
export const RTA_DPORT = 29;
export const RTA_NH_ID = 30;

// struct rtnexthop.rtnh_flags
export const RTNH_F_DEAD = 0x1;
export const RTNH_F_PERVASIVE = 0x2;
export const RTNH_F_ONLINK = 0x4;
export const RTNH_F_OFFLOAD = 0x8;
export const RTNH_F_LINKDOWN = 0x10;
export const RTNH_F_UNRESOLVED = 0x20;
export const RTNH_F_TRAP = 0x40;
export const RTNH_COMPARE_MASK = 0x59; // RTNH_F_DEAD | RTNH_F_LINKDOWN | RTNH_F_OFFLOAD | RTNH_F_TRAP

// struct rtnexthop alignment
export const RTNH_ALIGNTO = 4;

// RTA_METRICS: nested attributes RTAX_* (anonymous enum)
export const RTAX_UNSPEC = 0;
export const RTAX_LOCK = 1;
export const RTAX_MTU = 2;
export const RTAX_WINDOW = 3;
export const RTAX_RTT = 4;
export const RTAX_RTTVAR = 5;
export const RTAX_SSTHRESH = 6;
export const RTAX_CWND = 7;
export const RTAX_ADVMSS = 8;
export const RTAX_REORDERING = 9;
export const RTAX_HOPLIMIT = 10;
export const RTAX_INITCWND = 11;
export const RTAX_FEATURES = 12;
export const RTAX_RTO_MIN = 13;
export const RTAX_INITRWND = 14;
export const RTAX_QUICKACK = 15;
export const RTAX_CC_ALGO = 16;
export const RTAX_FASTOPEN_NO_COOKIE = 17;

// RTAX_FEATURES bits
export const RTAX_FEATURE_ECN = 0x1;
export const RTAX_FEATURE_SACK = 0x2;
export const RTAX_FEATURE_TIMESTAMP = 0x4;
export const RTAX_FEATURE_ALLFRAG = 0x8;
export const RTAX_FEATURE_MASK = 0xf; // RTAX_FEATURE_ECN | RTAX_FEATURE_SACK | RTAX_FEATURE_TIMESTAMP | RTAX_FEATURE_ALLFRAG

// Legacy multicast group bitmasks for sockaddr_nl.nl_groups (backwards compatibility)
export const RTMGRP_LINK = 0x1;
export const RTMGRP_NOTIFY = 0x2;
export const RTMGRP_NEIGH = 0x4;
export const RTMGRP_TC = 0x8;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV4_MROUTE = 0x20;
export const RTMGRP_IPV4_ROUTE = 0x40;
export const RTMGRP_IPV4_RULE = 0x80;
export const RTMGRP_IPV6_IFADDR = 0x100;
export const RTMGRP_IPV6_MROUTE = 0x200;
export const RTMGRP_IPV6_ROUTE = 0x400;
export const RTMGRP_IPV6_IFINFO = 0x800;
export const RTMGRP_DECnet_IFADDR = 0x1000;
export const RTMGRP_DECnet_ROUTE = 0x4000;
export const RTMGRP_IPV6_PREFIX = 0x20000;

// enum rtnetlink_groups (NETLINK_ADD_MEMBERSHIP group numbers)
export const RTNLGRP_NONE = 0;
export const RTNLGRP_LINK = 1;
export const RTNLGRP_NOTIFY = 2;
export const RTNLGRP_NEIGH = 3;
export const RTNLGRP_TC = 4;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_MROUTE = 6;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV4_RULE = 8;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_MROUTE = 10;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_IPV6_IFINFO = 12;
export const RTNLGRP_DECnet_IFADDR = 13;
export const RTNLGRP_NOP2 = 14;
export const RTNLGRP_DECnet_ROUTE = 15;
export const RTNLGRP_DECnet_RULE = 16;
export const RTNLGRP_NOP4 = 17;
export const RTNLGRP_IPV6_PREFIX = 18;
export const RTNLGRP_IPV6_RULE = 19;
export const RTNLGRP_ND_USEROPT = 20;
export const RTNLGRP_PHONET_IFADDR = 21;
export const RTNLGRP_PHONET_ROUTE = 22;
export const RTNLGRP_DCB = 23;
export const RTNLGRP_IPV4_NETCONF = 24;
export const RTNLGRP_IPV6_NETCONF = 25;
export const RTNLGRP_MDB = 26;
export const RTNLGRP_MPLS_ROUTE = 27;
export const RTNLGRP_NSID = 28;
export const RTNLGRP_MPLS_NETCONF = 29;
export const RTNLGRP_IPV4_MROUTE_R = 30;
export const RTNLGRP_IPV6_MROUTE_R = 31;
export const RTNLGRP_NEXTHOP = 32;
export const RTNLGRP_BRVLAN = 33;
export const RTNLGRP_MCTP_IFADDR = 34;
export const RTNLGRP_TUNNEL = 35;
export const RTNLGRP_STATS = 36;

// IFLA_EXT_MASK filter bits
export const RTEXT_FILTER_VF = 0x1;
export const RTEXT_FILTER_BRVLAN = 0x2;
export const RTEXT_FILTER_BRVLAN_COMPRESSED = 0x4;
export const RTEXT_FILTER_SKIP_STATS = 0x8;
export const RTEXT_FILTER_MRP = 0x10;
export const RTEXT_FILTER_CFM_CONFIG = 0x20;
export const RTEXT_FILTER_CFM_STATUS = 0x40;
export const RTEXT_FILTER_MST = 0x80;

// Fixed struct sizes (sizeof; identical on every Linux ABI). These names are ours, not kernel macros.
// ifaddrmsg is declared in linux/if_addr.h and ndmsg in linux/neighbour.h, both included by rtnetlink.h.
export const RTGENMSG_LEN = 1; // sizeof(struct rtgenmsg)
export const IFINFOMSG_LEN = 16; // sizeof(struct ifinfomsg)
export const IFADDRMSG_LEN = 8; // sizeof(struct ifaddrmsg)
export const RTMSG_LEN = 12; // sizeof(struct rtmsg)
export const NDMSG_LEN = 12; // sizeof(struct ndmsg)
export const RTNEXTHOP_LEN = 8; // sizeof(struct rtnexthop), RTA_MULTIPATH entries
export const RTVIA_LEN = 2; // sizeof(struct rtvia): RTA_VIA payload = u16 rtvia_family + address bytes
export const RTA_CACHEINFO_LEN = 32; // sizeof(struct rta_cacheinfo), RTA_CACHEINFO payload
export const IFA_CACHEINFO_LEN = 16; // sizeof(struct ifa_cacheinfo), IFA_CACHEINFO payload
export const NDA_CACHEINFO_LEN = 16; // sizeof(struct nda_cacheinfo), NDA_CACHEINFO payload

/** RTM_* message type -> name, for decoders and diagnostics (RTM_BASE omitted: it aliases RTM_NEWLINK). */
export const RTM_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [RTM_NEWLINK]: 'RTM_NEWLINK',
  [RTM_DELLINK]: 'RTM_DELLINK',
  [RTM_GETLINK]: 'RTM_GETLINK',
  [RTM_SETLINK]: 'RTM_SETLINK',
  [RTM_NEWADDR]: 'RTM_NEWADDR',
  [RTM_DELADDR]: 'RTM_DELADDR',
  [RTM_GETADDR]: 'RTM_GETADDR',
  [RTM_NEWROUTE]: 'RTM_NEWROUTE',
  [RTM_DELROUTE]: 'RTM_DELROUTE',
  [RTM_GETROUTE]: 'RTM_GETROUTE',
  [RTM_NEWNEIGH]: 'RTM_NEWNEIGH',
  [RTM_DELNEIGH]: 'RTM_DELNEIGH',
  [RTM_GETNEIGH]: 'RTM_GETNEIGH',
  [RTM_NEWRULE]: 'RTM_NEWRULE',
  [RTM_DELRULE]: 'RTM_DELRULE',
  [RTM_GETRULE]: 'RTM_GETRULE',
  [RTM_NEWQDISC]: 'RTM_NEWQDISC',
  [RTM_DELQDISC]: 'RTM_DELQDISC',
  [RTM_GETQDISC]: 'RTM_GETQDISC',
  [RTM_NEWTCLASS]: 'RTM_NEWTCLASS',
  [RTM_DELTCLASS]: 'RTM_DELTCLASS',
  [RTM_GETTCLASS]: 'RTM_GETTCLASS',
  [RTM_NEWTFILTER]: 'RTM_NEWTFILTER',
  [RTM_DELTFILTER]: 'RTM_DELTFILTER',
  [RTM_GETTFILTER]: 'RTM_GETTFILTER',
  [RTM_NEWACTION]: 'RTM_NEWACTION',
  [RTM_DELACTION]: 'RTM_DELACTION',
  [RTM_GETACTION]: 'RTM_GETACTION',
  [RTM_NEWPREFIX]: 'RTM_NEWPREFIX',
  [RTM_GETMULTICAST]: 'RTM_GETMULTICAST',
  [RTM_GETANYCAST]: 'RTM_GETANYCAST',
  [RTM_NEWNEIGHTBL]: 'RTM_NEWNEIGHTBL',
  [RTM_GETNEIGHTBL]: 'RTM_GETNEIGHTBL',
  [RTM_SETNEIGHTBL]: 'RTM_SETNEIGHTBL',
  [RTM_NEWNDUSEROPT]: 'RTM_NEWNDUSEROPT',
  [RTM_NEWADDRLABEL]: 'RTM_NEWADDRLABEL',
  [RTM_DELADDRLABEL]: 'RTM_DELADDRLABEL',
  [RTM_GETADDRLABEL]: 'RTM_GETADDRLABEL',
  [RTM_GETDCB]: 'RTM_GETDCB',
  [RTM_SETDCB]: 'RTM_SETDCB',
  [RTM_NEWNETCONF]: 'RTM_NEWNETCONF',
  [RTM_DELNETCONF]: 'RTM_DELNETCONF',
  [RTM_GETNETCONF]: 'RTM_GETNETCONF',
  [RTM_NEWMDB]: 'RTM_NEWMDB',
  [RTM_DELMDB]: 'RTM_DELMDB',
  [RTM_GETMDB]: 'RTM_GETMDB',
  [RTM_NEWNSID]: 'RTM_NEWNSID',
  [RTM_DELNSID]: 'RTM_DELNSID',
  [RTM_GETNSID]: 'RTM_GETNSID',
  [RTM_NEWSTATS]: 'RTM_NEWSTATS',
  [RTM_GETSTATS]: 'RTM_GETSTATS',
  [RTM_SETSTATS]: 'RTM_SETSTATS',
  [RTM_NEWCACHEREPORT]: 'RTM_NEWCACHEREPORT',
  [RTM_NEWCHAIN]: 'RTM_NEWCHAIN',
  [RTM_DELCHAIN]: 'RTM_DELCHAIN',
  [RTM_GETCHAIN]: 'RTM_GETCHAIN',
  [RTM_NEWNEXTHOP]: 'RTM_NEWNEXTHOP',
  [RTM_DELNEXTHOP]: 'RTM_DELNEXTHOP',
  [RTM_GETNEXTHOP]: 'RTM_GETNEXTHOP',
  [RTM_NEWLINKPROP]: 'RTM_NEWLINKPROP',
  [RTM_DELLINKPROP]: 'RTM_DELLINKPROP',
  [RTM_GETLINKPROP]: 'RTM_GETLINKPROP',
  [RTM_NEWVLAN]: 'RTM_NEWVLAN',
  [RTM_DELVLAN]: 'RTM_DELVLAN',
  [RTM_GETVLAN]: 'RTM_GETVLAN',
  [RTM_NEWNEXTHOPBUCKET]: 'RTM_NEWNEXTHOPBUCKET',
  [RTM_DELNEXTHOPBUCKET]: 'RTM_DELNEXTHOPBUCKET',
  [RTM_GETNEXTHOPBUCKET]: 'RTM_GETNEXTHOPBUCKET',
  [RTM_NEWTUNNEL]: 'RTM_NEWTUNNEL',
  [RTM_DELTUNNEL]: 'RTM_DELTUNNEL',
  [RTM_GETTUNNEL]: 'RTM_GETTUNNEL',
});

/** RTA_* route attribute type -> name. */
export const RTA_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [RTA_UNSPEC]: 'RTA_UNSPEC',
  [RTA_DST]: 'RTA_DST',
  [RTA_SRC]: 'RTA_SRC',
  [RTA_IIF]: 'RTA_IIF',
  [RTA_OIF]: 'RTA_OIF',
  [RTA_GATEWAY]: 'RTA_GATEWAY',
  [RTA_PRIORITY]: 'RTA_PRIORITY',
  [RTA_PREFSRC]: 'RTA_PREFSRC',
  [RTA_METRICS]: 'RTA_METRICS',
  [RTA_MULTIPATH]: 'RTA_MULTIPATH',
  [RTA_PROTOINFO]: 'RTA_PROTOINFO',
  [RTA_FLOW]: 'RTA_FLOW',
  [RTA_CACHEINFO]: 'RTA_CACHEINFO',
  [RTA_SESSION]: 'RTA_SESSION',
  [RTA_MP_ALGO]: 'RTA_MP_ALGO',
  [RTA_TABLE]: 'RTA_TABLE',
  [RTA_MARK]: 'RTA_MARK',
  [RTA_MFC_STATS]: 'RTA_MFC_STATS',
  [RTA_VIA]: 'RTA_VIA',
  [RTA_NEWDST]: 'RTA_NEWDST',
  [RTA_PREF]: 'RTA_PREF',
  [RTA_ENCAP_TYPE]: 'RTA_ENCAP_TYPE',
  [RTA_ENCAP]: 'RTA_ENCAP',
  [RTA_EXPIRES]: 'RTA_EXPIRES',
  [RTA_PAD]: 'RTA_PAD',
  [RTA_UID]: 'RTA_UID',
  [RTA_TTL_PROPAGATE]: 'RTA_TTL_PROPAGATE',
  [RTA_IP_PROTO]: 'RTA_IP_PROTO',
  [RTA_SPORT]: 'RTA_SPORT',
  [RTA_DPORT]: 'RTA_DPORT',
  [RTA_NH_ID]: 'RTA_NH_ID',
});
