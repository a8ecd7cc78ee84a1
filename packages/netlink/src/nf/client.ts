import type { Buffer } from 'node:buffer';
import * as L from '../constants/netlink.js';
import { Writer } from '../wire/writer.js';
import type { RawMessage } from '../wire/header.js';
import { decodeError } from '../wire/ack.js';
import { NetlinkSocket, type SocketOptions } from '../transport/socket.js';
import { Exchange, retryDump, locateAttr as locateIn, type Protocol } from '../transport/exchange.js';
import { ValidationError, type NetlinkError, type RequestInfo, type BadAttribute } from '../errors.js';
import { NFGENMSG_LEN, writeNfGenMsg, nftType, nfMsg } from './header.js';
import { NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES, NFPROTO_UNSPEC, NFT_MSG_NAMES, NFT_MSG_ATTR_NAMES } from './constants.js';

/** asm-generic/errno-base.h */
const ENOMEM = 12;

// nf_tables over NETLINK_NETFILTER. Changes go in batches (NFNL_MSG_BATCH_BEGIN ... END, one
// datagram) which the kernel applies atomically: all of it or none. nfnetlink processes the
// whole batch inside sendto(), reports every failed message (an NLMSG_ERROR carrying that
// message's sequence number and extended ACK: that is how a failure is pinned on its message)
// and delivers those answers in message order once the batch is committed or aborted. So one
// NLM_F_ACK, on the last message, is enough: its answer comes last and says the batch is
// finished, and a big batch cannot flood the receive buffer with ACKs (an ACK lost to ENOBUFS
// would leave the outcome unknown). A failure of the batch as a whole before it starts (EPERM,
// a bad BEGIN) answers NFNL_MSG_BATCH_BEGIN's sequence number; but a failed commit or ENOMEM
// is reported on the FIRST message's sequence number (nfnetlink acks the batch skb after
// pulling BEGIN off it), so an ENOMEM pinned on message 0 may be the whole batch's: its text
// says so.

/** One nf_tables request: what the `nft*Request` builders return and the client frames (nlmsghdr + nfgenmsg). */
export interface NftRequest {
  /** NFT_MSG_* (the client puts NFNL_SUBSYS_NFTABLES in the high byte). */
  type: number;
  /** Extra NLM_F_* flags, e.g. NLM_F_CREATE | NLM_F_EXCL or NLM_F_ECHO. The client adds NLM_F_REQUEST (and NLM_F_ACK where it wants one). */
  flags?: number;
  /** NFPROTO_* for the nfgenmsg. */
  family: number;
  /** The operation and its object, for errors, e.g. `nftChainAdd inet nsrun postrouting`. */
  what: string;
  /** Writes the attributes after the nfgenmsg. */
  body: (w: Writer) => void;
}

export interface NftClientOptions extends Omit<SocketOptions, 'protocol' | 'strict'> {
  /** How long to wait when the kernel has not answered within the send call (default 5000 ms). */
  timeoutMs?: number;
}

export interface NftDumpRequest {
  /** NFT_MSG_GET* */
  type: number;
  /** NFPROTO_*; NFPROTO_UNSPEC dumps every family. */
  family: number;
  /** Writes filter attributes (e.g. NFTA_RULE_TABLE / NFTA_RULE_CHAIN for a rule dump). */
  filter?: (w: Writer) => void;
  what?: string;
  /** Re-run the dump this many times when the ruleset changed under it (NLM_F_DUMP_INTR, default 3). */
  retries?: number;
}

/** A batch laid out in one buffer: where each message starts and its sequence number. */
export interface EncodedBatch {
  bytes: Buffer;
  /** Sequence number of NFNL_MSG_BATCH_BEGIN; message i has beginSeq + 1 + i, END has beginSeq + n + 1. */
  beginSeq: number;
  /** Offset of each message (not BEGIN/END) in `bytes`. */
  offsets: number[];
}

/** Writes one nf_tables request as a message (nlmsghdr, nfgenmsg, attributes). */
export function writeNftRequest(w: Writer, m: NftRequest, seq: number, flags = L.NLM_F_REQUEST | L.NLM_F_ACK, resId = 0): void {
  const at = w.beginMessage(nftType(m.type), flags | (m.flags ?? 0), seq, 0);
  writeNfGenMsg(w, m.family, resId);
  m.body(w);
  w.endMessage(at);
}

