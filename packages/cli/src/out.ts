import { writeSync } from 'node:fs';

// The binary's stdout and stderr. Writing straight to the fd spares every short command the
// stream Node makes on first use of process.stdout (a pipe's costs loading node:net and its
// stream machinery: 4–30 ms measured here, more than `--version` itself). Node's own streams
// write synchronously to pipes and files on Linux too, so order and completeness are the same.
// A descriptor in non-blocking mode (shared with a process that set O_NONBLOCK) can refuse a
// write with EAGAIN: from then on that fd's output goes through Node's stream, which waits.

/**
 * A writer for fd 1 or 2; `onEpipe` runs when the reader has gone, `onStream` when the writer
 * falls back to Node's stream (whose writes may then be pending until the event loop runs).
 */
export function fdWriter(fd: 1 | 2, onEpipe: () => void, onStream?: () => void): (text: string) => void {
  let stream: NodeJS.WriteStream | undefined;
  return (text) => {
    if (stream) return void stream.write(text);
    const bytes = Buffer.from(text);
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(fd, bytes, done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return onEpipe();
      if (code !== 'EAGAIN') throw e;
      stream = fd === 1 ? process.stdout : process.stderr;
      onStream?.();
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') return onEpipe();
        throw err;
      });
      stream.write(bytes.subarray(done));
    }
  };
}
