// @nsrun/netlink/constants: the netlink and rtnetlink kernel constants transcribed from the Linux
// uapi headers, one module per header (nf_tables' and sock_diag's are in ../nf and ../diag).
export * from './netlink.js';
export * from './rtnetlink.js';
export * from './if_link.js';
export * from './if_addr.js';
export * from './neighbour.js';
export * from './veth.js';
export * from './if_bridge.js';
export * from './if.js';
export * from './if_arp.js';
export * from './socket.js';
export * from './net_namespace.js';
export * from './in_route.js';
export * from './if_vlan.js';