export interface BatchOptions {
  /**
   * Which messages carry NLM_F_ACK: the last one (default; what the client relies on), every
   * one, or none (as nft 1.0 sends its batches, reading until the socket falls silent).
   */
  ack?: 'last' | 'every' | 'none';
  writer?: Writer;
}

/** Lays out BATCH_BEGIN, the messages and BATCH_END in one buffer, sequence numbers from `beginSeq`. */
export function encodeBatch(msgs: readonly NftRequest[], beginSeq: number, opts: BatchOptions = {}): EncodedBatch {
  const w = opts.writer ?? new Writer(4096);
  const ack = opts.ack ?? 'last';
  const flagsOf = (i: number): number => L.NLM_F_REQUEST | (ack === 'every' || (ack === 'last' && i === msgs.length - 1) ? L.NLM_F_ACK : 0);
  const seq = (i: number): number => (beginSeq + i) >>> 0;
  // BEGIN and END: family AF_UNSPEC, res_id = the subsystem the batch is for (big-endian).
  let at = w.beginMessage(NFNL_MSG_BATCH_BEGIN, L.NLM_F_REQUEST, seq(0), 0);
  writeNfGenMsg(w, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES);
  w.endMessage(at);
  const offsets: number[] = [];
  msgs.forEach((m, i) => {
    offsets.push(w.length);
    writeNftRequest(w, m, seq(i + 1), flagsOf(i));
  });
  at = w.beginMessage(NFNL_MSG_BATCH_END, L.NLM_F_REQUEST, seq(msgs.length + 1), 0);
  writeNfGenMsg(w, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES);
  w.endMessage(at);
  return { bytes: w.view(), beginSeq: seq(0), offsets };
}

const NFT: Protocol = {
  // Messages are named without their subsystem byte (NFT_MSG_NEWTABLE for 0xa00).
  typeName: (type) => NFT_MSG_NAMES[nfMsg(type)] ?? `NFT_MSG type ${nfMsg(type)}`,
  attrNames: (type) => {
    const names = NFT_MSG_ATTR_NAMES[nfMsg(type)];
    return names && { names, fixed: NFGENMSG_LEN };
  },
};

export class NftClient {
  readonly socket: NetlinkSocket;
  readonly timeoutMs: number;
  #ex: Exchange;

