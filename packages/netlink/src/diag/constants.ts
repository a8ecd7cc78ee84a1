// Socket diagnostics (NETLINK_SOCK_DIAG), transcribed from the Linux uapi headers as installed
// in /usr/include: linux/sock_diag.h and linux/inet_diag.h. The TCP states come from
// netinet/tcp.h (glibc's copy of the kernel's include/net/tcp_states.h, which is not uapi);
// TCP_NEW_SYN_RECV and TCP_BOUND_INACTIVE, kernel-internal, from that kernel header. The socket
// family and NETLINK_SOCK_DIAG itself live in ../constants/.

// ---- linux/sock_diag.h -------------------------------------------------------------------

export const SOCK_DIAG_BY_FAMILY = 20;
export const SOCK_DESTROY = 21;

/** struct sock_diag_req: sdiag_family u8, sdiag_protocol u8 (the start of every request). */
export const SOCK_DIAG_REQ_LEN = 2;

// INET_DIAG_SKMEMINFO: an array of u32, indexed by these.
export const SK_MEMINFO_RMEM_ALLOC = 0;
export const SK_MEMINFO_RCVBUF = 1;
export const SK_MEMINFO_WMEM_ALLOC = 2;
export const SK_MEMINFO_SNDBUF = 3;
export const SK_MEMINFO_FWD_ALLOC = 4;
export const SK_MEMINFO_WMEM_QUEUED = 5;
export const SK_MEMINFO_OPTMEM = 6;
export const SK_MEMINFO_BACKLOG = 7;
export const SK_MEMINFO_DROPS = 8;
export const SK_MEMINFO_VARS = 9;

// enum sknetlink_groups
export const SKNLGRP_NONE = 0;
export const SKNLGRP_INET_TCP_DESTROY = 1;
export const SKNLGRP_INET_UDP_DESTROY = 2;
export const SKNLGRP_INET6_TCP_DESTROY = 3;
export const SKNLGRP_INET6_UDP_DESTROY = 4;

// ---- linux/inet_diag.h -------------------------------------------------------------------

export const TCPDIAG_GETSOCK = 18;
export const DCCPDIAG_GETSOCK = 19;

/** idiag_cookie[] of a request that names no particular socket. */
export const INET_DIAG_NOCOOKIE = 0xffffffff;

/** struct inet_diag_sockid: sport, dport (__be16), src[4], dst[4] (__be32), if u32, cookie[2] u32. */
export const INET_DIAG_SOCKID_LEN = 48;
/** struct inet_diag_req_v2: family, protocol, ext, pad (u8 each), states u32, id. */
export const INET_DIAG_REQ_V2_LEN = 56;
/** struct inet_diag_msg: family, state, timer, retrans (u8 each), id, expires, rqueue, wqueue, uid, inode (u32 each). */
export const INET_DIAG_MSG_LEN = 72;
/** struct inet_diag_bc_op: code u8, yes u8, no u16. */
export const INET_DIAG_BC_OP_LEN = 4;
/** struct inet_diag_hostcond without its address: family u8, prefix_len u8, (2 bytes padding), port int. */
export const INET_DIAG_HOSTCOND_LEN = 8;

// Request attributes (after struct inet_diag_req_v2)
export const INET_DIAG_REQ_NONE = 0;
export const INET_DIAG_REQ_BYTECODE = 1;
export const INET_DIAG_REQ_SK_BPF_STORAGES = 2;
export const INET_DIAG_REQ_PROTOCOL = 3;

// Bytecode operations (struct inet_diag_bc_op.code): conditional jumps forward
export const INET_DIAG_BC_NOP = 0;
export const INET_DIAG_BC_JMP = 1;
export const INET_DIAG_BC_S_GE = 2;
export const INET_DIAG_BC_S_LE = 3;
export const INET_DIAG_BC_D_GE = 4;
export const INET_DIAG_BC_D_LE = 5;
export const INET_DIAG_BC_AUTO = 6;
export const INET_DIAG_BC_S_COND = 7;
export const INET_DIAG_BC_D_COND = 8;
export const INET_DIAG_BC_DEV_COND = 9;
export const INET_DIAG_BC_MARK_COND = 10;
export const INET_DIAG_BC_S_EQ = 11;
export const INET_DIAG_BC_D_EQ = 12;
export const INET_DIAG_BC_CGROUP_COND = 13;

