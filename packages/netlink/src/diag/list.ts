import * as C from '../constants/index.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../nf/expr/constants.js';
import { findAttr } from '../wire/attrs.js';
import type { RawMessage } from '../wire/header.js';
import { ValidationError } from '../errors.js';
import { checkInt, type Family } from '../validate.js';
import { TCP_STATES, type TcpStateName } from './constants.js';
import { bytecodeSport, decodeInetDiagMsg, encodeInetDiagReq, type InetDiagMessage, type InetDiagReq } from './inet.js';
import type { DiagRequest, SockDiagClient } from './client.js';

// inetSockList: the TCP or UDP sockets of one address family, as `ss -tan` / `ss -uan` list
// them, filtered by the kernel (states in the request, the local port by bytecode).

export type InetProtocol = 'tcp' | 'udp';

export interface InetSockFilter {
  family: Family;
  protocol: InetProtocol;
  /**
   * Only sockets in these states (default: all). A listening TCP socket is `LISTEN`; a UDP
   * socket that is bound but not connected is `CLOSE` (ss: UNCONN), a connected one `ESTABLISHED`.
   */
  states?: readonly TcpStateName[];
  /** Only sockets whose local port is this one. */
  sport?: number;
}

/** One socket. */
export interface InetSock {
  family: Family;
  protocol: InetProtocol;
  /** The state's name (`LISTEN`, `CLOSE`...), or its number when this package does not know it. */
  state: TcpStateName | number;
  /** Local address and port; `0.0.0.0` / `::` for a wildcard. */
  src: string;
  sport: number;
  /** Peer address and port (wildcard and 0 when not connected). */
  dst: string;
  dport: number;
  /** The interface it is bound to (SO_BINDTODEVICE); 0 for none. */
  ifindex: number;
  cookie: bigint;
  uid: number;
  /** Its inode: a process holding it has a /proc/PID/fd/N that links to `socket:[INODE]`. */
  inode: number;
  /** IPv6 sockets: whether IPV6_V6ONLY is set (true: no IPv4 through it). Undefined for IPv4. */
  v6only: boolean | undefined;
  /** The decoded answer, every attribute included. */
  message: InetDiagMessage;
}

const STATE_NAMES: Readonly<Record<number, TcpStateName>> = Object.fromEntries(Object.entries(TCP_STATES).map(([k, v]) => [v, k as TcpStateName]));

function statesMask(states: readonly TcpStateName[] | undefined): number {
  if (states === undefined) return 0xffffffff;
  if (!Array.isArray(states) || states.length === 0)
    throw new ValidationError('states', states, `must be a non-empty list of ${Object.keys(TCP_STATES).join(', ')}`);
  let mask = 0;
  for (const s of states) {
    const v = (TCP_STATES as Record<string, number>)[s];
    if (v === undefined) throw new ValidationError('states', s, `is not one of ${Object.keys(TCP_STATES).join(', ')}`);
    mask |= 1 << v;
  }
  return mask >>> 0;
}

/** The SOCK_DIAG_BY_FAMILY dump request for a filter. */
export function inetSockListRequest(filter: InetSockFilter): DiagRequest {
  const f = filter ?? ({} as InetSockFilter);
  if (f.family !== 4 && f.family !== 6) throw new ValidationError('family', f.family, 'must be 4 or 6');
  if (f.protocol !== 'tcp' && f.protocol !== 'udp') throw new ValidationError('protocol', f.protocol, 'must be "tcp" or "udp"');
  const states = statesMask(f.states);
  const sport = f.sport === undefined ? undefined : checkInt('sport', f.sport, 1, 65535);
  const req: InetDiagReq = {
    family: f.family === 4 ? C.AF_INET : C.AF_INET6,
    protocol: f.protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP,
    ext: 0,
    pad: 0,
    states,
    // A dump names no socket: zeroes throughout, as ss sends it.
    id: { sport: 0, dport: 0, src: f.family === 4 ? '0.0.0.0' : '::', dst: f.family === 4 ? '0.0.0.0' : '::', ifindex: 0, cookie: 0n },
    attrs: sport === undefined ? [] : [{ type: 'bytecode', value: bytecodeSport(sport) }],
  };
  const what = `inetSockList ${f.protocol}${f.family}${f.states ? ` ${f.states.join('|')}` : ''}${sport === undefined ? '' : ` sport ${sport}`}`;
  return { what, body: (w) => encodeInetDiagReq(w, req) };
}

/** Decodes one answer of an inet dump into an InetSock. */
export function inetSockFromMessage(m: InetDiagMessage, protocol: InetProtocol): InetSock {
  const v6only = findAttr(m.attrs, 'v6only')?.value;
  return {
    family: m.family === C.AF_INET6 ? 6 : 4,
    protocol,
    state: STATE_NAMES[m.state] ?? m.state,
    src: m.id.src,
    sport: m.id.sport,
    dst: m.id.dst,
    dport: m.id.dport,
    ifindex: m.id.ifindex,
    cookie: m.id.cookie,
    uid: m.uid,
    inode: m.inode,
    v6only: m.family === C.AF_INET6 && v6only !== undefined ? v6only !== 0 : undefined,
    message: m,
  };
}

/**
 * The TCP or UDP sockets of one family that match the filter, e.g. every TCP listener on port
 * 8080: `inetSockList(diag, { family: 4, protocol: 'tcp', states: ['LISTEN'], sport: 8080 })`.
 */
export async function inetSockList(c: SockDiagClient, filter: InetSockFilter): Promise<InetSock[]> {
  const req = inetSockListRequest(filter);
  return c.dump(req, (m: RawMessage) => inetSockFromMessage(decodeInetDiagMsg(m.buf, m.start, m.end), filter.protocol));
}
