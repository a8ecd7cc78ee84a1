// @nsrun/netlink/transport: the AF_NETLINK socket, for a protocol this package has no client for.
export { NetlinkSocket, type SocketOptions, type Datagram } from './socket.js';
