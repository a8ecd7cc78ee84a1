// Transcribed from /usr/include/linux/veth.h (Linux uapi).

// IFLA_INFO_DATA for kind "veth" (anonymous enum); VETH_INFO_PEER carries a struct ifinfomsg + IFLA_* attributes
export const VETH_INFO_UNSPEC = 0;
export const VETH_INFO_PEER = 1;
