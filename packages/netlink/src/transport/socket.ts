import { Buffer } from 'node:buffer';
import {
  NetNs,
  SysError,
  socket,
  bind,
  connect,
  getsockname,
  recv,
  getsockoptInt,
  setsockoptInt,
  setsockopt,
  send,
  recvfrom,
  close,
  SOCK_RAW,
  SOCK_CLOEXEC,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  MSG_DONTWAIT,
  MSG_TRUNC,
} from '@nsrun/sys';
import * as C from '../constants/index.js';

// The socket layer: an AF_NETLINK socket made through @nsrun/sys, optionally inside another
// network namespace (a netlink socket stays bound to the namespace it was created in).
// rtnetlink answers a request inside sendto(), so receiving is non-blocking: EAGAIN means
// "nothing queued", never a hung event loop. A blocking wait with a timeout exists for the
// rare protocols that answer later.

const SO_RCVTIMEO = 20; // asm-generic/socket.h (SO_RCVTIMEO_OLD on 64-bit)
const SOCKADDR_NL_LEN = 12;

export interface SocketOptions {
  /** Create the socket inside this network namespace (default: the current one). */
  netns?: NetNs;
  /** NETLINK_ROUTE (default) or another netlink protocol. */
  protocol?: number;
  /** Receive buffer in bytes (SO_RCVBUFFORCE, falling back to SO_RCVBUF). Default 4 MiB. */
  rcvbuf?: number;
  /** Send buffer in bytes (SO_SNDBUFFORCE, falling back to SO_SNDBUF). Default 1 MiB. */
  sndbuf?: number;
  /** Extended ACK: the kernel's error text (default true). */
  extAck?: boolean;
  /** Strict checking of dump requests, so the kernel filters (default true). */
  strict?: boolean;
  /**
   * Connect to the kernel so that only the kernel can send to this socket (default true).
   * Turn it off for a socket that joins multicast groups and needs each sender's address.
   */
  connect?: boolean;
}

/** A datagram received, as a view into the socket's receive buffer (valid until the next receive). */
export interface Datagram {
  data: Buffer;
  /** Sender's port: 0 for the kernel. */
  port: number;
  /** Multicast groups it was sent to. */
  groups: number;
}

export class NetlinkSocket {
  readonly fd: number;
  readonly protocol: number;
  /** The port (nl_pid) the kernel assigned. */
  readonly port: number;
  /** Effective send limit for one datagram (sk_sndbuf - 32, as netlink_sendmsg checks). */
  readonly maxSend: number;
  readonly rcvbuf: number;
  #rx = Buffer.alloc(256 * 1024);
  #from = Buffer.alloc(SOCKADDR_NL_LEN);
  #closed = false;
  #timeoutSet = false;

  /** Connected to the kernel: every datagram comes from it. */
  readonly connected: boolean;

  private constructor(fd: number, protocol: number, port: number, maxSend: number, rcvbuf: number, connected: boolean) {
    this.connected = connected;
    this.fd = fd;
    this.protocol = protocol;
    this.port = port;
    this.maxSend = maxSend;
    this.rcvbuf = rcvbuf;
  }

