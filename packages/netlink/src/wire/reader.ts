import type { Buffer } from 'node:buffer';
import { DecodeError } from './errors.js';

// The attribute reader, the match of the Writer: a cursor over the attributes (struct nlattr,
// linux/netlink.h) in b[start, end). `next()` moves to the next one and checks its header — the
// bounds rules live here and nowhere else — then `type`, `flags`, `at` and `len` describe it and
// the typed reads take its payload. Every decoder walks attributes with it: the schema decoder
// (decodeAttrs), the lazy views, the name lookups and the error locator.
//
// Plain fields and byte reads, no per-attribute objects: the dump decoders run it for every
// attribute of thousands of messages, and a cursor allocated once per walk costs nothing more.

const NLA_HDRLEN = 4;
const NLA_TYPE_MASK = 0x3fff; // ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER)

/** A little-endian u32 at `p` (no bounds check: the caller has checked them). */
export function u32le(b: Buffer, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/** A little-endian u16 at `p` (no bounds check). */
export function u16le(b: Buffer, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

export class AttrReader {
  buf: Buffer;
  /** Offset of the current attribute's header. */
  hdr = 0;
  /** Offset of the current attribute's payload. */
  at = 0;
  /** Payload length (nla_len minus the header, padding excluded). */
  len = 0;
  /** nla_type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. */
  type = 0;
  /** Those flag bits as they were on the wire (0 when none). */
  flags = 0;
  #next: number;
  #end: number;

  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.#next = start;
    this.#end = end;
  }

  /** Starts over on the attributes in buf[start, end) (a reader can be reused). */
  reset(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.#next = start;
    this.#end = end;
    return this;
  }

  /** Where the next attribute would start: the end of the current one, padding included. */
  get offset(): number {
    return this.#next;
  }

  /**
   * Moves to the next attribute; false when none is left. Throws DecodeError for trailing
   * bytes too short for a header, a length shorter than the header, or one past the end.
   */
  next(): boolean {
    const off = this.#next;
    const end = this.#end;
    if (off >= end) return false;
    if (end - off < NLA_HDRLEN) throw new DecodeError(off, `${end - off} trailing bytes, too short for an attribute header`);
    const b = this.buf;
    const len = b[off]! | (b[off + 1]! << 8);
    if (len < NLA_HDRLEN) throw new DecodeError(off, `attribute length ${len} is shorter than its header`);
    if (off + len > end) throw new DecodeError(off, `attribute of ${len} bytes overruns its container (${end - off} bytes left)`);
    const raw = b[off + 2]! | (b[off + 3]! << 8);
    this.hdr = off;
    this.at = off + NLA_HDRLEN;
    this.len = len - NLA_HDRLEN;
    this.type = raw & NLA_TYPE_MASK;
    this.flags = raw & ~NLA_TYPE_MASK;
    this.#next = off + ((len + 3) & ~3);
    return true;
  }

  /** A reader over the current attribute's payload (its nested attributes). */
  nested(): AttrReader {
    return new AttrReader(this.buf, this.at, this.at + this.len);
  }

  #need(size: number): void {
    if (this.len !== size) throw new DecodeError(this.hdr, `attribute of ${this.len} bytes where ${size} are expected`);
  }

  /** The payload as u8; DecodeError unless it is 1 byte. */
  u8(): number {
    this.#need(1);
    return this.buf[this.at]!;
  }
  /** The payload as a little-endian u32; DecodeError unless it is 4 bytes. */
  u32(): number {
    this.#need(4);
    return u32le(this.buf, this.at);
  }
  /** The payload as a little-endian s32; DecodeError unless it is 4 bytes. */
  s32(): number {
    this.#need(4);
    return u32le(this.buf, this.at) | 0;
  }
  /** The payload as text, without the terminating NUL when there is one (iproute2 sends some without). */
  text(): string {
    const n = this.len;
    const end = n > 0 && this.buf[this.at + n - 1] === 0 ? this.at + n - 1 : this.at + n;
    return this.buf.toString('utf8', this.at, end);
  }
}
