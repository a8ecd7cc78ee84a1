// Transcribed from /usr/include/linux/netlink.h (Linux uapi).
// SOL_NETLINK and AF_NETLINK come from the socket headers, as noted at each one.

// Netlink protocol families (socket(AF_NETLINK, SOCK_RAW, protocol))
export const NETLINK_ROUTE = 0;
export const NETLINK_UNUSED = 1;
export const NETLINK_USERSOCK = 2;
export const NETLINK_FIREWALL = 3;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_NFLOG = 5;
export const NETLINK_XFRM = 6;
export const NETLINK_SELINUX = 7;
export const NETLINK_ISCSI = 8;
export const NETLINK_AUDIT = 9;
export const NETLINK_FIB_LOOKUP = 10;
export const NETLINK_CONNECTOR = 11;
export const NETLINK_NETFILTER = 12;
export const NETLINK_IP6_FW = 13;
export const NETLINK_DNRTMSG = 14;
export const NETLINK_KOBJECT_UEVENT = 15;
export const NETLINK_GENERIC = 16;
export const NETLINK_SCSITRANSPORT = 18;
export const NETLINK_ECRYPTFS = 19;
export const NETLINK_RDMA = 20;
export const NETLINK_CRYPTO = 21;
export const NETLINK_SMC = 22;
export const NETLINK_INET_DIAG = 4; // NETLINK_SOCK_DIAG

// struct nlmsghdr.nlmsg_flags: standard flags
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_ECHO = 0x8;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP_FILTERED = 0x20;

// nlmsg_flags: modifiers to GET requests
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_ATOMIC = 0x400;
export const NLM_F_DUMP = 0x300; // NLM_F_ROOT | NLM_F_MATCH

// nlmsg_flags: modifiers to NEW requests
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;

// nlmsg_flags: modifiers to DELETE requests
export const NLM_F_NONREC = 0x100;
export const NLM_F_BULK = 0x200;

// nlmsg_flags: flags for ACK messages
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

// Message alignment and header length (NLMSG_ALIGNTO is 4U in C)
export const NLMSG_ALIGNTO = 4;
export const NLMSG_HDRLEN = 16; // NLMSG_ALIGN(sizeof(struct nlmsghdr))

// struct nlmsghdr.nlmsg_type: reserved control messages
export const NLMSG_NOOP = 0x1;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_OVERRUN = 0x4;
export const NLMSG_MIN_TYPE = 0x10;

// Size of struct nlmsgerr (int error + struct nlmsghdr msg); not a kernel macro
export const NLMSGERR_LEN = 20; // sizeof(struct nlmsgerr)

// enum nlmsgerr_attrs (extended ACK TLVs after struct nlmsgerr)
export const NLMSGERR_ATTR_UNUSED = 0;
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_POLICY = 4;
export const NLMSGERR_ATTR_MISS_TYPE = 5;
export const NLMSGERR_ATTR_MISS_NEST = 6;

// Socket options at level SOL_NETLINK
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_PKTINFO = 3;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_RX_RING = 6;
export const NETLINK_TX_RING = 7;
export const NETLINK_LISTEN_ALL_NSID = 8;
export const NETLINK_LIST_MEMBERSHIPS = 9;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

// struct nlattr.nla_type flag bits
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = -49153; // ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) as a C int; for a u16 nla_type, type & NLA_TYPE_MASK === type & 0x3fff

// Attribute alignment and header length
export const NLA_ALIGNTO = 4;
export const NLA_HDRLEN = 4; // NLA_ALIGN(sizeof(struct nlattr))

// enum netlink_attribute_type (policy dumps, NLMSGERR_ATTR_POLICY)
export const NL_ATTR_TYPE_INVALID = 0;
export const NL_ATTR_TYPE_FLAG = 1;
export const NL_ATTR_TYPE_U8 = 2;
export const NL_ATTR_TYPE_U16 = 3;
export const NL_ATTR_TYPE_U32 = 4;
export const NL_ATTR_TYPE_U64 = 5;
export const NL_ATTR_TYPE_S8 = 6;
export const NL_ATTR_TYPE_S16 = 7;
export const NL_ATTR_TYPE_S32 = 8;
export const NL_ATTR_TYPE_S64 = 9;
export const NL_ATTR_TYPE_BINARY = 10;
export const NL_ATTR_TYPE_STRING = 11;
export const NL_ATTR_TYPE_NUL_STRING = 12;
export const NL_ATTR_TYPE_NESTED = 13;
export const NL_ATTR_TYPE_NESTED_ARRAY = 14;
export const NL_ATTR_TYPE_BITFIELD32 = 15;

// enum netlink_policy_type_attr
export const NL_POLICY_TYPE_ATTR_UNSPEC = 0;
export const NL_POLICY_TYPE_ATTR_TYPE = 1;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_S = 2;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_S = 3;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 4;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 5;
export const NL_POLICY_TYPE_ATTR_MIN_LENGTH = 6;
export const NL_POLICY_TYPE_ATTR_MAX_LENGTH = 7;
export const NL_POLICY_TYPE_ATTR_POLICY_IDX = 8;
export const NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE = 9;
export const NL_POLICY_TYPE_ATTR_BITFIELD32_MASK = 10;
export const NL_POLICY_TYPE_ATTR_PAD = 11;
export const NL_POLICY_TYPE_ATTR_MASK = 12;

// From the socket headers, not linux/netlink.h:
// /usr/include/x86_64-linux-gnu/bits/socket.h: #define SOL_NETLINK 270 (kernel include/linux/socket.h;
// the installed uapi /usr/include/linux/socket.h does not carry it).
export const SOL_NETLINK = 270;
// /usr/include/x86_64-linux-gnu/bits/socket.h: AF_NETLINK = PF_NETLINK = 16 (kernel include/linux/socket.h).
export const AF_NETLINK = 16;
