import { EventEmitter } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import type { RawNetlinkSocket, ErrnoException, MessageInfo } from 'netlink';
import { setsockoptInt, SOL_SOCKET, SO_RCVBUFFORCE, type NetNs } from '@nsrun/sys';
import * as C from '../constants/index.js';
import { splitMessages, type RawMessage } from '../wire/header.js';
import { OverrunError } from '../errors.js';
import { checkInt } from '../validate.js';
import { checkGroups, toEvent, type RtnlEvent, type RtnlGroup } from './decode.js';
import { DropCounter, findSocketFd, rawSocketClass } from './native-socket.js';

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