  static open(opts: SocketOptions = {}): NetlinkSocket {
    const protocol = opts.protocol ?? C.NETLINK_ROUTE;
    const make = (): number => socket(C.AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    const fd = opts.netns ? opts.netns.run(make) : make();
    try {
      const rcvbuf = setBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, opts.rcvbuf ?? 4 << 20);
      const sndbuf = setBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, opts.sndbuf ?? 1 << 20);
      const sa = Buffer.alloc(SOCKADDR_NL_LEN);
      sa.writeUInt16LE(C.AF_NETLINK, 0); // nl_pid 0: the kernel picks a free port
      bind(fd, sa);
      const port = getsockname(fd, SOCKADDR_NL_LEN).readUInt32LE(4);
      // Connected to the kernel (nl_pid 0): the kernel refuses unicasts to us from any other
      // sender, so receiving needs no source address (recv, one buffer: a cheaper FFI call).
      if (opts.connect ?? true) connect(fd, sa);
      if (opts.extAck ?? true) trySetInt(fd, C.SOL_NETLINK, C.NETLINK_EXT_ACK, 1);
      // Errors need not echo the whole request: its header identifies it, we keep the bytes.
      trySetInt(fd, C.SOL_NETLINK, C.NETLINK_CAP_ACK, 1);
      if (protocol === C.NETLINK_ROUTE && (opts.strict ?? true)) trySetInt(fd, C.SOL_NETLINK, C.NETLINK_GET_STRICT_CHK, 1);
      return new NetlinkSocket(fd, protocol, port, sndbuf - 32, rcvbuf, opts.connect ?? true);
    } catch (e) {
      close(fd);
      throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Joins a multicast group (RTNLGRP_*). */
  addMembership(group: number): void {
    setsockoptInt(this.fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, group);
  }

  /** Sends one datagram (one or many messages) to the kernel. */
  send(data: Uint8Array): void {
    this.#check();
    const n = send(this.fd, data, 0);
    if (n !== data.byteLength) throw new SysError('send', 0, `netlink fd ${this.fd}`, `short send: ${n} of ${data.byteLength} bytes`);
  }

  /**
   * Receives one datagram without blocking; `undefined` when none is queued. With `timeoutMs`,
   * waits up to that long instead. Throws SysError (ENOBUFS when the kernel dropped messages
   * because the receive buffer was full) and on a truncated datagram.
   */
  receive(timeoutMs?: number): Datagram | undefined {
    this.#check();
    const blocking = timeoutMs !== undefined && timeoutMs > 0;
    if (blocking) this.#setTimeout(timeoutMs);
    let n: number;
    try {
      const flags = (blocking ? 0 : MSG_DONTWAIT) | MSG_TRUNC;
      n = this.connected ? recv(this.fd, this.#rx, flags) : recvfrom(this.fd, this.#rx, flags, this.#from)[0];
    } catch (e) {
      if (e instanceof SysError && (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK')) return undefined;
      throw e;
    }
    if (n > this.#rx.byteLength) {
      // The rest of this datagram is gone; make room so the next one fits, and say so.
      this.#rx = Buffer.alloc(Math.max(n, this.#rx.byteLength * 2));
      throw new SysError('recv', 90, `netlink fd ${this.fd}`, `datagram of ${n} bytes truncated`); // EMSGSIZE
    }
    if (this.connected) return { data: this.#rx.subarray(0, n), port: 0, groups: 0 };
    return { data: this.#rx.subarray(0, n), port: this.#from.readUInt32LE(4), groups: this.#from.readUInt32LE(8) };
  }

  #setTimeout(ms: number): void {
    if (this.#timeoutSet) return;
    const tv = Buffer.alloc(16);
    tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
    tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
    setsockopt(this.fd, SOL_SOCKET, SO_RCVTIMEO, tv);
    this.#timeoutSet = true;
  }

  #check(): void {
    if (this.#closed) throw new Error(`netlink socket ${this.fd} is closed`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    close(this.fd);
  }
}

function trySetInt(fd: number, level: number, opt: number, v: number): boolean {
  try {
    setsockoptInt(fd, level, opt, v);
    return true;
  } catch {
    return false;
  }
}

/** Sets a socket buffer size, forced when allowed; returns the size the kernel reports (doubled). */
function setBuffer(fd: number, force: number, plain: number, size: number): number {
  if (!trySetInt(fd, SOL_SOCKET, force, size)) trySetInt(fd, SOL_SOCKET, plain, size);
  return getsockoptIntSafe(fd, plain) ?? 212992;
}

function getsockoptIntSafe(fd: number, opt: number): number | undefined {
  try {
    return getsockoptInt(fd, SOL_SOCKET, opt);
  } catch {
    return undefined;
  }
}
