import { Buffer } from 'node:buffer';
import { SysError } from '@nsrun/sys';
import * as L from '../constants/netlink.js';
import { Writer } from '../wire/writer.js';
import { splitMessages, NLMSG_HDRLEN, type RawMessage } from '../wire/header.js';
import { decodeError, extAckSchema } from '../wire/ack.js';
import { decodeAttrs } from '../wire/attrs.js';
import { AttrReader, u32le } from '../wire/reader.js';
import type { NetlinkSocket } from './socket.js';
import { NetlinkError, DumpInterruptedError, NetlinkTimeoutError, OverrunError, type RequestInfo, type BadAttribute } from '../errors.js';

// The request engine every netlink client runs on (rtnetlink, nf_tables, sock_diag): sequence
// numbers, the receive loop (only the kernel's answers, only for our port and our requests),
// ACKs, errors with their extended ACK, dumps up to NLMSG_DONE and NLM_F_DUMP_INTR with its
// retries. The clients keep what differs: how a request is framed (nfgenmsg, batches) and sent
// (RtnlClient's pipelined bulk), and the words of their errors (Protocol).
//
//   client            engine                                      kernel
//   frame(writer) --> roundTrip: send ---------------------------> (answers inside sendto)
//                     collect: receive, split, port/seq filter <--- datagrams
//                     ERROR 0 / DONE 0: the end    ERROR -e / DONE -e: error() + locateAttr()
//                     NLM_F_DUMP_INTR: DumpInterruptedError -> retryDump runs it again

/** Where a request's attributes start and what they are called, for naming the one the kernel blamed. */
export interface AttrNames {
  /** Kernel names by attribute type, e.g. { 4: 'IFLA_MTU' }. */
  names: Readonly<Record<number, string>>;
  /** Length of the fixed header between the nlmsghdr and the attributes (struct ifinfomsg, nfgenmsg...). */
  fixed: number;
}

/** What the engine needs to know of a protocol to word its errors. */
export interface Protocol {
  /** The kernel's name of a request type, e.g. "RTM_NEWLINK". */
  typeName(type: number): string;
  /** The attribute names of requests of this type; undefined when unknown. */
  attrNames(type: number): AttrNames | undefined;
}

type ExtAck = readonly { type: string; value?: unknown }[];

export class Exchange {
  readonly socket: NetlinkSocket;
  readonly timeoutMs: number;
  readonly protocol: Protocol;
  #seq = Math.floor(Math.random() * 0x3fffffff);
  /** The writer requests are framed in, lent out by `writer()` (undefined while lent). */
  #w: Writer | undefined;

