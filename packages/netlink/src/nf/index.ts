// nf_tables over NETLINK_NETFILTER: constants, framing, the batching client, tables and chains.
export * from './constants.js';
export * from './header.js';
export * from './udata.js';
export * from './client.js';
export * from './table.js';
export * from './chain.js';
// Rules and expressions (owned by the rule codec; it edits only the next line):
export * from './rule.js';
