// A growable little-endian writer for netlink messages. Lengths are patched after the body is
// written (begin/end pairs), so callers never compute sizes by hand. One writer per message
// batch: never share a writer between callers.

const NLA_F_NESTED = 1 << 15; // linux/netlink.h

export class Writer {
  #buf: Buffer;
  #view: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(initial = 256) {
    this.#buf = Buffer.allocUnsafe(initial);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  #reserve(n: number): number {
    const at = this.length;
    const need = at + n;
    if (need > this.#buf.byteLength) {
      let size = this.#buf.byteLength * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.#buf.copy(next, 0, 0, at);
      this.#buf = next;
      this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    }
    this.length = need;
    return at;
  }

  u8(v: number): this {
    this.#view.setUint8(this.#reserve(1), v);
    return this;
  }
  u16(v: number): this {
    this.#view.setUint16(this.#reserve(2), v, true);
    return this;
  }
  u16be(v: number): this {
    this.#view.setUint16(this.#reserve(2), v, false);
    return this;
  }
  u32(v: number): this {
    this.#view.setUint32(this.#reserve(4), v >>> 0, true);
    return this;
  }
  u32be(v: number): this {
    this.#view.setUint32(this.#reserve(4), v >>> 0, false);
    return this;
  }
  i32(v: number): this {
    this.#view.setInt32(this.#reserve(4), v, true);
    return this;
  }
  u64(v: bigint): this {
    this.#view.setBigUint64(this.#reserve(8), v, true);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.#reserve(b.byteLength);
    this.#buf.set(b, at);
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
    if (pad) this.zeros(pad);
    return this;
  }

  /** Patches a u32 at `offset` (used for nlmsg_len). */
  setU32(offset: number, v: number): void {
    this.#view.setUint32(offset, v >>> 0, true);
  }
  setU16(offset: number, v: number): void {
    this.#view.setUint16(offset, v, true);
  }

  /** Starts an nlmsghdr; returns its offset for `endMessage`. */
  beginMessage(type: number, flags: number, seq: number, pid = 0): number {
    const at = this.length;
    this.u32(0).u16(type).u16(flags).u32(seq).u32(pid);
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
    const at = this.beginAttr(type);
    this.u32(v);
    this.endAttr(at);
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
