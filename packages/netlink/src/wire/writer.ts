import { Buffer } from 'node:buffer';
// A growable little-endian writer for netlink messages. Lengths are patched after the body is
// written (begin/end pairs), so callers never compute sizes by hand. One writer per message
// batch: never share a writer between callers.

const NLA_F_NESTED = 1 << 15; // linux/netlink.h

export class Writer {
  #buf: Buffer;
  /** Bytes written so far. */
  length = 0;

  constructor(initial = 256) {
    this.#buf = Buffer.allocUnsafe(initial);
  }

  /** Makes room for n more bytes and returns where they start. */
  #reserve(n: number): number {
    const at = this.length;
    const need = at + n;
    if (need > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.#buf.copy(next, 0, 0, at);
      this.#buf = next;
    }
    this.length = need;
    return at;
  }

  // Plain byte stores: measured ~3x faster than DataView or Buffer.write* for these sizes.
  u8(v: number): this {
    const at = this.#reserve(1);
    this.#buf[at] = v;
    return this;
  }
  u16(v: number): this {
    const at = this.#reserve(2);
    const b = this.#buf;
    b[at] = v;
    b[at + 1] = v >>> 8;
    return this;
  }
  u16be(v: number): this {
    const at = this.#reserve(2);
    const b = this.#buf;
    b[at] = v >>> 8;
    b[at + 1] = v;
    return this;
  }
  u32(v: number): this {
    const at = this.#reserve(4);
    const b = this.#buf;
    b[at] = v;
    b[at + 1] = v >>> 8;
    b[at + 2] = v >>> 16;
    b[at + 3] = v >>> 24;
    return this;
  }
  u32be(v: number): this {
    const at = this.#reserve(4);
    const b = this.#buf;
    b[at] = v >>> 24;
    b[at + 1] = v >>> 16;
    b[at + 2] = v >>> 8;
    b[at + 3] = v;
    return this;
  }
  i32(v: number): this {
    return this.u32(v >>> 0);
  }
  u64(v: bigint): this {
    const at = this.#reserve(8);
    this.#buf.writeBigUInt64LE(v, at);
    return this;
  }
  bytes(x: Uint8Array): this {
    const n = x.length;
    const at = this.#reserve(n);
    const b = this.#buf;
    if (n <= 16) for (let i = 0; i < n; i++) b[at + i] = x[i] as number;
    else b.set(x, at);
    return this;
  }
  /** A C string with its terminating NUL. */
  cstring(s: string): this {
    const n = Buffer.byteLength(s);
    const at = this.#reserve(n + 1);
    this.#buf.write(s, at, 'utf8');
    this.#buf[at + n] = 0;
    return this;
  }
  zeros(n: number): this {
    const at = this.#reserve(n);
    this.#buf.fill(0, at, at + n);
    return this;
  }
  /** Pads with zero bytes to the next multiple of 4 (NLMSG_ALIGN / NLA_ALIGN). */
  align(): this {
    const pad = (4 - (this.length & 3)) & 3;
    if (pad) {
      const at = this.#reserve(pad);
      for (let i = 0; i < pad; i++) this.#buf[at + i] = 0;
    }
    return this;
  }

  /** Patches a u32 at `offset` (used for nlmsg_len). */
  setU32(offset: number, v: number): void {
    const b = this.#buf;
    b[offset] = v;
    b[offset + 1] = v >>> 8;
    b[offset + 2] = v >>> 16;
    b[offset + 3] = v >>> 24;
  }
  setU16(offset: number, v: number): void {
    this.#buf[offset] = v;
    this.#buf[offset + 1] = v >>> 8;
  }

  /** Starts an nlmsghdr; returns its offset for `endMessage`. */
  beginMessage(type: number, flags: number, seq: number, pid = 0): number {
    const at = this.#reserve(16);
    this.setU32(at, 0);
    this.setU16(at + 4, type);
    this.setU16(at + 6, flags);
    this.setU32(at + 8, seq);
    this.setU32(at + 12, pid);
    return at;
  }
  endMessage(at: number): void {
    this.align();
    this.setU32(at, this.length - at);
  }

  /** Starts an attribute header (nla_len patched by `endAttr`). */
  beginAttr(type: number): number {
    const at = this.length;
    this.u16(0).u16(type);
    return at;
  }
  endAttr(at: number): void {
    this.setU16(at, this.length - at);
    this.align();
  }
  /** Starts a nested attribute; `flagged` sets NLA_F_NESTED, as the kernel's newer policies expect. */
  beginNest(type: number, flagged = false): number {
    return this.beginAttr(flagged ? type | NLA_F_NESTED : type);
  }

  attrBytes(type: number, b: Uint8Array): this {
    const at = this.beginAttr(type);
    this.bytes(b);
    this.endAttr(at);
    return this;
  }
  attrU8(type: number, v: number): this {
    const at = this.beginAttr(type);
    this.u8(v);
    this.endAttr(at);
    return this;
  }
  attrU16(type: number, v: number): this {
    const at = this.beginAttr(type);
    this.u16(v);
    this.endAttr(at);
    return this;
  }
  attrU32(type: number, v: number): this {
    const at = this.#reserve(8);
    this.setU16(at, 8);
    this.setU16(at + 2, type);
    this.setU32(at + 4, v);
    return this;
  }
  /** A 4-byte attribute in network byte order (an IPv4 address, a BE32 field). */
  attrU32be(type: number, v: number): this {
    const at = this.#reserve(8);
    this.setU16(at, 8);
    this.setU16(at + 2, type);
    const b = this.#buf;
    b[at + 4] = v >>> 24;
    b[at + 5] = v >>> 16;
    b[at + 6] = v >>> 8;
    b[at + 7] = v;
    return this;
  }
  attrString(type: number, s: string): this {
    const at = this.beginAttr(type);
    this.cstring(s);
    this.endAttr(at);
    return this;
  }
  attrFlag(type: number): this {
    const at = this.beginAttr(type);
    this.endAttr(at);
    return this;
  }

  /** A view of the bytes written (shares memory until the writer grows). */
  view(): Buffer {
    return this.#buf.subarray(0, this.length);
  }
  /** A copy of the bytes written. */
  toBuffer(): Buffer {
    return Buffer.from(this.view());
  }
  /** Drops everything written, keeping the allocation. */
  reset(): void {
    this.length = 0;
  }
}
