// pipe2, fcntl, dup2, read, write, close on real pipes. No privileges needed; nothing here
// changes anything outside the fds the tests open.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  SysError,
  pipe2,
  fcntl,
  setCloexec,
  setNonblock,
  dup2,
  read,
  write,
  close,
  O_CLOEXEC,
  O_NONBLOCK,
  F_GETFD,
  F_GETFL,
  F_DUPFD_CLOEXEC,
  FD_CLOEXEC,
} from '@nsrun/sys';
import { withOpenFds } from './helpers/fds.js';

const isErr = (code, syscall) => (e) => e instanceof SysError && e.code === code && (syscall === undefined || e.syscall === syscall);

/** Runs fn with a fresh pipe, closing whatever ends are still open afterwards. */
const withPipe = (flags, fn) => withOpenFds(pipe2(flags), close, fn);

test('pipe2: two distinct fds, close-on-exec by default; bytes written arrive; EOF after the writer closes', () => {
  withPipe(undefined, ([r, w], closeFd) => {
    assert.ok(r >= 0 && w >= 0 && r !== w);
    assert.is(fcntl(r, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    assert.is(fcntl(w, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    assert.is(fcntl(r, F_GETFL) & O_NONBLOCK, 0);
    assert.is(write(w, 'hello'), 5);
    assert.is(write(w, Buffer.from([0, 255])), 2);
    const into = Buffer.alloc(16);
    assert.is(read(r, into), 7);
    assert.equal([...into.subarray(0, 7)], [...Buffer.from('hello'), 0, 255]);
    closeFd(w);
    assert.is(read(r, into), 0, 'end of file');
  });
});

test('pipe2(O_NONBLOCK): reading an empty pipe is SysError EAGAIN naming the fd', () => {
  withPipe(O_NONBLOCK | O_CLOEXEC, ([r]) => {
    assert.is(fcntl(r, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    assert.throws(
      () => read(r, Buffer.alloc(4)),
      (e) => isErr('EAGAIN', 'read')(e) && e.target === `fd ${r}`,
    );
  });
  withPipe(0, ([r, w]) => {
    assert.is(fcntl(r, F_GETFD) & FD_CLOEXEC, 0, 'flags 0: inheritable');
    assert.is(fcntl(w, F_GETFD) & FD_CLOEXEC, 0);
  });
});

test('read fills a subarray at its offset', () => {
  withPipe(undefined, ([r, w]) => {
    write(w, 'abc');
    const into = Buffer.from('--------');
    assert.is(read(r, into.subarray(2, 5)), 3);
    assert.is(into.toString(), '--abc---');
  });
});

test('setCloexec and setNonblock change one flag and report the previous state', () => {
  withPipe(undefined, ([r]) => {
    assert.is(setCloexec(r, false), true);
    assert.is(fcntl(r, F_GETFD) & FD_CLOEXEC, 0);
    assert.is(setCloexec(r, false), false);
    assert.is(setCloexec(r, true), false);
    assert.is(fcntl(r, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    assert.is(setNonblock(r, true), false);
    assert.is(fcntl(r, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    assert.is(setNonblock(r, false), true);
    assert.is(fcntl(r, F_GETFL) & O_NONBLOCK, 0);
  });
});

test('dup2 makes a second fd for the same pipe, without close-on-exec; F_DUPFD_CLOEXEC keeps it', () => {
  withPipe(undefined, ([r, w]) => {
    const d = fcntl(w, F_DUPFD_CLOEXEC, 100);
    try {
      assert.ok(d >= 100);
      assert.is(fcntl(d, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
      const target = d + 1;
      assert.is(dup2(w, target), target);
      try {
        assert.is(fcntl(target, F_GETFD) & FD_CLOEXEC, 0);
        write(target, 'via dup');
        const into = Buffer.alloc(16);
        assert.is(into.toString('utf8', 0, read(r, into)), 'via dup');
        // O_NONBLOCK belongs to the open file: set through one fd, seen through the other.
        setNonblock(w, true);
        assert.is(fcntl(target, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
      } finally {
        close(target);
      }
    } finally {
      close(d);
    }
  });
});

test('writing to a pipe without a reader is SysError EPIPE (Node ignores SIGPIPE)', () => {
  withPipe(undefined, ([r, w], closeFd) => {
    closeFd(r);
    assert.throws(() => write(w, 'x'), isErr('EPIPE', 'write'));
  });
});

test('bad fds are SysError EBADF naming the fd', () => {
  assert.throws(
    () => close(987654),
    (e) => isErr('EBADF', 'close')(e) && e.target === 'fd 987654',
  );
  assert.throws(() => read(987654, Buffer.alloc(1)), isErr('EBADF', 'read'));
  assert.throws(() => write(987654, 'x'), isErr('EBADF', 'write'));
  assert.throws(
    () => fcntl(987654, F_GETFD),
    (e) => isErr('EBADF', 'fcntl')(e) && /fd 987654 cmd 1/.test(e.message),
  );
  assert.throws(() => dup2(987654, 987655), isErr('EBADF', 'dup2'));
});

test('a readiness pipe: a child writes to an inherited fd 3, the parent reads it', async () => {
  const [r, w] = pipe2(O_CLOEXEC);
  try {
    // child_process dup2s the fd into place as fd 3 of the child (without close-on-exec).
    const child = spawn('/bin/sh', ['-c', 'echo "ready $$" >&3'], { stdio: ['ignore', 'ignore', 'inherit', w] });
    const exited = once(child, 'exit');
    close(w); // our copy: otherwise EOF could never come if the child died
    const into = Buffer.alloc(64);
    const n = read(r, into); // blocks until the child writes or dies
    assert.is(into.toString('utf8', 0, n), `ready ${child.pid}\n`);
    const [code] = await exited;
    assert.is(code, 0);
    assert.is(read(r, into), 0);
  } finally {
    close(r);
  }
});

test.run();
