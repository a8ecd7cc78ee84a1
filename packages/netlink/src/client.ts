import * as C from './constants/index.js';
import type { Writer } from './wire/writer.js';
import type { RawMessage } from './wire/header.js';
import { decodeError } from './wire/ack.js';
import { NetlinkSocket, type SocketOptions } from './transport/socket.js';
import { Exchange, retryDump, type AttrNames, type Protocol } from './transport/exchange.js';
import type { NetlinkError, RequestInfo } from './errors.js';
import { familyOf } from './messages/index.js';

// rtnetlink over the request engine (transport/exchange.ts), plus what is rtnetlink's own:
// pipelined bulk requests. Every request completes synchronously inside one call (rtnetlink
// answers within sendto), so requests on one client never interleave.

/** One rtnetlink request: its type, extra NLM_F_* flags, a body writer and words for error messages. */
export interface RtnlRequest {
  type: number;
  flags?: number;
  /** Writes the payload after the nlmsghdr. */
  body: (w: Writer) => void;
  /** The operation and object, e.g. `linkAdd veth0 (veth)`. */
  what: string;
}

/**
 * RtnlRequest's name in 0.1.0, kept for the programs that import it.
 * @deprecated Use RtnlRequest: imported, `Request` hides the global Request of the fetch API.
 */
export type Request = RtnlRequest;

export interface DumpOptions {
  /** Re-run the dump this many times when the kernel flags it NLM_F_DUMP_INTR (default 0). */
  retries?: number;
  /**
   * `decode` keeps no view of a message's bytes (it copies what it keeps: numbers, strings) and
   * makes no request on this client: the answers are then read in the socket's receive buffer,
   * not in a copy of each datagram (default false).
   */
  borrow?: boolean;
}

export interface BulkOptions {
  /** At most this many requests per datagram (default: as many as fit in 64 KiB and the receive buffer can answer). */
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

const ATTR_NAMES: Record<string, AttrNames | undefined> = {
  link: { names: C.IFLA_NAMES, fixed: C.IFINFOMSG_LEN },
  addr: { names: C.IFA_NAMES, fixed: C.IFADDRMSG_LEN },
  route: { names: C.RTA_NAMES, fixed: C.RTMSG_LEN },
  neigh: { names: C.NDA_NAMES, fixed: C.NDMSG_LEN },
};

// Bytes of requests per bulk datagram (at most the socket's send limit): 64 KiB, as libmnl's
// batches. Bigger ones save no kernel time (it handles the messages one by one either way) and
// keep more requests waiting for their answers; the kernel copies each into one skb.
const DATAGRAM_BYTES = 64 << 10;

const RTNL: Protocol = {
  typeName: (type) => C.RTM_NAMES[type] ?? `type ${type}`,
  attrNames: (type) => ATTR_NAMES[familyOf(type)],
};

export class RtnlClient {
  readonly socket: NetlinkSocket;
  readonly timeoutMs: number;
  #ex: Exchange;

  constructor(socket: NetlinkSocket, timeoutMs = 5000) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.#ex = new Exchange(socket, timeoutMs, RTNL);
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

  /**
   * Sends one request with NLM_F_ACK and returns the raw reply messages (for GET requests, the
   * object; for changes, none). Rejects with NetlinkError when the kernel refuses.
   */
  async request<T>(req: RtnlRequest, decode: (m: RawMessage) => T): Promise<T[]> {
    return this.requestSync(req, decode);
  }

  /** Synchronous form of `request`, for code that must not yield (namespace switches). */
  requestSync<T>(req: RtnlRequest, decode: (m: RawMessage) => T): T[] {
    return this.#requestOn(req, decode, false);
  }

  #requestOn<T>(req: RtnlRequest, decode: (m: RawMessage) => T, borrow: boolean): T[] {
    const ex = this.#ex;
    const w = ex.writer();
    try {
      const seq = ex.take();
      const at = w.beginMessage(req.type, C.NLM_F_REQUEST | C.NLM_F_ACK | (req.flags ?? 0), seq, 0);
      req.body(w);
      w.endMessage(at);
      return ex.roundTrip(ex.info(req.type, seq, req.what), w.view(), decode, borrow);
    } finally {
      ex.release(w);
    }
  }

  /**
   * A dump (NLM_F_DUMP). `decode` may return undefined to skip a message. NLM_F_DUMP_INTR
   * becomes DumpInterruptedError with the partial result, after `retries` more attempts.
   */
  async dump<T>(req: RtnlRequest, decode: (m: RawMessage) => T | undefined, opts: DumpOptions = {}): Promise<T[]> {
    return this.dumpSync(req, decode, opts);
  }

