import { Buffer } from 'node:buffer';
import { SysError } from '@nsrun/sys';
import * as C from './constants/index.js';
import { Writer } from './wire/writer.js';
import { splitMessages, NLMSG_HDRLEN, type RawMessage } from './wire/header.js';
import { decodeError, extAckSchema } from './wire/ack.js';
import { decodeAttrs } from './wire/attrs.js';
import { NetlinkSocket, type SocketOptions } from './transport/socket.js';
import { NetlinkError, DumpInterruptedError, NetlinkTimeoutError, OverrunError, type RequestInfo, type BadAttribute } from './errors.js';
import { familyOf } from './messages/index.js';

// The request layer: sequence numbers, port checks, ACKs, multipart dumps, and pipelined bulk
// requests, over one NetlinkSocket. Every request completes synchronously inside one call
// (rtnetlink answers within sendto), so requests on one client never interleave.

/** One request: its type, extra NLM_F_* flags, a body writer and words for error messages. */
export interface Request {
  type: number;
  flags?: number;
  /** Writes the payload after the nlmsghdr. */
  body: (w: Writer) => void;
  /** The operation and object, e.g. `linkAdd veth0 (veth)`. */
  what: string;
}

export interface DumpOptions {
  /** Re-run the dump this many times when the kernel flags it NLM_F_DUMP_INTR (default 0). */
  retries?: number;
}

export interface BulkOptions {
  /** At most this many requests per datagram (default: as many as the receive buffer can answer). */
  perDatagram?: number;
  /**
   * Called with each answer that is not an ACK or error, e.g. the object the kernel echoes for
   * a request sent with NLM_F_ECHO (a created link with its index). `i` is the request's index.
   * The message's bytes are valid during the call only.
   */
  onReply?: (i: number, m: RawMessage) => void;
}

export interface ClientOptions extends SocketOptions {
  /** How long to wait when the kernel has not answered within the send call (default 5000 ms). */
  timeoutMs?: number;
}


const ATTR_NAMES: Record<string, Readonly<Record<number, string>> | undefined> = {
  link: C.IFLA_NAMES,
  addr: C.IFA_NAMES,
  route: C.RTA_NAMES,
  neigh: C.NDA_NAMES,
};
const FIXED_HEADER: Record<string, number> = { link: C.IFINFOMSG_LEN, addr: C.IFADDRMSG_LEN, route: C.RTMSG_LEN, neigh: C.NDMSG_LEN };

export class RtnlClient {
  readonly socket: NetlinkSocket;
  readonly timeoutMs: number;
  #seq = Math.floor(Math.random() * 0x7fffffff);
  #w = new Writer(4096);
  /** bulkSync's writer, kept for the next call (a batch sends one request at a time through it too). */
  #bw: Writer | undefined;

