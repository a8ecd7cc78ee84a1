import { bind, bindPure, fdOf, T } from './libc.js';
import { SysError } from './errors.js';
import { O_CLOEXEC, close, openPath } from './fd.js';

// Pseudo-terminals: a pair for a container that gets a terminal of its own (its own session,
// so its shell can take and give back the terminal's foreground process group), and the window
// size passed on to it.

// <asm-generic/fcntl.h>
export const O_RDWR = 0o2;
export const O_NOCTTY = 0o400;
// <asm-generic/ioctls.h> (x86 and arm64 use the generic numbers)
export const TIOCGWINSZ = 0x5413;
export const TIOCSWINSZ = 0x5414;

const posixOpenptCall = bind('posix_openpt', T.i32, [T.i32], (a) => `flags 0x${Number(a[0]).toString(16)}`);
const grantptCall = bind('grantpt', T.i32, [T.i32], fdOf);
const unlockptCall = bind('unlockpt', T.i32, [T.i32], fdOf);
// ptsname_r returns an error number instead of -1 and errno.
const ptsnameRCall = bindPure('ptsname_r', [T.i32, T.buf, T.u64]);
// ioctl is variadic; the third argument is a pointer to struct winsize here.
const isattyCall = bindPure('isatty', [T.i32]);
const ioctlCall = bind('ioctl', T.i32, [T.i32, T.u64, T.buf], (a) => `fd ${String(a[0])} request 0x${Number(a[1]).toString(16)}`);

export interface PtyPair {
  /** The side nsrun reads and writes (/dev/ptmx), close-on-exec. */
  master: number;
  /** The terminal the child gets as fd 0-2, close-on-exec (spawn's stdio dup2 clears that in the child). */
  slave: number;
  /** The slave's path, /dev/pts/N. */
  slavePath: string;
}

/**
 * Whether `fd` is a terminal: isatty(3). Node's tty.isatty does the same, but node:tty loads
 * node:net and the stream machinery (tty.ReadStream is a net.Socket) at every start.
 */
export function isatty(fd: number): boolean {
  return isattyCall(fd) === 1;
}

/** A window size in character cells. */
export interface Winsize {
  rows: number;
  cols: number;
}

/**
 * A new pseudo-terminal pair. Neither side becomes the caller's controlling terminal (O_NOCTTY):
 * the child acquires the slave itself, as a session leader opening it. Nothing stays open when
 * a step fails.
 */
export function openPty(): PtyPair {
  const master = posixOpenptCall(O_RDWR | O_NOCTTY | O_CLOEXEC);
  try {
    grantptCall(master);
    unlockptCall(master);
    const buf = Buffer.alloc(128);
    const err = ptsnameRCall(master, buf, buf.byteLength);
    if (err !== 0) throw new SysError('ptsname_r', err, `fd ${master}`);
    const slavePath = buf.toString('latin1', 0, buf.indexOf(0));
    // Node's open adds O_CLOEXEC.
    const slave = openPath(slavePath, O_RDWR | O_NOCTTY);
    return { master, slave, slavePath };
  } catch (e) {
    close(master);
    throw e;
  }
}

// struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; } (<asm-generic/termios.h>),
// in the machine's byte order: a Uint16Array, passed by its bytes.
const winsizeBytes = (ws: Uint16Array): Buffer => Buffer.from(ws.buffer, ws.byteOffset, ws.byteLength);

/** The terminal's window size (ioctl TIOCGWINSZ). */
export function getWinsize(fd: number): Winsize {
  const ws = new Uint16Array(4);
  ioctlCall(fd, TIOCGWINSZ, winsizeBytes(ws));
  return { rows: ws[0]!, cols: ws[1]! };
}

/**
 * Sets the terminal's window size (ioctl TIOCSWINSZ; pixel sizes 0). On a change, the kernel
 * sends SIGWINCH to the terminal's foreground process group. Sizes are 0-65535.
 */
export function setWinsize(fd: number, size: Winsize): void {
  const ws = new Uint16Array(4);
  (['rows', 'cols'] as const).forEach((key, i) => {
    const v = size[key];
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`window ${key} must be an integer 0-65535, got ${String(v)}`);
    ws[i] = v;
  });
  ioctlCall(fd, TIOCSWINSZ, winsizeBytes(ws));
}
