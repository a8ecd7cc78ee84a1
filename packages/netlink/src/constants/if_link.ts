// Transcribed from /usr/include/linux/if_link.h (Linux uapi).

// struct ifinfomsg attributes (anonymous enum IFLA_*)
export const IFLA_UNSPEC = 0;
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7;
export const IFLA_COST = 8;
export const IFLA_PRIORITY = 9;
export const IFLA_MASTER = 10;
export const IFLA_WIRELESS = 11; // Wireless Extension event
export const IFLA_PROTINFO = 12; // protocol specific information for a link
export const IFLA_TXQLEN = 13;
export const IFLA_MAP = 14;
export const IFLA_WEIGHT = 15;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_IFALIAS = 20;
export const IFLA_NUM_VF = 21; // number of VFs if device is SR-IOV PF
export const IFLA_VFINFO_LIST = 22;
export const IFLA_STATS64 = 23;
export const IFLA_VF_PORTS = 24;
export const IFLA_PORT_SELF = 25;
export const IFLA_AF_SPEC = 26;
export const IFLA_GROUP = 27; // group the device belongs to
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29; // extended info mask, RTEXT_FILTER_*
export const IFLA_PROMISCUITY = 30; // promiscuity count: > 0 means acts PROMISC
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_CARRIER = 33;
export const IFLA_PHYS_PORT_ID = 34;
export const IFLA_CARRIER_CHANGES = 35;
export const IFLA_PHYS_SWITCH_ID = 36;
export const IFLA_LINK_NETNSID = 37;
export const IFLA_PHYS_PORT_NAME = 38;
export const IFLA_PROTO_DOWN = 39;
export const IFLA_GSO_MAX_SEGS = 40;
export const IFLA_GSO_MAX_SIZE = 41;
export const IFLA_PAD = 42;
export const IFLA_XDP = 43;
export const IFLA_EVENT = 44;
export const IFLA_NEW_NETNSID = 45;
export const IFLA_IF_NETNSID = 46;
export const IFLA_TARGET_NETNSID = 46; // alias of IFLA_IF_NETNSID ("new alias")
export const IFLA_CARRIER_UP_COUNT = 47;
export const IFLA_CARRIER_DOWN_COUNT = 48;
export const IFLA_NEW_IFINDEX = 49;
export const IFLA_MIN_MTU = 50;
export const IFLA_MAX_MTU = 51;
export const IFLA_PROP_LIST = 52;
export const IFLA_ALT_IFNAME = 53; // alternative ifname
export const IFLA_PERM_ADDRESS = 54;
export const IFLA_PROTO_DOWN_REASON = 55;
export const IFLA_PARENT_DEV_NAME = 56;
export const IFLA_PARENT_DEV_BUS_NAME = 57;
export const IFLA_GRO_MAX_SIZE = 58;
export const IFLA_TSO_MAX_SIZE = 59;
export const IFLA_TSO_MAX_SEGS = 60;
export const IFLA_ALLMULTI = 61; // allmulti count: > 0 means acts ALLMULTI

// IFLA_PROTO_DOWN_REASON nested attributes (anonymous enum)
export const IFLA_PROTO_DOWN_REASON_UNSPEC = 0;
export const IFLA_PROTO_DOWN_REASON_MASK = 1;
export const IFLA_PROTO_DOWN_REASON_VALUE = 2;

// IFLA_AF_SPEC / AF_INET nested attributes (anonymous enum)
export const IFLA_INET_UNSPEC = 0;
export const IFLA_INET_CONF = 1;

// IFLA_AF_SPEC / AF_INET6 and IFLA_PROTINFO nested attributes (anonymous enum)
export const IFLA_INET6_UNSPEC = 0;
export const IFLA_INET6_FLAGS = 1;
export const IFLA_INET6_CONF = 2;
export const IFLA_INET6_STATS = 3;
export const IFLA_INET6_MCAST = 4;
export const IFLA_INET6_CACHEINFO = 5;
export const IFLA_INET6_ICMP6STATS = 6;
export const IFLA_INET6_TOKEN = 7;
export const IFLA_INET6_ADDR_GEN_MODE = 8;
export const IFLA_INET6_RA_MTU = 9;

