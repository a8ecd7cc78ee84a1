// @nsrun/netlink/messages: the rtnetlink codec. Each family's decode/encode and schema, and whole
// messages and datagrams by family (decodeMessages, encodeMessages).
import { Buffer } from 'node:buffer';
import * as C from '../constants/index.js';
import { DecodeError } from '../wire/errors.js';
import { Writer } from '../wire/writer.js';
import { splitMessages, type NlHeader, type RawMessage } from '../wire/header.js';
import { decodeError, encodeError, extAckSchema, type ErrorMessage, type ExtAckAttr } from '../wire/ack.js';
import { decodeAttrs, encodeAttrs } from '../wire/attrs.js';
import { decodeLink, encodeLink, type LinkMessage } from './link.js';
import { decodeAddr, encodeAddr, type AddrMessage } from './addr.js';
import { decodeRoute, encodeRoute, type RouteMessage } from './route.js';
import { decodeNeigh, encodeNeigh, type NeighMessage } from './neigh.js';

export * from './link.js';
export * from './addr.js';
export * from './route.js';
export * from './neigh.js';

/** The header of a decoded message, without nlmsg_len (derived when encoding). */
export type Header = Omit<NlHeader, 'len'>;

/** NLMSG_DONE: the dump's final status (and extended-ACK attributes with NLM_F_ACK_TLVS). */
export interface DoneMessage {
  error: number;
  attrs: ExtAckAttr[];
}

/** Any rtnetlink message, by family. */
export type RtnlMessage =
  | { kind: 'link'; header: Header; body: LinkMessage }
  | { kind: 'addr'; header: Header; body: AddrMessage }
  | { kind: 'route'; header: Header; body: RouteMessage }
  | { kind: 'neigh'; header: Header; body: NeighMessage }
  | { kind: 'error'; header: Header; body: ErrorMessage }
  | { kind: 'done'; header: Header; body: DoneMessage }
  | { kind: 'noop'; header: Header; body: Buffer }
  | { kind: 'unknown'; header: Header; body: Buffer };

/** Which family an RTM_* type belongs to (RTM_NEWLINK..RTM_SETLINK are link, and so on). */
export function familyOf(type: number): RtnlMessage['kind'] {
  if (type === C.NLMSG_ERROR) return 'error';
  if (type === C.NLMSG_DONE) return 'done';
  if (type === C.NLMSG_NOOP) return 'noop';
  if (type >= C.RTM_NEWLINK && type <= C.RTM_SETLINK) return 'link';
  if (type >= C.RTM_NEWADDR && type <= C.RTM_GETADDR) return 'addr';
  if (type >= C.RTM_NEWROUTE && type <= C.RTM_GETROUTE) return 'route';
  if (type >= C.RTM_NEWNEIGH && type <= C.RTM_GETNEIGH) return 'neigh';
  return 'unknown';
}

const NLM_F_ACK_TLVS = 0x200;

export function decodeMessage(m: RawMessage): RtnlMessage {
  const header: Header = { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid };
  const { buf, start, end } = m;
  switch (familyOf(m.type)) {
    case 'link':
      return { kind: 'link', header, body: decodeLink(buf, start, end) };
    case 'addr':
      return { kind: 'addr', header, body: decodeAddr(buf, start, end) };
    case 'route':
      return { kind: 'route', header, body: decodeRoute(buf, start, end) };
    case 'neigh':
      return { kind: 'neigh', header, body: decodeNeigh(buf, start, end) };
    case 'error':
      return { kind: 'error', header, body: decodeError(m) };
    case 'done': {
      if (end - start < 4) throw new DecodeError(start, `NLMSG_DONE payload of ${end - start} bytes has no status`);
      const attrs = m.flags & NLM_F_ACK_TLVS ? decodeAttrs(extAckSchema, buf, start + 4, end) : [];
      return { kind: 'done', header, body: { error: buf.readInt32LE(start), attrs } };
    }
    case 'noop':
      return { kind: 'noop', header, body: Buffer.from(buf.subarray(start, end)) };
    default:
      return { kind: 'unknown', header, body: Buffer.from(buf.subarray(start, end)) };
  }
}

/** Decodes every message of a datagram. Throws DecodeError only. */
export function decodeMessages(buf: Buffer, length = buf.byteLength): RtnlMessage[] {
  return splitMessages(buf, length).map(decodeMessage);
}

/** Appends one whole message (header and payload) to `w`. */
export function encodeMessage(w: Writer, m: RtnlMessage): void {
  const at = w.beginMessage(m.header.type, m.header.flags, m.header.seq, m.header.pid);
  switch (m.kind) {
    case 'link':
      encodeLink(w, m.body);
      break;
    case 'addr':
      encodeAddr(w, m.body);
      break;
    case 'route':
      encodeRoute(w, m.body);
      break;
    case 'neigh':
      encodeNeigh(w, m.body);
      break;
    case 'error':
      encodeError(w, m.body);
      break;
    case 'done':
      w.i32(m.body.error);
      encodeAttrs(extAckSchema, w, m.body.attrs);
      break;
    default:
      w.bytes(m.body);
  }
  w.endMessage(at);
}

/** Encodes messages into one datagram. */
export function encodeMessages(ms: readonly RtnlMessage[]): Buffer {
  const w = new Writer(1024);
  for (const m of ms) encodeMessage(w, m);
  return w.toBuffer();
}
