import * as L from '../constants/netlink.js';
import { SOCK_DIAG_BY_FAMILY, SOCK_DESTROY } from './constants.js';
import type { Writer } from '../wire/writer.js';
import type { RawMessage } from '../wire/header.js';
import { NetlinkSocket, type SocketOptions } from '../transport/socket.js';
import { Exchange, retryDump, type Protocol } from '../transport/exchange.js';

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

// No attribute names for sock_diag requests: a blamed attribute is reported by its offset.
const DIAG: Protocol = { typeName: (type) => TYPE_NAMES[type] ?? `type ${type}`, attrNames: () => undefined };

export class SockDiagClient {
  readonly socket: NetlinkSocket;
  readonly timeoutMs: number;
  #ex: Exchange;

  constructor(socket: NetlinkSocket, timeoutMs = 5000) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.#ex = new Exchange(socket, timeoutMs, DIAG, 256);
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
    const ex = this.#ex;
    return retryDump(req.retries ?? 2, () => {
      const w = ex.writer();
      try {
        const seq = ex.take();
        writeDiagRequest(w, req, seq);
        return ex.roundTrip(ex.info(req.type ?? SOCK_DIAG_BY_FAMILY, seq, req.what), w.view(), decode);
      } finally {
        ex.release(w);
      }
    });
  }
}