  constructor(socket: NetlinkSocket, timeoutMs = 5000) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
  }

  /** Opens a NETLINK_ROUTE socket (in `opts.netns` when given) and wraps it. */
  static open(opts: ClientOptions = {}): RtnlClient {
    return new RtnlClient(NetlinkSocket.open(opts), opts.timeoutMs);
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  close(): void {
    this.socket.close();
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0 || 1;
    return this.#seq;
  }

  #info(req: Request, seq: number): RequestInfo {
    return { type: req.type, typeName: C.RTM_NAMES[req.type] ?? `type ${req.type}`, seq, what: req.what };
  }

  /**
   * Sends one request with NLM_F_ACK and returns the raw reply messages (for GET requests, the
   * object; for changes, none). Rejects with NetlinkError when the kernel refuses.
   */
  async request<T>(req: Request, decode: (m: RawMessage) => T): Promise<T[]> {
    return this.requestSync(req, decode);
  }

  /** Synchronous form of `request`, for code that must not yield (namespace switches). */
  requestSync<T>(req: Request, decode: (m: RawMessage) => T): T[] {
    const w = this.#w;
    w.reset();
    const seq = this.#nextSeq();
    const at = w.beginMessage(req.type, C.NLM_F_REQUEST | C.NLM_F_ACK | (req.flags ?? 0), seq, 0);
    req.body(w);
    w.endMessage(at);
    // A view, not a copy: errors are resolved against it before the writer is used again.
    const sent = w.view();
    this.socket.send(sent);
    const out: T[] = [];
    let interrupted = false;
    this.#collect(req, seq, (m) => {
      if (m.flags & C.NLM_F_DUMP_INTR) interrupted = true;
      if (m.type === C.NLMSG_ERROR) {
        const e = decodeError(m);
        if (e.error === 0) return true;
        throw this.#error(req, seq, e.error, e.attrs, sent, 0);
      }
      if (m.type === C.NLMSG_DONE) {
        const status = m.end - m.start >= 4 ? m.buf.readInt32LE(m.start) : 0;
        if (status < 0) {
          // A refused dump reports its errno (and extended ACK) in NLMSG_DONE.
          const attrs = m.flags & C.NLM_F_ACK_TLVS ? decodeAttrs(extAckSchema, m.buf, m.start + 4, m.end) : [];
          throw this.#error(req, seq, status, attrs, sent, 0);
        }
        return true;
      }
      if (m.type === C.NLMSG_NOOP) return false;
      out.push(decode(m));
      return false;
    });
    if (interrupted) throw new DumpInterruptedError(this.#info(req, seq), out, 1);
    return out;
  }

  /**
   * A dump (NLM_F_DUMP). `decode` may return undefined to skip a message. NLM_F_DUMP_INTR
   * becomes DumpInterruptedError with the partial result, after `retries` more attempts.
   */
  async dump<T>(req: Request, decode: (m: RawMessage) => T | undefined, opts: DumpOptions = {}): Promise<T[]> {
    return this.dumpSync(req, decode, opts);
  }

  dumpSync<T>(req: Request, decode: (m: RawMessage) => T | undefined, opts: DumpOptions = {}): T[] {
    const retries = opts.retries ?? 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const out = this.requestSync({ ...req, flags: (req.flags ?? 0) | C.NLM_F_DUMP }, decode);
        // Drop skipped messages in place (no second array of a big dump).
        let k = 0;
        for (let i = 0; i < out.length; i++) if (out[i] !== undefined) out[k++] = out[i];
        out.length = k;
        return out as T[];
      } catch (e) {
        if (e instanceof DumpInterruptedError && attempt <= retries) continue;
        if (e instanceof DumpInterruptedError) {
          throw new DumpInterruptedError(e.request, (e.partial as (T | undefined)[]).filter((x) => x !== undefined) as T[], attempt);
        }
        throw e;
      }
    }
  }

  /**
   * Sends many change requests pipelined: as many per datagram as fit, ACKs requested only on
   * the last of each datagram (the kernel always reports failures), then collects the answers.
   * Returns one entry per request: undefined for success, the NetlinkError for a failure.
   */
  async bulk(reqs: readonly Request[], opts: BulkOptions = {}): Promise<(NetlinkError | undefined)[]> {
    return this.bulkSync(reqs, opts);
  }

  bulkSync(reqs: readonly Request[], opts: BulkOptions = {}): (NetlinkError | undefined)[] {
    const results: (NetlinkError | undefined)[] = new Array(reqs.length).fill(undefined);
    // Each failure answer costs up to ~1 KiB of receive buffer; bound a datagram's requests so
    // that even all of them failing cannot overflow it.
    const perDatagram = opts.perDatagram ?? Math.max(16, Math.floor(this.socket.rcvbuf / 1536));
    const limit = Math.min(this.socket.maxSend, 1 << 20);
    // Reused from call to call; a call made from inside onReply gets a writer of its own.
    const w = this.#bw ?? new Writer(64 * 1024);
    this.#bw = undefined;
    try {
      this.#bulkOn(reqs, opts, w, results, perDatagram, limit);
    } finally {
      this.#bw = w;
    }
    return results;
  }

  #bulkOn(reqs: readonly Request[], opts: BulkOptions, w: Writer, results: (NetlinkError | undefined)[], perDatagram: number, limit: number): void {
    let i = 0;
    while (i < reqs.length) {
      w.reset();
      const first = i;
      const firstSeq = this.#seq + 1;
      const offsets: number[] = [];
      while (i < reqs.length && i - first < perDatagram) {
        const req = reqs[i] as Request;
        const before = w.length;
        const seq = this.#nextSeq();
        const at = w.beginMessage(req.type, C.NLM_F_REQUEST | (req.flags ?? 0), seq, 0);
        req.body(w);
        w.endMessage(at);
        if (w.length > limit && i > first) {
          // Does not fit: send it with the next datagram.
          w.length = before;
          this.#seq = (this.#seq - 1) >>> 0;
          break;
        }
        offsets.push(before);
        i++;
      }
      // ACK the last message of the datagram: its answer tells us the whole datagram is done.
      const lastAt = offsets[offsets.length - 1] as number;
      const lastFlags = w.view().readUInt16LE(lastAt + 6);
      w.setU16(lastAt + 6, lastFlags | C.NLM_F_ACK);
      const lastSeq = (this.#seq >>> 0);
      const sent = w.view();
      this.socket.send(sent);
      const lastReq = reqs[i - 1] as Request;
      this.#collect(lastReq, lastSeq, (m) => {
        if (m.type !== C.NLMSG_ERROR) {
          opts.onReply?.(first + ((m.seq - firstSeq) >>> 0), m);
          return false;
        }
        const e = decodeError(m);
        const k = (e.request.seq - firstSeq) >>> 0;
        if (k >= offsets.length) return false;
        if (e.error !== 0) {
          const req = reqs[first + k] as Request;
          // `sent` stays valid here: the writer is not touched until this datagram is answered.
          results[first + k] = this.#error(req, e.request.seq, e.error, e.attrs, sent, offsets[k] as number);
        }
        return e.request.seq === lastSeq;
      }, (seq) => ((seq - firstSeq) >>> 0) < offsets.length);
    }
  }

  /**
   * Reads answers until `onMessage` returns true. Messages from other ports or for other
   * sequence numbers (leftovers of an earlier, abandoned request) are skipped.
   */
  #collect(req: Request, seq: number, onMessage: (m: RawMessage) => boolean, seqOk: (seq: number) => boolean = (s) => s === seq): void {
    const port = this.socket.port;
    for (;;) {
      let dg;
      try {
        dg = this.socket.receive() ?? this.socket.receive(this.timeoutMs);
      } catch (e) {
        if (e instanceof SysError && e.code === 'ENOBUFS') throw new OverrunError(req.what);
        throw e;
      }
      if (dg === undefined) throw new NetlinkTimeoutError(this.#info(req, seq), this.timeoutMs);
      if (dg.port !== 0) continue; // only the kernel answers requests
      // One copy per datagram: decoded objects may keep views of it (lazy decoding), and the
      // socket reuses its receive buffer.
      for (const m of splitMessages(Buffer.from(dg.data))) {
        if ((m.pid !== port && m.pid !== 0) || !seqOk(m.seq)) continue;
        if (onMessage(m)) return;
      }
    }
  }

  #error(req: Request, seq: number, negErrno: number, attrs: { type: string; value?: unknown }[], sent: Buffer, msgOffset: number): NetlinkError {
    let kernelMessage: string | undefined;
    let bad: BadAttribute | undefined;
    for (const a of attrs) {
      if (a.type === 'msg') kernelMessage = a.value as string;
      else if (a.type === 'offset') bad = locateAttr(sent, msgOffset, a.value as number, req.type);
    }
    return new NetlinkError(-negErrno, this.#info(req, seq), kernelMessage, bad);
  }
}

/** Names the top-level attribute at (or around) `offset` in the request at `msgOffset`. */
function locateAttr(sent: Buffer, msgOffset: number, offset: number, type: number): BadAttribute {
  const fam = familyOf(type);
  const names = ATTR_NAMES[fam];
  const fixed = FIXED_HEADER[fam];
  const out: BadAttribute = { offset };
  if (!names || fixed === undefined) return out;
  const msgLen = sent.readUInt32LE(msgOffset);
  let p = msgOffset + NLMSG_HDRLEN + fixed;
  const end = msgOffset + msgLen;
  const target = msgOffset + offset;
  while (p + 4 <= end) {
    const len = sent.readUInt16LE(p);
    if (len < 4) break;
    const code = sent.readUInt16LE(p + 2) & 0x3fff;
    if (target >= p && target < p + len) {
      const name = names[code];
      if (name) out.name = name;
      if (target !== p) out.inside = true;
      return out;
    }
    p += (len + 3) & ~3;
  }
  return out;
}
