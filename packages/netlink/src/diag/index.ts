// @nsrun/netlink/diag: socket diagnostics (NETLINK_SOCK_DIAG): constants, the client, inet sockets.
export * from './constants.js';
export * from './inet.js';
export * from './client.js';
export * from './list.js';
