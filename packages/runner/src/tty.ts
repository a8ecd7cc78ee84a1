import { closeSync, readSync, writeSync } from 'node:fs';
import { nodeTty } from './lazy-node.js';
import type { ReadStream } from 'node:tty';
import { F_DUPFD_CLOEXEC, fcntl, getWinsize, isatty, openPty, setNonblock, setWinsize, type Winsize } from '@nsrun/sys';

// A terminal of the container's own (`docker run -it`): the first process gets the slave of a
// new pty as fd 0-2 in a new session, and nsrun copies bytes between its own terminal (raw
// mode) and the master. Sharing nsrun's terminal instead breaks job-control shells: the
// terminal's foreground process group lies outside the container's pid namespace.
//
// Reading the master: a tty.ReadStream (epoll, no pool thread) on a dup of it. libuv takes
// POLLHUP after a short read for end of file, while the kernel may still hold output of a
// process that has just exited, so after its 'end' the rest is read synchronously until the
// master reports EIO (no slave open and nothing buffered: the real end).
// Writing the master: the fd is non-blocking and written with writeSync (a tty.WriteStream on
// a master writes blocking, and would spin on EAGAIN); when the container does not read its
// input, the rest waits, stdin is paused, and the write is retried on a timer.
// Input end: when nsrun's stdin ends (a pipe or file), the proxy writes VEOF (^D, the default
// c_cc[VEOF]) once all input is written. In canonical mode at the start of a line the reader
// sees end of file; in raw mode it is a 0x04 byte (end of input for shells and readline).

const VEOF = Buffer.from([0x04]);
const RETRY_FIRST_MS = 1;
const RETRY_MAX_MS = 50;
const CHUNK = 64 * 1024;

export class TtyProxy {
  /** The terminal to give the container's first process as fd 0, 1 and 2 (close-on-exec here). */
  readonly slave: number;
  /** /dev/pts/N. */
  readonly slavePath: string;
  /** Resolves when the master reports end of file and stdout has taken all of the container's output. Rejects on a read error other than EIO. */
  readonly done: Promise<void>;

  #master: number;
  #slaveOpen = true;
  #started = false;
  #closed = false;
  #settle!: (err?: Error) => void;
  #reader: ReadStream | undefined;
  #queue: Buffer[] = [];
  #retry: NodeJS.Timeout | undefined;
  #retryMs = RETRY_FIRST_MS;
  #inputEnded = false;
  #eofSent = false;
  #inputPaused = false;
  #raw = false;

