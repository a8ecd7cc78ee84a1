import { EventEmitter } from 'node:events';
import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RawNetlinkSocket, ErrnoException, MessageInfo } from 'netlink';
import { setsockoptInt, SOL_SOCKET, SO_RCVBUFFORCE, type NetNs } from '@nsrun/sys';
import * as C from './constants/index.js';
import { splitMessages, type RawMessage } from './wire/header.js';
import { OverrunError, ValidationError } from './errors.js';
import { decodeAddr } from './messages/addr.js';
import { decodeNeigh } from './messages/neigh.js';
import { checkInt } from './validate.js';
import { linkFromBytes, type Link } from './ops/link.js';
import { addressFromMessage, type Address } from './ops/addr.js';
import { routeFromBytes, type Route } from './ops/route.js';
import { neighbourFromMessage, type Neighbour } from './ops/neigh.js';

// Event subscriptions: rtnetlink multicast notifications, decoded into the same objects the
// list operations return. Receiving must not block the event loop, so the socket is the
// `netlink` package's RawNetlinkSocket (a non-blocking fd watched by uv_poll).
//
// Two traps in that package (0.3.0) shape this file:
// - Its native code calls JS through node-addon-api with C++ exceptions: anything thrown
//   while a 'message' callback runs (listeners, and the nextTicks and microtasks run before
//   the callback returns) aborts the process (std::terminate; no 'uncaughtException'). So its
//   callbacks only queue what arrived, and decoding and every emit happen in a setImmediate,
//   outside native code, where a throwing listener is an ordinary uncaught exception.
// - A receive-buffer overrun makes the kernel set sk_err = ENOBUFS; epoll reports EPOLLERR,
//   libuv hands the poll callback UV_EBADF, and the package builds its error with a NULL
//   syscall name, which throws inside native code: the process aborts. So the socket gets
//   NETLINK_NO_ENOBUFS (the kernel then only counts the drop), and drops are read from the
//   socket's row in /proc/net/netlink. The package exposes neither the fd nor setsockopt, so
//   the fd is found by the socket's inode.

// The native `netlink` module costs ~50 ms to load: load it on the first subscription only,
// so programs that never subscribe (the CLI, the runner) do not pay for it.
let RawSocket: typeof RawNetlinkSocket | undefined;
function rawSocketClass(): typeof RawNetlinkSocket {
  RawSocket ??= (createRequire(import.meta.url)('netlink') as typeof import('netlink')).RawNetlinkSocket;
  return RawSocket;
}

export type RtnlGroup = 'link' | 'addr' | 'route' | 'neigh';

export type RtnlEvent =
  | { action: 'new' | 'del'; kind: 'link'; link: Link }
  | { action: 'new' | 'del'; kind: 'addr'; address: Address }
  | { action: 'new' | 'del'; kind: 'route'; route: Route }
  | { action: 'new' | 'del'; kind: 'neigh'; neighbour: Neighbour };

export interface SubscribeOptions {
  /** Listen in this network namespace (default: the one the main thread is in). */
  netns?: NetNs;
  /** Which notifications (default: all four). */
  groups?: RtnlGroup[];
  /** Receive buffer in bytes: SO_RCVBUFFORCE, else SO_RCVBUF (capped by net.core.rmem_max). Default 4 MiB. */
  rcvbuf?: number;
}

export interface RtnlSubscriptionEvents {
  event: [e: RtnlEvent];
  /** The kernel dropped notifications (receive buffer full): re-read the state. May repeat while a flood lasts. */
  overrun: [];
  error: [err: Error];
  close: [];
}

/** What a native callback handed over. */
type Inbound = { msg: Buffer; port: number } | { truncated: number } | { err: ErrnoException };

const ALL_GROUPS: readonly RtnlGroup[] = ['link', 'addr', 'route', 'neigh'];

const MULTICAST: Readonly<Record<RtnlGroup, readonly number[]>> = {
  link: [C.RTNLGRP_LINK],
  addr: [C.RTNLGRP_IPV4_IFADDR, C.RTNLGRP_IPV6_IFADDR],
  route: [C.RTNLGRP_IPV4_ROUTE, C.RTNLGRP_IPV6_ROUTE],
  neigh: [C.RTNLGRP_NEIGH],
};

const DEFAULT_RCVBUF = 4 << 20;

/** An iterator that falls this far behind its producer is failed with OverrunError. */
const MAX_QUEUED = 100_000;