  dumpSync<T>(req: RtnlRequest, decode: (m: RawMessage) => T | undefined, opts: DumpOptions = {}): T[] {
    const dump = { ...req, flags: (req.flags ?? 0) | C.NLM_F_DUMP };
    return retryDump(opts.retries ?? 0, () => this.#requestOn(dump, decode, opts.borrow ?? false));
  }

  /**
   * Sends many change requests pipelined: as many per datagram as fit, ACKs requested only on
   * the last of each datagram (the kernel always reports failures), then collects the answers.
   * Returns one entry per request: undefined for success, the NetlinkError for a failure.
   *
   * `reqs` may be any iterable, read as it is sent: a generator that builds each request as it
   * is asked for keeps only one datagram's requests alive (those whose answers are pending),
   * not all of them, however many there are. When the iterable throws (a builder refusing its
   * input), the requests read before are sent and answered, then bulk throws that error.
   */
  async bulk(reqs: Iterable<RtnlRequest>, opts: BulkOptions = {}): Promise<(NetlinkError | undefined)[]> {
    return this.bulkSync(reqs, opts);
  }

  bulkSync(reqs: Iterable<RtnlRequest>, opts: BulkOptions = {}): (NetlinkError | undefined)[] {
    const results: (NetlinkError | undefined)[] = [];
    // Each failure answer costs up to ~1 KiB of receive buffer; bound a datagram's requests so
    // that even all of them failing cannot overflow it.
    const perDatagram = opts.perDatagram ?? Math.max(16, Math.floor(this.socket.rcvbuf / 1536));
    const limit = Math.min(this.socket.maxSend, DATAGRAM_BYTES);
    // The engine's writer, kept from call to call; a call made from inside onReply gets its own.
    const w = this.#ex.writer();
    const it = reqs[Symbol.iterator]();
    const read = { ended: false };
    try {
      this.#bulkOn(it, opts, w, results, perDatagram, limit, read);
    } catch (e) {
      // Ended by something else than the iterable (the socket, a reply handler): close it, as
      // for-of would (a generator's finally runs).
      if (!read.ended) it.return?.();
      throw e;
    } finally {
      this.#ex.release(w);
    }
    return results;
  }

  #bulkOn(
    it: Iterator<RtnlRequest>,
    opts: BulkOptions,
    w: Writer,
    results: (NetlinkError | undefined)[],
    perDatagram: number,
    limit: number,
    read: { ended: boolean },
  ): void {
    const ex = this.#ex;
    // The requests of the datagram in flight and where each starts in it: the first `count`
    // entries. Reused from datagram to datagram and written by index (setting `length = 0`
    // would drop their storage, and each datagram would grow them again).
    const batch: RtnlRequest[] = [];
    const offsets: number[] = [];
    let count = 0;
    // A request read but left for the next datagram (it did not fit).
    let carry: RtnlRequest | undefined;
    let thrown: { e: unknown } | undefined;
    for (;;) {
      w.reset();
      count = 0;
      const first = results.length;
      // Consecutive numbers for the datagram's requests (those not used go unused).
      const firstSeq = ex.take(perDatagram);
      while (count < perDatagram) {
        let req = carry;
        carry = undefined;
        if (req === undefined) {
          let next: IteratorResult<RtnlRequest>;
          try {
            next = it.next();
          } catch (e) {
            // A request that could not be built (a builder refusing its input) ends the bulk
            // there: what was read before it is still sent, then the error is thrown.
            thrown = { e };
            read.ended = true;
            break;
          }
          if (next.done === true) {
            read.ended = true;
            break;
          }
          req = next.value;
        }
        const before = w.length;
        const at = w.beginMessage(req.type, C.NLM_F_REQUEST | (req.flags ?? 0), firstSeq + count, 0);
        req.body(w);
        w.endMessage(at);
        if (w.length > limit && count > 0) {
          // Does not fit: send it with the next datagram.
          w.length = before;
          carry = req;
          break;
        }
        batch[count] = req;
        offsets[count] = before;
        count++;
        results.push(undefined);
      }
      if (count === 0) {
        if (thrown) throw thrown.e;
        return;
      }
      // ACK the last message of the datagram: its answer tells us the whole datagram is done.
      const lastAt = offsets[count - 1] as number;
      const lastFlags = w.view().readUInt16LE(lastAt + 6);
      w.setU16(lastAt + 6, lastFlags | C.NLM_F_ACK);
      const lastSeq = firstSeq + count - 1;
      const sent = w.view();
      this.socket.send(sent);
      const lastReq = batch[count - 1] as RtnlRequest;
      ex.collect(
        ex.info(lastReq.type, lastSeq, lastReq.what),
        (m) => {
          if (m.type !== C.NLMSG_ERROR) {
            opts.onReply?.(first + m.seq - firstSeq, m);
            return false;
          }
          const e = decodeError(m);
          const k = e.request.seq - firstSeq;
          if (k < 0 || k >= count) return false;
          if (e.error !== 0) {
            const req = batch[k] as RtnlRequest;
            // `sent` stays valid here: the writer is not touched until this datagram is answered.
            results[first + k] = ex.error(ex.info(req.type, e.request.seq, req.what), e.error, e.attrs, sent, offsets[k] as number);
          }
          return e.request.seq === lastSeq;
        },
        (seq) => seq - firstSeq >= 0 && seq - firstSeq < count,
      );
      if (thrown) throw thrown.e;
      if (count < perDatagram && carry === undefined) return;
    }
  }
}
