// @nsrun/netlink/nf: nf_tables over NETLINK_NETFILTER. Its constants, framing, the batching
// client, tables, chains, rules, and the expressions rules are made of.
export * from './constants.js';
export * from './header.js';
export * from './udata.js';
export * from './client.js';
export * from './table.js';
export * from './chain.js';
export * from './rule.js';
export * from './expr/index.js';