  constructor(socket: NetlinkSocket, timeoutMs = 5000) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.#ex = new Exchange(socket, timeoutMs, NFT);
  }

  /** Opens a NETLINK_NETFILTER socket (inside `opts.netns` when given). */
  static open(opts: NftClientOptions = {}): NftClient {
    return new NftClient(NetlinkSocket.open({ ...opts, protocol: L.NETLINK_NETFILTER }), opts.timeoutMs);
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  close(): void {
    this.socket.close();
  }

  /**
   * Applies the messages as one atomic batch. Resolves with, per message, the objects the
   * kernel echoed (messages sent with NLM_F_ECHO: a created rule or chain with its handle).
   * Rejects with NetlinkError for the first message the kernel refused (its `what`, errno and
   * extended-ACK text); nothing of the batch is applied then.
   */
  async transaction(msgs: readonly NftRequest[]): Promise<RawMessage[][]> {
    return this.transactionSync(msgs);
  }

  transactionSync(msgs: readonly NftRequest[]): RawMessage[][] {
    const replies: RawMessage[][] = msgs.map(() => []);
    if (msgs.length === 0) return replies;
    const ex = this.#ex;
    const w = ex.writer();
    try {
      this.#transactionOn(msgs, w, replies);
    } finally {
      ex.release(w);
    }
    return replies;
  }

  #transactionOn(msgs: readonly NftRequest[], w: Writer, replies: RawMessage[][]): void {
    const ex = this.#ex;
    const batch = encodeBatch(msgs, ex.take(msgs.length + 2), { writer: w });
    const { bytes: sent, beginSeq, offsets } = batch;
    const lastSeq = beginSeq + msgs.length;
    const endSeq = lastSeq + 1;
    const batchInfo: RequestInfo = {
      type: NFNL_MSG_BATCH_BEGIN,
      typeName: 'NFNL_MSG_BATCH_BEGIN',
      seq: beginSeq,
      what: `nft transaction of ${msgs.length} message${msgs.length === 1 ? '' : 's'}`,
    };
    if (sent.length > this.socket.maxSend) {
      throw new ValidationError(
        'transaction',
        `${msgs.length} messages, ${sent.length} bytes`,
        `exceeds the socket's send limit of ${this.socket.maxSend} bytes (one batch is one datagram: split it, or open the client with a bigger sndbuf)`,
      );
    }
    this.socket.send(sent);
    const errors: (NetlinkError | undefined)[] = new Array(msgs.length).fill(undefined);
    let batchError: NetlinkError | undefined;
    const index = (seq: number): number => seq - beginSeq - 1;
    ex.collect(
      batchInfo,
      (m) => {
        if (m.type === L.NLMSG_ERROR) {
          const e = decodeError(m);
          const seq = e.request.seq;
          if (seq === beginSeq || seq === endSeq) {
            // The batch itself: refused as a whole (EPERM, ENOMEM, a failed commit), or on newer
            // kernels an ACK of BEGIN/END. An ACK is not the end: the messages' answers follow.
            if (e.error === 0) return false;
            batchError = ex.error(batchInfo, e.error, e.attrs, sent, 0, undefined);
            return true;
          }
          const i = index(seq);
          if (i < 0 || i >= msgs.length) return false;
          if (e.error !== 0) {
            const msg = msgs[i] as NftRequest;
            const info = ex.info(nftType(msg.type), seq, msg.what);
            // ENOMEM on message 0 is how a failed commit is reported (see the top of this file).
            const what = i === 0 && msgs.length > 1 && e.error === -ENOMEM ? { ...info, what: `${info.what} (or the commit of the whole batch)` } : info;
            errors[i] = ex.error(what, e.error, e.attrs, sent, offsets[i] as number);
          }
          // Answers come in message order: the last message's is the last.
          return seq === lastSeq;
        }
        const i = index(m.seq);
        if (i >= 0 && i < msgs.length && m.type !== L.NLMSG_NOOP && m.type !== L.NLMSG_DONE) replies[i]!.push(m);
        return false;
      },
      (seq) => seq - beginSeq >= 0 && seq - beginSeq <= msgs.length + 1,
      // Defensive: when the queue runs dry after a failure, the kernel has said all it will.
      () => errors.some((e) => e !== undefined),
    );
    if (batchError) throw batchError;
    const first = errors.find((e) => e !== undefined);
    if (first) throw first;
  }

  /**
   * A single request outside a batch (a GET of one object, NFT_MSG_GETGEN), with NLM_F_ACK.
   * Returns the answers that are not ACKs.
   */
  async request(msg: NftRequest): Promise<RawMessage[]> {
    return this.requestSync(msg);
  }

  requestSync(msg: NftRequest): RawMessage[] {
    const ex = this.#ex;
    const w = ex.writer();
    try {
      const seq = ex.take();
      writeNftRequest(w, msg, seq);
      return ex.roundTrip(ex.info(nftType(msg.type), seq, msg.what), w.view(), (m) => m);
    } finally {
      ex.release(w);
    }
  }

  /**
   * Dumps objects of one kind (NFT_MSG_GETTABLE, GETCHAIN, GETRULE ...) with NLM_F_DUMP: every
   * message of the multipart answer up to NLMSG_DONE. Each message keeps its own copy of the
   * datagram it came in, so the result stays valid.
   */
  async dump(req: NftDumpRequest): Promise<RawMessage[]> {
    return this.dumpSync(req);
  }

  dumpSync(req: NftDumpRequest): RawMessage[] {
    const msg: NftRequest = {
      type: req.type,
      family: req.family,
      flags: L.NLM_F_DUMP,
      what: req.what ?? `nft dump ${NFT_MSG_NAMES[req.type] ?? req.type}`,
      body: (w) => req.filter?.(w),
    };
    return retryDump(req.retries ?? 3, () => this.requestSync(msg));
  }
}

/** Names the top-level attribute at (or around) `offset` in the nf_tables message at `msgOffset`. */
export function locateAttr(sent: Buffer, msgOffset: number, offset: number, msgType: number | undefined): BadAttribute {
  return locateIn(sent, msgOffset, offset, msgType === undefined ? undefined : NFT.attrNames(msgType));
}