  private constructor(master: number, slave: number, slavePath: string) {
    this.#master = master;
    this.slave = slave;
    this.slavePath = slavePath;
    this.done = new Promise<void>((resolve, reject) => {
      let settled = false;
      this.#settle = (err) => {
        if (settled) return;
        settled = true;
        if (err === undefined) resolve();
        else reject(err);
      };
    });
    // Unobserved, a read error must not become an unhandled rejection; awaiting `done` still sees it.
    this.done.catch(() => {});
  }

  /**
   * A new pty with the window size `size`, or else that of nsrun's stdout when it is a
   * terminal. Throws SysError; nothing stays open then.
   */
  static open(size?: Winsize): TtyProxy {
    const { master, slave, slavePath } = openPty();
    try {
      const ws = size ?? (isatty(1) ? getWinsize(1) : undefined);
      if (ws !== undefined) setWinsize(master, ws);
      setNonblock(master, true);
    } catch (e) {
      closeSync(slave);
      closeSync(master);
      throw e;
    }
    return new TtyProxy(master, slave, slavePath);
  }

  /**
   * Starts copying, once the container's first process holds the slave: closes nsrun's copy
   * (the master's end of file comes when the container's last copy closes), puts stdin in raw
   * mode when it is a terminal, copies stdin to the master and the master to stdout, and passes
   * stdout's window size changes on.
   */
  start(): void {
    if (this.#closed) throw new Error('TtyProxy: start() after close()');
    if (this.#started) throw new Error('TtyProxy: start() called twice');
    this.#started = true;
    this.#closeSlave();
    this.#readMaster();

    const stdin = process.stdin;
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      this.#raw = true;
      // A crash or process.exit() must not leave the user's terminal raw.
      process.once('exit', this.#restoreMode);
    }
    stdin.on('data', this.#onInput);
    stdin.on('end', this.#onInputEnd);
    stdin.on('error', this.#onInputEnd);
    if (process.stdout.isTTY) process.stdout.on('resize', this.#onResize);
  }

  /**
   * Stops everything: restores stdin's terminal mode, stops reading stdin (so nothing keeps
   * the process alive), closes the pty. `done` resolves if it had not settled. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#queue.length = 0;
    const stdin = process.stdin;
    if (this.#started) {
      stdin.off('data', this.#onInput);
      stdin.off('end', this.#onInputEnd);
      stdin.off('error', this.#onInputEnd);
      this.#restoreMode();
      process.off('exit', this.#restoreMode);
      // process.stdin.pause() stops reading at the next tick (Node's stdin 'pause' handler).
      stdin.pause();
      process.stdout.off('resize', this.#onResize);
      process.stdout.off('drain', this.#resumeReader);
    }
    this.#reader?.destroy();
    this.#reader = undefined;
    this.#closeSlave();
    closeSync(this.#master);
    this.#settle();
  }

  #closeSlave(): void {
    if (!this.#slaveOpen) return;
    this.#slaveOpen = false;
    closeSync(this.slave);
  }

  // ---- master -> stdout

  #readMaster(): void {
    // The stream closes its fd when it ends: give it a dup, the proxy keeps the master.
    const reader = new (nodeTty().ReadStream)(fcntl(this.#master, F_DUPFD_CLOEXEC, 0));
    this.#reader = reader;
    reader.on('data', (chunk: Buffer) => {
      if (!process.stdout.write(chunk)) {
        reader.pause();
        process.stdout.once('drain', this.#resumeReader);
      }
    });
    reader.on('end', () => {
      this.#reader = undefined;
      if (!this.#closed) this.#drain();
    });
    reader.on('error', (e: NodeJS.ErrnoException) => {
      this.#reader = undefined;
      if (e.code === 'EIO') this.#end();
      else this.#settle(e);
    });
  }

  #resumeReader = (): void => {
    this.#reader?.resume();
  };

  /** Reads what the kernel still holds, up to EIO (the real end). */
  #drain(): void {
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      let n: number;
      try {
        n = readSync(this.#master, buf);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EIO') this.#end();
        // A slave is open again (reopened by path): back to waiting for output.
        else if (code === 'EAGAIN') this.#readMaster();
        else this.#settle(e as Error);
        return;
      }
      if (n === 0) return this.#end();
      process.stdout.write(buf.subarray(0, n));
    }
  }

  /**
   * All of the container's output is read: `done` resolves once stdout has taken it too. A pipe
   * that is full holds the rest in Node's stream, which a process that exits now would drop.
   */
  #end(): void {
    const out = process.stdout;
    if (out.writableLength === 0) return this.#settle();
    const settle = (): void => {
      for (const ev of ['drain', 'error', 'close']) out.off(ev, settle);
      this.#settle();
    };
    // An error or a close: what is left cannot be written; not waited for.
    for (const ev of ['drain', 'error', 'close']) out.on(ev, settle);
  }

  // ---- stdin -> master

  #onInput = (chunk: Buffer | string): void => {
    this.#queue.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (this.#retry === undefined) this.#flush();
  };

  #onInputEnd = (): void => {
    this.#inputEnded = true;
    if (this.#retry === undefined) this.#flush();
  };

  #flush = (): void => {
    this.#retry = undefined;
    if (this.#closed) return;
    for (;;) {
      while (this.#queue.length > 0) {
        const chunk = this.#queue[0]!;
        let n: number;
        try {
          n = writeSync(this.#master, chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
            // EIO: no slave left to read it.
            this.#queue.length = 0;
            return;
          }
          this.#pauseInput();
          // unref: pending input must not keep nsrun alive once the container is gone.
          this.#retry = setTimeout(this.#flush, this.#retryMs).unref();
          this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
          return;
        }
        if (n < chunk.length) this.#queue[0] = chunk.subarray(n);
        else this.#queue.shift();
      }
      this.#retryMs = RETRY_FIRST_MS;
      if (!this.#inputEnded) break;
      if (this.#eofSent) return;
      this.#eofSent = true;
      this.#queue.push(VEOF);
    }
    if (this.#inputPaused) {
      this.#inputPaused = false;
      process.stdin.resume();
    }
  };

  #pauseInput(): void {
    if (this.#inputPaused || this.#inputEnded) return;
    this.#inputPaused = true;
    process.stdin.pause();
  }

  #restoreMode = (): void => {
    if (!this.#raw) return;
    this.#raw = false;
    try {
      process.stdin.setRawMode(false);
    } catch {
      // the terminal is gone
    }
  };

  #onResize = (): void => {
    if (this.#closed) return;
    try {
      setWinsize(this.#master, { rows: process.stdout.rows, cols: process.stdout.columns });
    } catch {
      // a size the kernel refuses changes nothing inside
    }
  };
}
