import { closeSync, fstatSync } from 'node:fs';
import { CLONE_NEWNET, nsType, setns, unshare } from './namespaces.js';
import { SysError, errnoNumber } from './errors.js';
import { openPath } from './fd.js';

// Namespaces are per thread. In Node every synchronous call, FFI included, runs on the main
// thread, so "enter, do synchronous work, leave" on the main thread is safe as long as no
// `await` happens in between (see NetNs.run).

const NS_SELF = '/proc/thread-self/ns/net';

const openNs = (path: string): number => openPath(path);

/** A handle to a network namespace: an open fd on its nsfs file. Close it when done. */
export class NetNs {
  /** The open namespace file descriptor (O_CLOEXEC). */
  readonly fd: number;
  /** Where it was opened from, for messages. */
  readonly source: string;
  #closed = false;

  private constructor(fd: number, source: string) {
    this.fd = fd;
    this.source = source;
  }

  /** The namespace the main thread is in now. */
  static current(): NetNs {
    return new NetNs(openNs(NS_SELF), 'current');
  }

  /** The namespace of process `pid` (`/proc/PID/ns/net`). */
  static fromPid(pid: number): NetNs {
    if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`netns: pid must be a positive integer, got ${String(pid)}`);
    return NetNs.fromPath(`/proc/${pid}/ns/net`);
  }

  /** A namespace file: `/run/netns/NAME`, `/proc/PID/ns/net`, or any bind mount of one. */
  static fromPath(path: string): NetNs {
    return NetNs.fromFd(openNs(path), path);
  }

  /**
   * Takes over an open fd on a namespace file (from PIDFD_GET_NET_NAMESPACE, say): the handle
   * owns it from now on. One that is not a network namespace is closed and refused (EINVAL).
   */
  static fromFd(fd: number, source: string): NetNs {
    // Ask nsfs for the type: readlink of /proc/self/fd/N says `net:[...]` only for /proc/PID/ns
    // files, and the mount path for a bind mount such as /run/netns/NAME.
    let type = -1;
    try {
      type = nsType(fd);
    } catch (e) {
      if (!(e instanceof SysError)) {
        closeSync(fd);
        throw e;
      }
      // ENOTTY: not a namespace file at all.
    }
    if (type !== CLONE_NEWNET) {
      closeSync(fd);
      throw new SysError('setns', errnoNumber('EINVAL') ?? 22, source, 'not a network namespace file');
    }
    return new NetNs(fd, source);
  }

  /** A named namespace as `ip netns` makes them: `/run/netns/NAME`. */
  static fromName(name: string): NetNs {
    if (name === '' || name.includes('/') || name.includes('\0') || name === '.' || name === '..')
      throw new RangeError(`netns: invalid namespace name ${JSON.stringify(name)}`);
    return NetNs.fromPath(`/run/netns/${name}`);
  }

  /**
   * A new, empty network namespace, kept alive by the returned handle alone: it disappears
   * (with everything inside) when the handle is closed and nothing else holds it.
   */
  static create(): NetNs {
    const back = openNs(NS_SELF);
    try {
      unshare(CLONE_NEWNET);
      try {
        return new NetNs(openNs(NS_SELF), 'new');
      } finally {
        setns(back, CLONE_NEWNET);
      }
    } finally {
      closeSync(back);
    }
  }

  /** Device and inode of the nsfs file: equal for two handles on the same namespace. */
  get id(): string {
    const st = fstatSync(this.#openFd());
    return `${st.dev}:${st.ino}`;
  }

  /** The namespace's inode number, as `ip netns identify` and `lsns` show it. */
  get inode(): number {
    return fstatSync(this.#openFd()).ino;
  }

  /** The path under /proc that names this handle's fd, for tools like `nsenter --net=`. */
  get procPath(): string {
    return `/proc/${process.pid}/fd/${this.#openFd()}`;
  }

  // After close() the fd number may already belong to another file: never use it again.
  #openFd(): number {
    if (this.#closed) throw new Error(`netns ${this.source}: handle is closed`);
    return this.fd;
  }

  /**
   * Runs `fn` with the main thread inside this namespace and always moves it back, even when
   * `fn` throws. `fn` must be synchronous: an `await` would let other code run in the wrong
   * namespace, so a returned promise is refused.
   */
  run<R>(fn: () => R): R {
    if (this.#closed) throw new Error(`netns ${this.source}: handle is closed`);
    const back = openNs(NS_SELF);
    try {
      setns(this.fd, CLONE_NEWNET);
      let result: R;
      try {
        result = fn();
      } finally {
        setns(back, CLONE_NEWNET);
      }
      if (result instanceof Promise) {
        result.catch(() => {});
        throw new TypeError('NetNs.run: the function must be synchronous (it returned a Promise)');
      }
      return result;
    } finally {
      closeSync(back);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
