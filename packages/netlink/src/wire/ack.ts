import { Buffer } from 'node:buffer';
import { DecodeError } from './errors.js';
import { NLMSG_HDRLEN, type RawMessage } from './header.js';
import { decodeAttrs, encodeAttrs, schema, string, u32, binary, nested, type AttrOf } from './attrs.js';
import type { Writer } from './writer.js';

// NLMSG_ERROR payload (struct nlmsgerr, linux/netlink.h): int error; struct nlmsghdr msg;
// then the rest of the request unless NLM_F_CAPPED, then extended-ACK TLVs when
// NLM_F_ACK_TLVS (enum nlmsgerr_attrs).
const NLM_F_CAPPED = 0x100;
const NLM_F_ACK_TLVS = 0x200;

const policySchema = schema([] as const);
export const extAckSchema = schema([
  [1, 'msg', string], // NLMSGERR_ATTR_MSG
  [2, 'offset', u32], // NLMSGERR_ATTR_OFFS
  [3, 'cookie', binary], // NLMSGERR_ATTR_COOKIE
  [4, 'policy', nested(policySchema)], // NLMSGERR_ATTR_POLICY
  [5, 'missType', u32], // NLMSGERR_ATTR_MISS_TYPE
  [6, 'missNest', u32], // NLMSGERR_ATTR_MISS_NEST
] as const);
export type ExtAckAttr = AttrOf<typeof extAckSchema.specs>;

export interface ErrorMessage {
  /** 0 for an ACK, otherwise a negative errno as the kernel sent it. */
  error: number;
  /** Header of the request this answers. */
  request: { len: number; type: number; flags: number; seq: number; pid: number };
  /** The echoed request payload (absent when the kernel capped it). */
  requestPayload?: Buffer;
  /** Extended-ACK attributes in wire order. */
  attrs: ExtAckAttr[];
}

export function decodeError(m: RawMessage): ErrorMessage {
  const { buf, start, end } = m;
  if (end - start < 4 + NLMSG_HDRLEN) throw new DecodeError(start, `NLMSG_ERROR payload of ${end - start} bytes is shorter than struct nlmsgerr`);
  const error = buf.readInt32LE(start);
  const h = start + 4;
  const request = {
    len: buf.readUInt32LE(h),
    type: buf.readUInt16LE(h + 4),
    flags: buf.readUInt16LE(h + 6),
    seq: buf.readUInt32LE(h + 8),
    pid: buf.readUInt32LE(h + 12),
  };
  let off = h + NLMSG_HDRLEN;
  let requestPayload: Buffer | undefined;
  if (!(m.flags & NLM_F_CAPPED)) {
    const payloadLen = request.len - NLMSG_HDRLEN;
    if (payloadLen < 0 || off + payloadLen > end) {
      throw new DecodeError(h, `echoed request length ${request.len} does not fit the error message`);
    }
    requestPayload = Buffer.from(buf.subarray(off, off + payloadLen));
    off += (payloadLen + 3) & ~3;
  }
  const attrs = m.flags & NLM_F_ACK_TLVS ? decodeAttrs(extAckSchema, buf, Math.min(off, end), end) : [];
  const out: ErrorMessage = { error, request, attrs };
  if (requestPayload) out.requestPayload = requestPayload;
  return out;
}

export function encodeError(w: Writer, e: ErrorMessage): void {
  w.i32(e.error);
  const r = e.request;
  w.u32(r.len).u16(r.type).u16(r.flags).u32(r.seq).u32(r.pid);
  if (e.requestPayload) w.bytes(e.requestPayload).align();
  encodeAttrs(extAckSchema, w, e.attrs);
}
