import { fstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { SysError, fdAccess } from '@nsrun/sys';

// `--json-fd N` must name a descriptor nsrun's parent passed for writing, never one of Node's
// own: writing events into libuv's signal pipe crashed nsrun (SIGSEGV, its record left behind),
// into its epoll or eventfds made writes fail after the container had started.
//
// FD_CLOEXEC cannot tell them apart: at start-up libuv (uv_disable_stdio_inheritance, called
// by Node) sets it on fds 0-15 and on every open fd after them up to the first closed one, so
// an inherited fd 3 looks exactly like Node's own. What does tell them apart is what they are.
// Node's own descriptors at start are anonymous inodes (epoll, eventfd), pipes whose other end
// it also holds (libuv's self-pipes) and a read-only /dev/null; a parent passes a file, a pipe
// or FIFO, a socket or a terminal, open for writing.

/** Why `fd` cannot carry lifecycle events, or undefined when it can. */
export function jsonFdProblem(fd: number): string | undefined {
  if (fd === 0 || fd === 1) return "events never share the command's stdin or stdout";
  let access;
  try {
    access = fdAccess(fd);
  } catch (e) {
    if (e instanceof SysError && e.code === 'EBADF') return 'not an open file descriptor (EBADF)';
    throw e;
  }
  const what = describe(fd);
  if (!access.writable) return `${what} is open read-only`;
  const st = fstatSync(fd);
  // An anonymous inode (eventfd, epoll, signalfd, timerfd...) has no file type at all.
  if ((st.mode & 0o170000) === 0) return `${what} is not a file, pipe, socket or terminal (Node's event loop uses such descriptors)`;
  if (st.isFIFO()) {
    const reader = readerOf(fd, st);
    if (reader !== undefined) return `${what} is a pipe whose read end nsrun itself holds (fd ${reader}): one of Node's internal pipes`;
  }
  return undefined;
}

/** What /proc says the fd is: a path, `pipe:[INODE]`, `anon_inode:[eventfd]`... */
function describe(fd: number): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return `fd ${fd}`;
  }
}

/** Another fd of this process open for reading on the same pipe or FIFO, if any. */
function readerOf(fd: number, st: Stats): number | undefined {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return undefined;
  }
  for (const name of fds) {
    const other = Number(name);
    if (other === fd) continue;
    try {
      const o = fstatSync(other);
      if (o.dev === st.dev && o.ino === st.ino && fdAccess(other).readable) return other;
    } catch {
      // closed meanwhile (the directory's own fd among them)
    }
  }
  return undefined;
}
