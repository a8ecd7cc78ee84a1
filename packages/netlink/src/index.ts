// @nsrun/netlink: rtnetlink for programs. The client, the operations and their request builders,
// notifications, every error class, and the input checks the operations run. The lower layers
// and the other protocols have entry points of their own (package.json "exports", README
// "Public API"): ./constants, ./wire, ./messages, ./transport, ./nf, ./diag.
export { RtnlClient, type RtnlRequest, type Request, type DumpOptions, type BulkOptions, type ClientOptions } from './client.js';
export * from './errors.js';
export { DecodeError } from './wire/errors.js';
export * from './ops/index.js';
export * from './validate.js';
export { decodeLinkStats, LINK_STATS_FIELDS, type LinkStats } from './messages/link-stats.js';
export * from './events/index.js';