// enum in6_addr_gen_mode (IFLA_INET6_ADDR_GEN_MODE values)
export const IN6_ADDR_GEN_MODE_EUI64 = 0;
export const IN6_ADDR_GEN_MODE_NONE = 1;
export const IN6_ADDR_GEN_MODE_STABLE_PRIVACY = 2;
export const IN6_ADDR_GEN_MODE_RANDOM = 3;

// IFLA_INFO_DATA for kind "bridge" (anonymous enum IFLA_BR_*)
export const IFLA_BR_UNSPEC = 0;
export const IFLA_BR_FORWARD_DELAY = 1;
export const IFLA_BR_HELLO_TIME = 2;
export const IFLA_BR_MAX_AGE = 3;
export const IFLA_BR_AGEING_TIME = 4;
export const IFLA_BR_STP_STATE = 5;
export const IFLA_BR_PRIORITY = 6;
export const IFLA_BR_VLAN_FILTERING = 7;
export const IFLA_BR_VLAN_PROTOCOL = 8;
export const IFLA_BR_GROUP_FWD_MASK = 9;
export const IFLA_BR_ROOT_ID = 10;
export const IFLA_BR_BRIDGE_ID = 11;
export const IFLA_BR_ROOT_PORT = 12;
export const IFLA_BR_ROOT_PATH_COST = 13;
export const IFLA_BR_TOPOLOGY_CHANGE = 14;
export const IFLA_BR_TOPOLOGY_CHANGE_DETECTED = 15;
export const IFLA_BR_HELLO_TIMER = 16;
export const IFLA_BR_TCN_TIMER = 17;
export const IFLA_BR_TOPOLOGY_CHANGE_TIMER = 18;
export const IFLA_BR_GC_TIMER = 19;
export const IFLA_BR_GROUP_ADDR = 20;
export const IFLA_BR_FDB_FLUSH = 21;
export const IFLA_BR_MCAST_ROUTER = 22;
export const IFLA_BR_MCAST_SNOOPING = 23;
export const IFLA_BR_MCAST_QUERY_USE_IFADDR = 24;
export const IFLA_BR_MCAST_QUERIER = 25;
export const IFLA_BR_MCAST_HASH_ELASTICITY = 26;
export const IFLA_BR_MCAST_HASH_MAX = 27;
export const IFLA_BR_MCAST_LAST_MEMBER_CNT = 28;
export const IFLA_BR_MCAST_STARTUP_QUERY_CNT = 29;
export const IFLA_BR_MCAST_LAST_MEMBER_INTVL = 30;
export const IFLA_BR_MCAST_MEMBERSHIP_INTVL = 31;
export const IFLA_BR_MCAST_QUERIER_INTVL = 32;
export const IFLA_BR_MCAST_QUERY_INTVL = 33;
export const IFLA_BR_MCAST_QUERY_RESPONSE_INTVL = 34;
export const IFLA_BR_MCAST_STARTUP_QUERY_INTVL = 35;
export const IFLA_BR_NF_CALL_IPTABLES = 36;
export const IFLA_BR_NF_CALL_IP6TABLES = 37;
export const IFLA_BR_NF_CALL_ARPTABLES = 38;
export const IFLA_BR_VLAN_DEFAULT_PVID = 39;
export const IFLA_BR_PAD = 40;
export const IFLA_BR_VLAN_STATS_ENABLED = 41;
export const IFLA_BR_MCAST_STATS_ENABLED = 42;
export const IFLA_BR_MCAST_IGMP_VERSION = 43;
export const IFLA_BR_MCAST_MLD_VERSION = 44;
export const IFLA_BR_VLAN_STATS_PER_PORT = 45;
export const IFLA_BR_MULTI_BOOLOPT = 46;
export const IFLA_BR_MCAST_QUERIER_STATE = 47;

// IFLA_BRPORT_MODE values (anonymous enum)
export const BRIDGE_MODE_UNSPEC = 0;
export const BRIDGE_MODE_HAIRPIN = 1;

