import { Buffer } from 'node:buffer';
import { DecodeError } from './errors.js';

// struct nlmsghdr (linux/netlink.h): len u32, type u16, flags u16, seq u32, pid u32.
export const NLMSG_HDRLEN = 16;

export interface NlHeader {
  /** nlmsg_len: header plus payload, unpadded. */
  len: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

/** One message inside a datagram: its header and where its payload lies in `buf`. */
export interface RawMessage extends NlHeader {
  buf: Buffer;
  /** Offset of the payload (right after the header). */
  start: number;
  /** End of the payload (offset + nlmsg_len). */
  end: number;
}

/**
 * Splits a datagram into messages. Throws DecodeError (with the offset) for a header that
 * claims fewer than 16 bytes or more than the datagram holds.
 */
export function splitMessages(buf: Buffer, length = buf.byteLength): RawMessage[] {
  const out: RawMessage[] = [];
  let off = 0;
  // Direct byte reads, not Buffer.read*: this loop runs once per message of every dump, and
  // the method calls cost microseconds each before the JIT has warmed up.
  const b = buf;
  while (off < length) {
    if (length - off < NLMSG_HDRLEN) throw new DecodeError(off, `${length - off} trailing bytes, too short for a message header`);
    const len = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
    if (len < NLMSG_HDRLEN) throw new DecodeError(off, `message length ${len} is shorter than its header`);
    if (len > length - off) throw new DecodeError(off, `message of ${len} bytes overruns the datagram (${length - off} bytes left)`);
    out.push({
      len,
      type: b[off + 4]! | (b[off + 5]! << 8),
      flags: b[off + 6]! | (b[off + 7]! << 8),
      seq: (b[off + 8]! | (b[off + 9]! << 8) | (b[off + 10]! << 16) | (b[off + 11]! << 24)) >>> 0,
      pid: (b[off + 12]! | (b[off + 13]! << 8) | (b[off + 14]! << 16) | (b[off + 15]! << 24)) >>> 0,
      buf,
      start: off + NLMSG_HDRLEN,
      end: off + len,
    });
    off += (len + 3) & ~3;
  }
  return out;
}