  constructor(socket: NetlinkSocket, timeoutMs: number, protocol: Protocol, writerSize = 4096) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.protocol = protocol;
    this.#w = new Writer(writerSize);
  }

  /** Reserves n consecutive sequence numbers and returns the first: never 0, and never wrapping inside the n. */
  take(n = 1): number {
    let first = (this.#seq + 1) >>> 0 || 1;
    if (first + n - 1 > 0xffffffff) first = 1;
    this.#seq = first + n - 1;
    return first;
  }

  /**
   * The writer to frame a request in, emptied; give it back with `release` once its answers are
   * read. A request made meanwhile (from a decoder, an onReply) gets a writer of its own, so the
   * bytes a failure is resolved against stay the bytes that were sent.
   */
  writer(): Writer {
    const w = this.#w ?? new Writer(4096);
    this.#w = undefined;
    w.reset();
    return w;
  }

  release(w: Writer): void {
    this.#w = w;
  }

  info(type: number, seq: number, what: string): RequestInfo {
    return { type, typeName: this.protocol.typeName(type), seq, what };
  }

  /**
   * Sends one request (framed in `sent`, sequence number `info.seq`) and reads its answers up to
   * the ACK or NLMSG_DONE; every other answer goes through `decode` into the result. Throws
   * NetlinkError when the kernel refuses it (an NLMSG_ERROR, or a dump's NLMSG_DONE with a
   * negative status), DumpInterruptedError with what was read when any answer carried
   * NLM_F_DUMP_INTR.
   */
  roundTrip<T>(info: RequestInfo, sent: Buffer, decode: (m: RawMessage) => T, borrow = false): T[] {
    this.socket.send(sent);
    const out: T[] = [];
    let interrupted = false;
    this.collect(
      info,
      (m) => {
        if (m.flags & L.NLM_F_DUMP_INTR) interrupted = true;
        if (m.type === L.NLMSG_ERROR) {
          const e = decodeError(m);
          if (e.error === 0) return true;
          throw this.error(info, e.error, e.attrs, sent, 0);
        }
        if (m.type === L.NLMSG_DONE) {
          const status = m.end - m.start >= 4 ? m.buf.readInt32LE(m.start) : 0;
          if (status < 0) {
            // A refused dump reports its errno (and extended ACK) in NLMSG_DONE.
            const attrs = m.flags & L.NLM_F_ACK_TLVS ? decodeAttrs(extAckSchema, m.buf, m.start + 4, m.end) : [];
            throw this.error(info, status, attrs, sent, 0);
          }
          return true;
        }
        if (m.type === L.NLMSG_NOOP) return false;
        out.push(decode(m));
        return false;
      },
      undefined,
      undefined,
      borrow,
    );
    if (interrupted) throw new DumpInterruptedError(info, out, 1);
    return out;
  }

  /**
   * Reads answers until `onMessage` returns true. Datagrams from anyone but the kernel, and
   * messages for another port or for sequence numbers `seqOk` refuses (leftovers of an earlier,
   * abandoned request), are skipped. `doneWhenDry` ends the wait when nothing more is queued
   * and it returns true. ENOBUFS is OverrunError; no answer within timeoutMs, NetlinkTimeoutError.
   * `borrow`: the messages are read in the socket's receive buffer, valid during `onMessage`
   * only (which must not receive on this socket), instead of in a copy of each datagram.
   */
  collect(
    info: RequestInfo,
    onMessage: (m: RawMessage) => boolean,
    seqOk: (seq: number) => boolean = (s) => s === info.seq,
    doneWhenDry?: () => boolean,
    borrow = false,
  ): void {
    const port = this.socket.port;
    for (;;) {
      let dg;
      try {
        dg = this.socket.receive();
        if (dg === undefined) {
          if (doneWhenDry?.()) return;
          dg = this.socket.receive(this.timeoutMs);
        }
      } catch (e) {
        if (e instanceof SysError && e.code === 'ENOBUFS') throw new OverrunError(info.what);
        throw e;
      }
      if (dg === undefined) throw new NetlinkTimeoutError(info, this.timeoutMs);
      if (dg.port !== 0) continue; // only the kernel answers requests
      // One copy per datagram: decoded objects may keep views of it (lazy decoding), and the
      // socket reuses its receive buffer. Fresh memory costs (page faults: ~0.1 ms for a full
      // 32 KiB dump datagram here), so a caller that keeps no views borrows the buffer instead.
      for (const m of splitMessages(borrow ? dg.data : Buffer.from(dg.data))) {
        if ((m.pid !== port && m.pid !== 0) || !seqOk(m.seq)) continue;
        if (onMessage(m)) return;
      }
    }
  }

  /**
   * The NetlinkError for a refusal: the errno, the kernel's text, and the attribute it blamed
   * resolved against the request at `msgOffset` in `sent` (named by `type`'s attribute names;
   * pass undefined when there are none).
   */
  error(info: RequestInfo, negErrno: number, attrs: ExtAck, sent: Buffer, msgOffset: number, type: number | undefined = info.type): NetlinkError {
    let kernelMessage: string | undefined;
    let bad: BadAttribute | undefined;
    for (const a of attrs) {
      if (a.type === 'msg') kernelMessage = a.value as string;
      else if (a.type === 'offset') bad = locateAttr(sent, msgOffset, a.value as number, type === undefined ? undefined : this.protocol.attrNames(type));
    }
    return new NetlinkError(-negErrno, info, kernelMessage, bad);
  }
}

/**
 * Runs a dump, and again while the kernel flags it interrupted, `retries` more times at most;
 * then DumpInterruptedError with the last attempt's partial result. `undefined` entries (the
 * messages a decoder skipped) are dropped, in place: no second array of a big dump.
 */
export function retryDump<T>(retries: number, once: () => (T | undefined)[]): T[] {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = once();
      let k = 0;
      for (let i = 0; i < out.length; i++) if (out[i] !== undefined) out[k++] = out[i];
      out.length = k;
      return out as T[];
    } catch (e) {
      if (!(e instanceof DumpInterruptedError)) throw e;
      if (attempt <= retries) continue;
      throw new DumpInterruptedError(e.request, (e.partial as (T | undefined)[]).filter((x) => x !== undefined) as T[], attempt);
    }
  }
}

/**
 * Names the top-level attribute at (or around) `offset` in the request at `msgOffset` of `sent`
 * (NLMSGERR_ATTR_OFFS counts from the start of the request's nlmsghdr). The request's length is
 * bounded by the bytes at hand, and a malformed one names nothing rather than throwing.
 */
export function locateAttr(sent: Buffer, msgOffset: number, offset: number, names: AttrNames | undefined): BadAttribute {
  const out: BadAttribute = { offset };
  if (!names || msgOffset < 0 || msgOffset + NLMSG_HDRLEN > sent.length) return out;
  const end = Math.min(sent.length, msgOffset + u32le(sent, msgOffset));
  const start = msgOffset + NLMSG_HDRLEN + names.fixed;
  const target = msgOffset + offset;
  if (start > end) return out;
  const r = new AttrReader(sent, start, end);
  try {
    while (r.next()) {
      if (target >= r.hdr && target < r.at + r.len) {
        const name = names.names[r.type];
        if (name) out.name = name;
        if (target !== r.hdr) out.inside = true;
        return out;
      }
    }
  } catch {
    // A header that does not parse: nothing to name past it.
  }
  return out;
}