// IFLA_PROTINFO / IFLA_INFO_SLAVE_DATA for bridge ports (anonymous enum IFLA_BRPORT_*)
export const IFLA_BRPORT_UNSPEC = 0;
export const IFLA_BRPORT_STATE = 1;
export const IFLA_BRPORT_PRIORITY = 2;
export const IFLA_BRPORT_COST = 3;
export const IFLA_BRPORT_MODE = 4;
export const IFLA_BRPORT_GUARD = 5;
export const IFLA_BRPORT_PROTECT = 6;
export const IFLA_BRPORT_FAST_LEAVE = 7;
export const IFLA_BRPORT_LEARNING = 8;
export const IFLA_BRPORT_UNICAST_FLOOD = 9;
export const IFLA_BRPORT_PROXYARP = 10;
export const IFLA_BRPORT_LEARNING_SYNC = 11;
export const IFLA_BRPORT_PROXYARP_WIFI = 12;
export const IFLA_BRPORT_ROOT_ID = 13;
export const IFLA_BRPORT_BRIDGE_ID = 14;
export const IFLA_BRPORT_DESIGNATED_PORT = 15;
export const IFLA_BRPORT_DESIGNATED_COST = 16;
export const IFLA_BRPORT_ID = 17;
export const IFLA_BRPORT_NO = 18;
export const IFLA_BRPORT_TOPOLOGY_CHANGE_ACK = 19;
export const IFLA_BRPORT_CONFIG_PENDING = 20;
export const IFLA_BRPORT_MESSAGE_AGE_TIMER = 21;
export const IFLA_BRPORT_FORWARD_DELAY_TIMER = 22;
export const IFLA_BRPORT_HOLD_TIMER = 23;
export const IFLA_BRPORT_FLUSH = 24;
export const IFLA_BRPORT_MULTICAST_ROUTER = 25;
export const IFLA_BRPORT_PAD = 26;
export const IFLA_BRPORT_MCAST_FLOOD = 27;
export const IFLA_BRPORT_MCAST_TO_UCAST = 28;
export const IFLA_BRPORT_VLAN_TUNNEL = 29;
export const IFLA_BRPORT_BCAST_FLOOD = 30;
export const IFLA_BRPORT_GROUP_FWD_MASK = 31;
export const IFLA_BRPORT_NEIGH_SUPPRESS = 32;
export const IFLA_BRPORT_ISOLATED = 33;
export const IFLA_BRPORT_BACKUP_PORT = 34;
export const IFLA_BRPORT_MRP_RING_OPEN = 35;
export const IFLA_BRPORT_MRP_IN_OPEN = 36;
export const IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT = 37;
export const IFLA_BRPORT_MCAST_EHT_HOSTS_CNT = 38;
export const IFLA_BRPORT_LOCKED = 39;

// IFLA_LINKINFO nested attributes (anonymous enum)
export const IFLA_INFO_UNSPEC = 0;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_XSTATS = 3;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;

// IFLA_INFO_DATA for kind "vlan" (anonymous enum)
export const IFLA_VLAN_UNSPEC = 0;
export const IFLA_VLAN_ID = 1;
export const IFLA_VLAN_FLAGS = 2;
export const IFLA_VLAN_EGRESS_QOS = 3;
export const IFLA_VLAN_INGRESS_QOS = 4;
export const IFLA_VLAN_PROTOCOL = 5;

// IFLA_VLAN_EGRESS_QOS / IFLA_VLAN_INGRESS_QOS nested attributes (anonymous enum)
export const IFLA_VLAN_QOS_UNSPEC = 0;
export const IFLA_VLAN_QOS_MAPPING = 1;

// IFLA_INFO_DATA for kind "macvlan" / "macvtap" (anonymous enum)
export const IFLA_MACVLAN_UNSPEC = 0;
export const IFLA_MACVLAN_MODE = 1;
export const IFLA_MACVLAN_FLAGS = 2;
export const IFLA_MACVLAN_MACADDR_MODE = 3;
export const IFLA_MACVLAN_MACADDR = 4;
export const IFLA_MACVLAN_MACADDR_DATA = 5;
export const IFLA_MACVLAN_MACADDR_COUNT = 6;
export const IFLA_MACVLAN_BC_QUEUE_LEN = 7;
export const IFLA_MACVLAN_BC_QUEUE_LEN_USED = 8;

