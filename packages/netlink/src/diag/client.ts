import { Buffer } from 'node:buffer';
import { SysError } from '@nsrun/sys';
import * as L from '../constants/netlink.js';
import { SOCK_DIAG_BY_FAMILY, SOCK_DESTROY } from './constants.js';
import { Writer } from '../wire/writer.js';
import { splitMessages, type RawMessage } from '../wire/header.js';
import { decodeError, extAckSchema } from '../wire/ack.js';
import { decodeAttrs } from '../wire/attrs.js';
import { NetlinkSocket, type SocketOptions } from '../transport/socket.js';
import { NetlinkError, DumpInterruptedError, NetlinkTimeoutError, OverrunError, type RequestInfo } from '../errors.js';

// Socket diagnostics over NETLINK_SOCK_DIAG. A dump is sent as ss sends it (NLM_F_REQUEST |
// NLM_F_DUMP, no NLM_F_ACK): the kernel answers with one message per socket and NLMSG_DONE, or
// with an NLMSG_ERROR when it refuses the request (ENOENT: no diag module for that family or
// protocol; EINVAL: a malformed request or filter). The first part of a dump is queued inside
// the send call and each further part on a receive, so receiving never waits.

/** One sock_diag dump request: its body after the nlmsghdr and words for errors. */
export interface DiagRequest {
  /** nlmsg_type (default SOCK_DIAG_BY_FAMILY). */
  type?: number;
  /** Writes the payload (struct inet_diag_req_v2 and its attributes, for inet sockets). */
  body: (w: Writer) => void;
  /** The operation and its object, e.g. `inetSockList tcp4 LISTEN`. */
  what: string;
  /** Re-run the dump this many times when the kernel flags it NLM_F_DUMP_INTR (default 2). */
  retries?: number;
}

export interface SockDiagClientOptions extends Omit<SocketOptions, 'protocol' | 'strict'> {
  /** How long to wait when the kernel has not answered within the send call (default 5000 ms). */
  timeoutMs?: number;
}

/** Writes a dump request as ss sends it: nlmsghdr (NLM_F_REQUEST | NLM_F_DUMP, port 0) and the body. */
export function writeDiagRequest(w: Writer, req: DiagRequest, seq: number): void {
  const at = w.beginMessage(req.type ?? SOCK_DIAG_BY_FAMILY, L.NLM_F_REQUEST | L.NLM_F_DUMP, seq, 0);
  req.body(w);
  w.endMessage(at);
}

const TYPE_NAMES: Readonly<Record<number, string>> = { [SOCK_DIAG_BY_FAMILY]: 'SOCK_DIAG_BY_FAMILY', [SOCK_DESTROY]: 'SOCK_DESTROY' };

export class SockDiagClient {
  readonly socket: NetlinkSocket;
  readonly timeoutMs: number;
  #seq = Math.floor(Math.random() * 0x7fffffff);
  #w = new Writer(256);

  constructor(socket: NetlinkSocket, timeoutMs = 5000) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Opens a NETLINK_SOCK_DIAG socket (inside `opts.netns` when given: it then sees that
   * namespace's sockets). A dump of listeners is small: the receive buffer defaults to 1 MiB.
   */
  static open(opts: SockDiagClientOptions = {}): SockDiagClient {
    return new SockDiagClient(NetlinkSocket.open({ rcvbuf: 1 << 20, sndbuf: 64 << 10, ...opts, protocol: L.NETLINK_SOCK_DIAG }), opts.timeoutMs);
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  close(): void {
    this.socket.close();
  }

  async dump<T>(req: DiagRequest, decode: (m: RawMessage) => T | undefined): Promise<T[]> {
    return this.dumpSync(req, decode);
  }

  /** Sends the dump request and decodes every answer up to NLMSG_DONE (`decode` may skip one with undefined). */
  dumpSync<T>(req: DiagRequest, decode: (m: RawMessage) => T | undefined): T[] {
    const retries = req.retries ?? 2;
    for (let attempt = 1; ; attempt++) {
      const { out, info, interrupted } = this.#once(req, decode);
      if (!interrupted) return out;
      if (attempt > retries) throw new DumpInterruptedError(info, out, attempt);
    }
  }

  #once<T>(req: DiagRequest, decode: (m: RawMessage) => T | undefined): { out: T[]; info: RequestInfo; interrupted: boolean } {
    const w = this.#w;
    w.reset();
    this.#seq = (this.#seq + 1) >>> 0 || 1;
    const seq = this.#seq;
    const type = req.type ?? SOCK_DIAG_BY_FAMILY;
    writeDiagRequest(w, req, seq);
    this.socket.send(w.view());
    const info: RequestInfo = { type, typeName: TYPE_NAMES[type] ?? `type ${type}`, seq, what: req.what };
    const out: T[] = [];
    let interrupted = false;
    const port = this.socket.port;
    for (;;) {
      let dg;
      try {
        dg = this.socket.receive() ?? this.socket.receive(this.timeoutMs);
      } catch (e) {
        if (e instanceof SysError && e.code === 'ENOBUFS') throw new OverrunError(req.what);
        throw e;
      }
      if (dg === undefined) throw new NetlinkTimeoutError(info, this.timeoutMs);
      if (dg.port !== 0) continue;
      // One copy per datagram: decoded objects may keep views of it; the socket reuses its buffer.
      for (const m of splitMessages(Buffer.from(dg.data))) {
        if ((m.pid !== port && m.pid !== 0) || m.seq !== seq) continue;
        if (m.flags & L.NLM_F_DUMP_INTR) interrupted = true;
        if (m.type === L.NLMSG_ERROR) {
          const e = decodeError(m);
          if (e.error === 0) return { out, info, interrupted };
          throw errorOf(info, e.error, e.attrs);
        }
        if (m.type === L.NLMSG_DONE) {
          const status = m.end - m.start >= 4 ? m.buf.readInt32LE(m.start) : 0;
          if (status < 0) throw errorOf(info, status, m.flags & L.NLM_F_ACK_TLVS ? decodeAttrs(extAckSchema, m.buf, m.start + 4, m.end) : []);
          return { out, info, interrupted };
        }
        if (m.type === L.NLMSG_NOOP) continue;
        const v = decode(m);
        if (v !== undefined) out.push(v);
      }
    }
  }
}

function errorOf(info: RequestInfo, negErrno: number, attrs: { type: string; value?: unknown }[]): NetlinkError {
  const msg = attrs.find((a) => a.type === 'msg')?.value as string | undefined;
  return new NetlinkError(-negErrno, info, msg);
}
