import { closeSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RawNetlinkSocket } from 'netlink';
import * as C from '../constants/index.js';

// The adapter to the `netlink` package's RawNetlinkSocket (0.3.0) and what it does not give:
// its fd (found by the socket's inode) and the drops the kernel counts once NETLINK_NO_ENOBUFS
// is set (read from the socket's row in /proc/net/netlink). Why: subscription.ts.

// The native `netlink` module costs ~50 ms to load: load it on the first subscription only,
// so programs that never subscribe (the CLI, the runner) do not pay for it.
let RawSocket: typeof RawNetlinkSocket | undefined;
export function rawSocketClass(): typeof RawNetlinkSocket {
  RawSocket ??= (createRequire(import.meta.url)('netlink') as typeof import('netlink')).RawNetlinkSocket;
  return RawSocket;
}

/** The fd in /proc/self/fd that is the socket with this inode. */
export function findSocketFd(inode: number, what: string): number {
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
export class DropCounter {
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