// enum macvlan_mode (IFLA_MACVLAN_MODE values)
export const MACVLAN_MODE_PRIVATE = 0x1;
export const MACVLAN_MODE_VEPA = 0x2;
export const MACVLAN_MODE_BRIDGE = 0x4;
export const MACVLAN_MODE_PASSTHRU = 0x8;
export const MACVLAN_MODE_SOURCE = 0x10;

// enum macvlan_macaddr_mode (IFLA_MACVLAN_MACADDR_MODE values)
export const MACVLAN_MACADDR_ADD = 0;
export const MACVLAN_MACADDR_DEL = 1;
export const MACVLAN_MACADDR_FLUSH = 2;
export const MACVLAN_MACADDR_SET = 3;

// IFLA_MACVLAN_FLAGS bits
export const MACVLAN_FLAG_NOPROMISC = 0x1;
export const MACVLAN_FLAG_NODST = 0x2;

// IFLA_INFO_DATA for kind "vxlan" (anonymous enum)
export const IFLA_VXLAN_UNSPEC = 0;
export const IFLA_VXLAN_ID = 1;
export const IFLA_VXLAN_GROUP = 2;
export const IFLA_VXLAN_LINK = 3;
export const IFLA_VXLAN_LOCAL = 4;
export const IFLA_VXLAN_TTL = 5;
export const IFLA_VXLAN_TOS = 6;
export const IFLA_VXLAN_LEARNING = 7;
export const IFLA_VXLAN_AGEING = 8;
export const IFLA_VXLAN_LIMIT = 9;
export const IFLA_VXLAN_PORT_RANGE = 10;
export const IFLA_VXLAN_PROXY = 11;
export const IFLA_VXLAN_RSC = 12;
export const IFLA_VXLAN_L2MISS = 13;
export const IFLA_VXLAN_L3MISS = 14;
export const IFLA_VXLAN_PORT = 15;
export const IFLA_VXLAN_GROUP6 = 16;
export const IFLA_VXLAN_LOCAL6 = 17;
export const IFLA_VXLAN_UDP_CSUM = 18;
export const IFLA_VXLAN_UDP_ZERO_CSUM6_TX = 19;
export const IFLA_VXLAN_UDP_ZERO_CSUM6_RX = 20;
export const IFLA_VXLAN_REMCSUM_TX = 21;
export const IFLA_VXLAN_REMCSUM_RX = 22;
export const IFLA_VXLAN_GBP = 23;
export const IFLA_VXLAN_REMCSUM_NOPARTIAL = 24;
export const IFLA_VXLAN_COLLECT_METADATA = 25;
export const IFLA_VXLAN_LABEL = 26;
export const IFLA_VXLAN_GPE = 27;
export const IFLA_VXLAN_TTL_INHERIT = 28;
export const IFLA_VXLAN_DF = 29;
export const IFLA_VXLAN_VNIFILTER = 30;

// enum ifla_vxlan_df (IFLA_VXLAN_DF values)
export const VXLAN_DF_UNSET = 0;
export const VXLAN_DF_SET = 1;
export const VXLAN_DF_INHERIT = 2;

