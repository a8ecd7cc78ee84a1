// openPty, getWinsize, setWinsize on real pseudo-terminals (/dev/ptmx). No privileges needed;
// nothing here outlives the fds the tests open.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { isatty } from 'node:tty';
import { SysError, openPty, getWinsize, setWinsize, pipe2, read, write, close, fcntl, F_GETFD, FD_CLOEXEC } from '@nsrun/sys';
import { nodeArgs } from '@nsrun/test-helpers/child';

const fdCount = () => readdirSync('/proc/self/fd').length;

function withPty(fn) {
  const p = openPty();
  try {
    return fn(p);
  } finally {
    close(p.master);
    close(p.slave);
  }
}

test('openPty: two terminals, the slave at its /dev/pts path, both close-on-exec', () => {
  withPty(({ master, slave, slavePath }) => {
    assert.ok(master >= 0 && slave >= 0 && master !== slave);
    assert.match(slavePath, /^\/dev\/pts\/\d+$/);
    assert.is(readlinkSync(`/proc/self/fd/${slave}`), slavePath);
    assert.ok(isatty(master) && isatty(slave));
    assert.is(fcntl(master, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    assert.is(fcntl(slave, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  });
});

test('bytes written to the slave are read on the master (output processing: \\n -> \\r\\n), and the other way', () => {
  withPty(({ master, slave }) => {
    assert.is(write(slave, 'hello\n'), 6);
    const into = Buffer.alloc(64);
    assert.is(into.toString('latin1', 0, read(master, into)), 'hello\r\n');
    // Canonical mode: the slave reads a line once its newline arrives.
    write(master, 'typed\n');
    assert.is(into.toString('latin1', 0, read(slave, into)), 'typed\n');
  });
});

test('winsize: set on the master, read on either side; values outside 0-65535 are a RangeError', () => {
  withPty(({ master, slave }) => {
    setWinsize(master, { rows: 37, cols: 211 });
    assert.equal(getWinsize(slave), { rows: 37, cols: 211 });
    assert.equal(getWinsize(master), { rows: 37, cols: 211 });
    setWinsize(slave, { rows: 65535, cols: 1 });
    assert.equal(getWinsize(master), { rows: 65535, cols: 1 });
    assert.throws(() => setWinsize(master, { rows: 65536, cols: 80 }), RangeError);
    assert.throws(() => setWinsize(master, { rows: 24, cols: -1 }), RangeError);
    assert.throws(() => setWinsize(master, { rows: 24.5, cols: 80 }), RangeError);
    assert.equal(getWinsize(master), { rows: 65535, cols: 1 }, 'a refused size changes nothing');
  });
});

test('winsize on something that is not a terminal: SysError ENOTTY from ioctl naming the fd; a closed fd: EBADF', () => {
  const [r, w] = pipe2();
  try {
    assert.throws(
      () => getWinsize(r),
      (e) => e instanceof SysError && e.syscall === 'ioctl' && e.code === 'ENOTTY' && e.target.startsWith(`fd ${r} `),
    );
    assert.throws(
      () => setWinsize(w, { rows: 1, cols: 1 }),
      (e) => e instanceof SysError && e.code === 'ENOTTY',
    );
  } finally {
    close(r);
    close(w);
  }
  assert.throws(
    () => getWinsize(r),
    (e) => e instanceof SysError && e.code === 'EBADF',
  );
});

test('200 pairs opened and closed leave the number of open fds unchanged', () => {
  withPty(() => {}); // libc loaded, first-use allocations done
  const before = fdCount();
  for (let i = 0; i < 200; i++) withPty(() => {});
  assert.is(fdCount(), before);
});

test('a failure after the master is open closes it: one free fd slot, the slave open fails with EMFILE', () => {
  // In a child with a low fd limit: fill every slot but one, so posix_openpt succeeds and the
  // slave's open does not.
  const body = `
sys.close(sys.openPty().slave); // libc loaded (the master leaks here on purpose: one fd fewer)
const fill = [];
try { for (;;) fill.push(fs.openSync('/dev/null', 'r')); } catch (e) { if (e.code !== 'EMFILE') throw e; }
fs.closeSync(fill.pop());
const before = fs.readdirSync('/proc/self/fd').length - 1; // minus readdir's own fd
let err;
try { sys.openPty(); } catch (e) { err = errInfo(e); }
fs.closeSync(fill.pop()); // room for readdir
const after = fs.readdirSync('/proc/self/fd').length - 1 + 1;
out({ err, before, after });`;
  const r = spawnSync('sh', ['-c', 'ulimit -n 64 && exec "$@"', 'sh', process.execPath, ...nodeArgs(body)], { encoding: 'utf8', timeout: 30_000 });
  assert.is(r.status, 0, r.stderr);
  const { err, before, after } = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.ok(err, 'openPty failed');
  assert.is(err.name, 'SysError');
  assert.is(err.code, 'EMFILE');
  assert.is(err.syscall, 'open');
  assert.match(err.target, /^\/dev\/pts\/\d+$/);
  assert.is(after, before, 'the master was closed');
});

test.run();
