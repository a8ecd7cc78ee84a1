// @nsrun/netlink/wire: the byte format every netlink protocol shares. Message headers and their
// splitting, attribute schemas and codecs, the Writer and its match the AttrReader, NLMSG_ERROR
// and extended ACKs. (NLMSG_HDRLEN is in ../constants; DecodeError, like every error class, in
// the root entry point.)
export { Writer } from './writer.js';
export { AttrReader } from './reader.js';
export * from './attrs.js';
export { ipv4Value, ipv6Bytes } from './ip-text.js';
export { splitMessages, type NlHeader, type RawMessage } from './header.js';
export { decodeError, encodeError, type ErrorMessage, type ExtAckAttr } from './ack.js';
