// Transcribed from /usr/include/x86_64-linux-gnu/bits/socket.h (glibc; values from kernel include/linux/socket.h).
// The installed uapi /usr/include/linux/socket.h does not define address families; glibc defines
// AF_x as PF_x. AF_NETLINK and SOL_NETLINK live in ./netlink.ts.

// Address families (ifi_family, ifa_family, rtm_family, ndm_family, rtgen_family)
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;
export const AF_PACKET = 17;
export const AF_MPLS = 28;