/** Opens a subscription to rtnetlink notifications. */
export function subscribe(opts: SubscribeOptions = {}): RtnlSubscription {
  return RtnlSubscription.open(opts);
}

/**
 * A live subscription. Events: 'event' (RtnlEvent), 'overrun' (messages were dropped),
 * 'error' (Error: undecodable message, socket error), 'close'. It keeps the event loop alive
 * until closed (see unref()). Without an 'error' listener or an iterator, errors become
 * process warnings rather than crashes.
 */
export class RtnlSubscription extends EventEmitter<RtnlSubscriptionEvents> {
  readonly groups: readonly RtnlGroup[];
  /** The receive buffer the kernel granted (it reports double the requested size). */
  readonly rcvbuf: number;
  readonly #raw: RawNetlinkSocket;
  readonly #drops: DropCounter;
  readonly #what: string;
  #dropsSeen: number;
  /** What the native callbacks handed over, waiting for #drainInbox. */
  #inbox: Inbound[] = [];
  #drain: NodeJS.Immediate | undefined;
  #closed = false;

  private constructor(raw: RawNetlinkSocket, drops: DropCounter, groups: readonly RtnlGroup[], rcvbuf: number, what: string) {
    super();
    this.#raw = raw;
    this.#drops = drops;
    this.groups = groups;
    this.rcvbuf = rcvbuf;
    this.#what = what;
    this.#dropsSeen = drops.baseline;
    // Native callbacks: queue only (see the top of this file).
    raw.on('message', (msg: Buffer, rinfo: MessageInfo) => this.#receive({ msg, port: rinfo.port }));
    raw.on('truncatedMessage', (_msg: Buffer, rinfo: MessageInfo) => this.#receive({ truncated: rinfo.truncated ?? 0 }));
    raw.on('error', (err: ErrnoException) => this.#receive({ err }));
  }

  static open(opts: SubscribeOptions = {}): RtnlSubscription {
    const groups = checkGroups(opts.groups);
    const rcvbuf = opts.rcvbuf === undefined ? DEFAULT_RCVBUF : checkInt('rcvbuf', opts.rcvbuf, 1, 0x3fffffff);
    const what = `subscribe ${groups.join(',')}${opts.netns ? ` in netns ${opts.netns.source}` : ''}`;
    // The socket and the /proc table must both be opened inside the namespace, synchronously.
    const make = (): { raw: RawNetlinkSocket; table: number } => {
      const raw = new (rawSocketClass())(C.NETLINK_ROUTE); // message peeking: any datagram size
      try {
        return { raw, table: openSync('/proc/thread-self/net/netlink', 'r') };
      } catch (e) {
        raw.close();
        throw e;
      }
    };
    const { raw, table } = opts.netns ? opts.netns.run(make) : make();
    let drops: DropCounter | undefined;
    try {
      const port = raw.address().port;
      drops = new DropCounter(table, port, what);
      const fd = findSocketFd(drops.inode, what);
      // Before joining any group, so no notification can arrive while ENOBUFS is still armed.
      setsockoptInt(fd, C.SOL_NETLINK, C.NETLINK_NO_ENOBUFS, 1);
      try {
        setsockoptInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf);
      } catch {
        raw.setRecvBufferSize(rcvbuf); // without CAP_NET_ADMIN: SO_RCVBUF, capped by rmem_max
      }
      for (const g of groups) for (const n of MULTICAST[g]) raw.addMembership(n);
      return new RtnlSubscription(raw, drops, groups, raw.getRecvBufferSize(), what);
    } catch (e) {
      raw.close();
      if (drops) drops.close();
      else closeSync(table);
      throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops listening and releases the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#drain) clearImmediate(this.#drain);
    this.#inbox = [];
    this.#raw.close();
    this.#drops.close();
    this.emit('close');
  }

  /** Lets the process exit while subscribed (like server.unref()). */
  unref(): this {
    if (!this.#closed) this.#raw.unref();
    return this;
  }

  /** Undoes unref(): the subscription keeps the event loop alive again. */
  ref(): this {
    if (!this.#closed) this.#raw.ref();
    return this;
  }

  /**
   * Events from now on. Ends when the subscription closes (after the events already received);
   * an overrun is thrown as OverrunError and an 'error' is thrown as is, after which this
   * iterator is done (the subscription stays open: resync, then iterate again).
   */
  [Symbol.asyncIterator](): AsyncIterator<RtnlEvent> {
    const queue: RtnlEvent[] = [];
    let failure: Error | undefined;
    let ended = this.#closed;
    let waiter: { resolve: (r: IteratorResult<RtnlEvent>) => void; reject: (e: Error) => void } | undefined;

    const detach = (): void => {
      this.off('event', onEvent);
      this.off('overrun', onOverrun);
      this.off('error', onError);
      this.off('close', onClose);
    };
    // Hands the next outcome to a pending next(), if any.
    const settle = (): void => {
      if (!waiter) return;
      const w = waiter;
      const value = queue.shift();
      if (value !== undefined) {
        waiter = undefined;
        w.resolve({ value, done: false });
      } else if (failure) {
        waiter = undefined;
        const f = failure;
        failure = undefined;
        w.reject(f);
      } else if (ended) {
        waiter = undefined;
        w.resolve({ value: undefined, done: true });
      }
    };
    const fail = (err: Error): void => {
      if (ended) return;
      failure = err;
      ended = true;
      detach();
      settle();
    };
    const onEvent = (e: RtnlEvent): void => {
      if (queue.length >= MAX_QUEUED) {
        queue.length = 0;
        fail(new OverrunError(`${this.#what}: iterator fell ${MAX_QUEUED} events behind`));
        return;
      }
      queue.push(e);
      settle();
    };
    const onOverrun = (): void => fail(new OverrunError(this.#what));
    const onError = (err: Error): void => fail(err);
    const onClose = (): void => {
      ended = true;
      detach();
      settle();
    };
    if (!ended) {
      this.on('event', onEvent);
      this.on('overrun', onOverrun);
      this.on('error', onError);
      this.on('close', onClose);
    }

    return {
      next: () =>
        new Promise<IteratorResult<RtnlEvent>>((resolve, reject) => {
          if (waiter) {
            reject(new Error(`${this.#what}: next() called while a previous next() is pending`));
            return;
          }
          waiter = { resolve, reject };
          settle();
        }),
      return: () => {
        ended = true;
        queue.length = 0;
        failure = undefined;
        detach();
        settle();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #receive(item: Inbound): void {
    if (this.#closed) return;
    this.#inbox.push(item);
    this.#drain ??= setImmediate(() => this.#drainInbox());
  }

  #drainInbox(): void {
    this.#drain = undefined;
    let datagrams = 0;
    try {
      // shift() one at a time: if a listener throws, the rest stay queued for the next turn.
      for (let item = this.#inbox.shift(); item && !this.#closed; item = this.#inbox.shift()) {
        if ('msg' in item) {
          datagrams++;
          this.#datagram(item.msg, item.port);
        } else if ('truncated' in item) {
          // Cannot happen with message peeking (each buffer is sized to its datagram); if it
          // does, notifications were lost, as in an overrun.
          this.#fail(new Error(`${this.#what}: datagram of ${item.truncated} bytes truncated`));
          this.#overrun();
        } else if (item.err.code === 'ENOBUFS') {
          this.#overrun(); // only if NETLINK_NO_ENOBUFS did not take
        } else {
          this.#fail(item.err);
        }
      }
      if (datagrams > 0) this.#checkDrops();
    } finally {
      if (this.#inbox.length > 0 && !this.#closed) this.#drain ??= setImmediate(() => this.#drainInbox());
    }
  }

  #datagram(msg: Buffer, port: number): void {
    // Only the kernel's notifications: a privileged process could multicast forged ones.
    if (port !== 0) return;
    let messages: RawMessage[];
    try {
      messages = splitMessages(msg);
    } catch (e) {
      this.#fail(e as Error);
      return;
    }
    for (const m of messages) {
      if (this.#closed) return; // a listener closed us mid-datagram
      let ev: RtnlEvent | undefined;
      try {
        ev = toEvent(m);
      } catch (e) {
        this.#fail(e as Error);
        continue;
      }
      if (ev) this.emit('event', ev);
    }
  }

  // The kernel drops only while our queue is full, and a full queue is read (and this runs
  // after each turn that read anything), so every drop is seen.
  #checkDrops(): void {
    if (this.#closed) return;
    let drops: number;
    try {
      drops = this.#drops.read();
    } catch (e) {
      this.#fail(e as Error);
      return;
    }
    if (drops !== this.#dropsSeen) {
      this.#dropsSeen = drops;
      this.#overrun();
    }
  }

  #overrun(): void {
    if (!this.#closed) this.emit('overrun');
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(err); // nobody listens: report, but never crash an event stream
  }
}

/** RTM_NEW* / RTM_DEL* of the four families as events; anything else is ignored. */
function toEvent(m: RawMessage): RtnlEvent | undefined {
  const { buf, start, end } = m;
  switch (m.type) {
    case C.RTM_NEWLINK:
    case C.RTM_DELLINK:
      return { action: m.type === C.RTM_NEWLINK ? 'new' : 'del', kind: 'link', link: linkFromBytes(buf, start, end) };
    case C.RTM_NEWADDR:
    case C.RTM_DELADDR:
      return { action: m.type === C.RTM_NEWADDR ? 'new' : 'del', kind: 'addr', address: addressFromMessage(decodeAddr(buf, start, end)) };
    case C.RTM_NEWROUTE:
    case C.RTM_DELROUTE:
      return { action: m.type === C.RTM_NEWROUTE ? 'new' : 'del', kind: 'route', route: routeFromBytes(buf, start, end) };
    case C.RTM_NEWNEIGH:
    case C.RTM_DELNEIGH: {
      // RTNLGRP_NEIGH also carries bridge FDB entries (AF_BRIDGE): not neighbours.
      const n = decodeNeigh(buf, start, end);
      if (n.family !== C.AF_INET && n.family !== C.AF_INET6) return undefined;
      return { action: m.type === C.RTM_NEWNEIGH ? 'new' : 'del', kind: 'neigh', neighbour: neighbourFromMessage(n) };
    }
    default:
      return undefined;
  }
}

function checkGroups(groups: unknown): readonly RtnlGroup[] {
  if (groups === undefined) return ALL_GROUPS;
  if (!Array.isArray(groups) || groups.length === 0) throw new ValidationError('groups', groups, `must be a non-empty array of ${ALL_GROUPS.join(', ')}`);
  for (const g of groups) {
    if (!(ALL_GROUPS as readonly unknown[]).includes(g)) throw new ValidationError('groups', g, `unknown group; one of ${ALL_GROUPS.join(', ')}`);
  }
  return [...new Set(groups as RtnlGroup[])];
}

/** The fd in /proc/self/fd that is the socket with this inode. */
function findSocketFd(inode: number, what: string): number {
  const target = `socket:[${inode}]`;
  for (const name of readdirSync('/proc/self/fd')) {
    let link: string;
    try {
      link = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // closed meanwhile (e.g. readdir's own fd)
    }
    if (link === target) return Number(name);
  }
  throw new Error(`${what}: socket inode ${inode} not found in /proc/self/fd (needed to set NETLINK_NO_ENOBUFS)`);
}

/**
 * One NETLINK_ROUTE socket's row of /proc/net/netlink. The file is opened inside the socket's
 * namespace and stays bound to it, so it can be re-read (pread at 0) from anywhere later.
 */
class DropCounter {
  readonly #fd: number;
  readonly #port: number;
  readonly #what: string;
  #buf = Buffer.alloc(16 * 1024);
  #closed = false;
  readonly inode: number;
  readonly baseline: number;

  constructor(fd: number, port: number, what: string) {
    this.#fd = fd;
    this.#port = port >>> 0;
    this.#what = what;
    const row = this.#row();
    this.inode = row.inode;
    this.baseline = row.drops;
  }

  read(): number {
    return this.#row().drops;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }

  // Header: "sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode"; Eth is the protocol, Pid the port.
  #row(): { drops: number; inode: number } {
    const lines = this.#text().split('\n');
    const head = (lines[0] ?? '').trim().split(/\s+/);
    const col = (name: string): number => {
      const i = head.indexOf(name);
      if (i < 0) throw new Error(`${this.#what}: /proc/net/netlink has no ${name} column (header: ${lines[0] ?? ''})`);
      return i;
    };
    const [eth, pid, drops, inode] = [col('Eth'), col('Pid'), col('Drops'), col('Inode')];
    for (const line of lines.slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[eth] === String(C.NETLINK_ROUTE) && f[pid] === String(this.#port)) {
        return { drops: Number(f[drops]), inode: Number(f[inode]) };
      }
    }
    throw new Error(`${this.#what}: port ${this.#port} is not in /proc/net/netlink`);
  }

  #text(): string {
    let n = 0;
    for (;;) {
      if (n === this.#buf.length) {
        const bigger = Buffer.alloc(this.#buf.length * 2);
        this.#buf.copy(bigger);
        this.#buf = bigger;
      }
      const r = readSync(this.#fd, this.#buf, n, this.#buf.length - n, n);
      if (r === 0) return this.#buf.toString('latin1', 0, n);
      n += r;
    }
  }
}