// Extensions: the attributes after struct inet_diag_msg. Those up to INET_DIAG_SHUTDOWN are
// asked for with bit (1 << (X - 1)) in idiag_ext; the later ones come unasked or ride on another.
export const INET_DIAG_NONE = 0;
export const INET_DIAG_MEMINFO = 1;
export const INET_DIAG_INFO = 2;
export const INET_DIAG_VEGASINFO = 3;
export const INET_DIAG_CONG = 4;
export const INET_DIAG_TOS = 5;
export const INET_DIAG_TCLASS = 6;
export const INET_DIAG_SKMEMINFO = 7;
export const INET_DIAG_SHUTDOWN = 8;
export const INET_DIAG_DCTCPINFO = 9;
export const INET_DIAG_PROTOCOL = 10;
export const INET_DIAG_SKV6ONLY = 11;
export const INET_DIAG_LOCALS = 12;
export const INET_DIAG_PEERS = 13;
export const INET_DIAG_PAD = 14;
export const INET_DIAG_MARK = 15;
export const INET_DIAG_BBRINFO = 16;
export const INET_DIAG_CLASS_ID = 17;
export const INET_DIAG_MD5SIG = 18;
export const INET_DIAG_ULP_INFO = 19;
export const INET_DIAG_SK_BPF_STORAGES = 20;
export const INET_DIAG_CGROUP_ID = 21;
export const INET_DIAG_SOCKOPT = 22;

export const INET_DIAG_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [INET_DIAG_MEMINFO]: 'INET_DIAG_MEMINFO',
  [INET_DIAG_INFO]: 'INET_DIAG_INFO',
  [INET_DIAG_VEGASINFO]: 'INET_DIAG_VEGASINFO',
  [INET_DIAG_CONG]: 'INET_DIAG_CONG',
  [INET_DIAG_TOS]: 'INET_DIAG_TOS',
  [INET_DIAG_TCLASS]: 'INET_DIAG_TCLASS',
  [INET_DIAG_SKMEMINFO]: 'INET_DIAG_SKMEMINFO',
  [INET_DIAG_SHUTDOWN]: 'INET_DIAG_SHUTDOWN',
  [INET_DIAG_DCTCPINFO]: 'INET_DIAG_DCTCPINFO',
  [INET_DIAG_PROTOCOL]: 'INET_DIAG_PROTOCOL',
  [INET_DIAG_SKV6ONLY]: 'INET_DIAG_SKV6ONLY',
  [INET_DIAG_LOCALS]: 'INET_DIAG_LOCALS',
  [INET_DIAG_PEERS]: 'INET_DIAG_PEERS',
  [INET_DIAG_PAD]: 'INET_DIAG_PAD',
  [INET_DIAG_MARK]: 'INET_DIAG_MARK',
  [INET_DIAG_BBRINFO]: 'INET_DIAG_BBRINFO',
  [INET_DIAG_CLASS_ID]: 'INET_DIAG_CLASS_ID',
  [INET_DIAG_MD5SIG]: 'INET_DIAG_MD5SIG',
  [INET_DIAG_ULP_INFO]: 'INET_DIAG_ULP_INFO',
  [INET_DIAG_SK_BPF_STORAGES]: 'INET_DIAG_SK_BPF_STORAGES',
  [INET_DIAG_CGROUP_ID]: 'INET_DIAG_CGROUP_ID',
  [INET_DIAG_SOCKOPT]: 'INET_DIAG_SOCKOPT',
});

// INET_DIAG_ULP_INFO nested attributes
export const INET_ULP_INFO_UNSPEC = 0;
export const INET_ULP_INFO_NAME = 1;
export const INET_ULP_INFO_TLS = 2;
export const INET_ULP_INFO_MPTCP = 3;

// ---- TCP states (netinet/tcp.h; kernel include/net/tcp_states.h) ---------------------------
// sk_state, also of UDP sockets: an unconnected one is TCP_CLOSE, a connected one TCP_ESTABLISHED.

export const TCP_ESTABLISHED = 1;
export const TCP_SYN_SENT = 2;
export const TCP_SYN_RECV = 3;
export const TCP_FIN_WAIT1 = 4;
export const TCP_FIN_WAIT2 = 5;
export const TCP_TIME_WAIT = 6;
export const TCP_CLOSE = 7;
export const TCP_CLOSE_WAIT = 8;
export const TCP_LAST_ACK = 9;
export const TCP_LISTEN = 10;
export const TCP_CLOSING = 11;
export const TCP_NEW_SYN_RECV = 12;
export const TCP_BOUND_INACTIVE = 13;

/** The states by the names ss shows without its TCP_ prefix (`LISTEN`, `CLOSE`...). */
export const TCP_STATES = Object.freeze({
  ESTABLISHED: TCP_ESTABLISHED,
  SYN_SENT: TCP_SYN_SENT,
  SYN_RECV: TCP_SYN_RECV,
  FIN_WAIT1: TCP_FIN_WAIT1,
  FIN_WAIT2: TCP_FIN_WAIT2,
  TIME_WAIT: TCP_TIME_WAIT,
  CLOSE: TCP_CLOSE,
  CLOSE_WAIT: TCP_CLOSE_WAIT,
  LAST_ACK: TCP_LAST_ACK,
  LISTEN: TCP_LISTEN,
  CLOSING: TCP_CLOSING,
  NEW_SYN_RECV: TCP_NEW_SYN_RECV,
  BOUND_INACTIVE: TCP_BOUND_INACTIVE,
} as const);

export type TcpStateName = keyof typeof TCP_STATES;