/** IFLA_* link attribute type -> name (IFLA_IF_NETNSID is listed under its newer alias IFLA_TARGET_NETNSID). */
export const IFLA_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [IFLA_UNSPEC]: 'IFLA_UNSPEC',
  [IFLA_ADDRESS]: 'IFLA_ADDRESS',
  [IFLA_BROADCAST]: 'IFLA_BROADCAST',
  [IFLA_IFNAME]: 'IFLA_IFNAME',
  [IFLA_MTU]: 'IFLA_MTU',
  [IFLA_LINK]: 'IFLA_LINK',
  [IFLA_QDISC]: 'IFLA_QDISC',
  [IFLA_STATS]: 'IFLA_STATS',
  [IFLA_COST]: 'IFLA_COST',
  [IFLA_PRIORITY]: 'IFLA_PRIORITY',
  [IFLA_MASTER]: 'IFLA_MASTER',
  [IFLA_WIRELESS]: 'IFLA_WIRELESS',
  [IFLA_PROTINFO]: 'IFLA_PROTINFO',
  [IFLA_TXQLEN]: 'IFLA_TXQLEN',
  [IFLA_MAP]: 'IFLA_MAP',
  [IFLA_WEIGHT]: 'IFLA_WEIGHT',
  [IFLA_OPERSTATE]: 'IFLA_OPERSTATE',
  [IFLA_LINKMODE]: 'IFLA_LINKMODE',
  [IFLA_LINKINFO]: 'IFLA_LINKINFO',
  [IFLA_NET_NS_PID]: 'IFLA_NET_NS_PID',
  [IFLA_IFALIAS]: 'IFLA_IFALIAS',
  [IFLA_NUM_VF]: 'IFLA_NUM_VF',
  [IFLA_VFINFO_LIST]: 'IFLA_VFINFO_LIST',
  [IFLA_STATS64]: 'IFLA_STATS64',
  [IFLA_VF_PORTS]: 'IFLA_VF_PORTS',
  [IFLA_PORT_SELF]: 'IFLA_PORT_SELF',
  [IFLA_AF_SPEC]: 'IFLA_AF_SPEC',
  [IFLA_GROUP]: 'IFLA_GROUP',
  [IFLA_NET_NS_FD]: 'IFLA_NET_NS_FD',
  [IFLA_EXT_MASK]: 'IFLA_EXT_MASK',
  [IFLA_PROMISCUITY]: 'IFLA_PROMISCUITY',
  [IFLA_NUM_TX_QUEUES]: 'IFLA_NUM_TX_QUEUES',
  [IFLA_NUM_RX_QUEUES]: 'IFLA_NUM_RX_QUEUES',
  [IFLA_CARRIER]: 'IFLA_CARRIER',
  [IFLA_PHYS_PORT_ID]: 'IFLA_PHYS_PORT_ID',
  [IFLA_CARRIER_CHANGES]: 'IFLA_CARRIER_CHANGES',
  [IFLA_PHYS_SWITCH_ID]: 'IFLA_PHYS_SWITCH_ID',
  [IFLA_LINK_NETNSID]: 'IFLA_LINK_NETNSID',
  [IFLA_PHYS_PORT_NAME]: 'IFLA_PHYS_PORT_NAME',
  [IFLA_PROTO_DOWN]: 'IFLA_PROTO_DOWN',
  [IFLA_GSO_MAX_SEGS]: 'IFLA_GSO_MAX_SEGS',
  [IFLA_GSO_MAX_SIZE]: 'IFLA_GSO_MAX_SIZE',
  [IFLA_PAD]: 'IFLA_PAD',
  [IFLA_XDP]: 'IFLA_XDP',
  [IFLA_EVENT]: 'IFLA_EVENT',
  [IFLA_NEW_NETNSID]: 'IFLA_NEW_NETNSID',
  [IFLA_TARGET_NETNSID]: 'IFLA_TARGET_NETNSID',
  [IFLA_CARRIER_UP_COUNT]: 'IFLA_CARRIER_UP_COUNT',
  [IFLA_CARRIER_DOWN_COUNT]: 'IFLA_CARRIER_DOWN_COUNT',
  [IFLA_NEW_IFINDEX]: 'IFLA_NEW_IFINDEX',
  [IFLA_MIN_MTU]: 'IFLA_MIN_MTU',
  [IFLA_MAX_MTU]: 'IFLA_MAX_MTU',
  [IFLA_PROP_LIST]: 'IFLA_PROP_LIST',
  [IFLA_ALT_IFNAME]: 'IFLA_ALT_IFNAME',
  [IFLA_PERM_ADDRESS]: 'IFLA_PERM_ADDRESS',
  [IFLA_PROTO_DOWN_REASON]: 'IFLA_PROTO_DOWN_REASON',
  [IFLA_PARENT_DEV_NAME]: 'IFLA_PARENT_DEV_NAME',
  [IFLA_PARENT_DEV_BUS_NAME]: 'IFLA_PARENT_DEV_BUS_NAME',
  [IFLA_GRO_MAX_SIZE]: 'IFLA_GRO_MAX_SIZE',
  [IFLA_TSO_MAX_SIZE]: 'IFLA_TSO_MAX_SIZE',
  [IFLA_TSO_MAX_SEGS]: 'IFLA_TSO_MAX_SEGS',
  [IFLA_ALLMULTI]: 'IFLA_ALLMULTI',
});
