/** A message or attribute that does not parse: where, and why. Decoders throw nothing else. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** Byte offset in the buffer being decoded. */
  readonly offset: number;
  readonly reason: string;
  constructor(offset: number, reason: string) {
    super(`netlink decode error at byte ${offset}: ${reason}`);
    this.offset = offset;
    this.reason = reason;
  }
}
