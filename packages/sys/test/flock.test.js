// flock(2) on files in a temporary directory: conflicts between two open()s of one file, release
// on LOCK_UN and on close, and a lock held by another process. No privileges needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SysError, flock, openPath, close, dup2, LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN } from '@nsrun/sys';
import { startNode } from '@nsrun/test-helpers/child';
import { withOpenFds } from './helpers/fds.js';

const dir = mkdtempSync(join(tmpdir(), 'nsrun-flock-'));
const file = join(dir, 'lock');
writeFileSync(file, '');
test.after(() => rmSync(dir, { recursive: true, force: true }));

const wouldBlock = (fd) => (e) => e instanceof SysError && e.syscall === 'flock' && e.code === 'EAGAIN' && e.target === `fd ${fd}`;
/** uvu's throws takes a predicate, not a class. */
const isA = (C) => (e) => e instanceof C;

/** Opens `file` n times, runs fn with the fds, closes whatever is still open. */
const withFds = (n, fn) =>
  withOpenFds(
    Array.from({ length: n }, () => openPath(file, 'r')),
    close,
    fn,
  );

test('constants are the kernel values', () => {
  assert.equal([LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN], [1, 2, 4, 8]);
});

test('two open()s of one file: an exclusive lock makes LOCK_NB fail with EAGAIN; LOCK_UN releases it', () => {
  withFds(2, ([a, b]) => {
    flock(a, LOCK_EX);
    assert.throws(() => flock(b, LOCK_EX | LOCK_NB), wouldBlock(b));
    assert.throws(() => flock(b, LOCK_SH | LOCK_NB), wouldBlock(b), 'shared conflicts with exclusive too');
    flock(a, LOCK_EX | LOCK_NB); // the holder may lock again (same open file description)
    flock(a, LOCK_UN);
    flock(b, LOCK_EX | LOCK_NB);
    assert.throws(() => flock(a, LOCK_SH | LOCK_NB), wouldBlock(a), 'and now the other way round');
  });
});

test('shared locks coexist; an exclusive one waits for all of them', () => {
  withFds(3, ([a, b, c]) => {
    flock(a, LOCK_SH | LOCK_NB);
    flock(b, LOCK_SH | LOCK_NB);
    assert.throws(() => flock(c, LOCK_EX | LOCK_NB), wouldBlock(c));
    flock(a, LOCK_UN);
    assert.throws(() => flock(c, LOCK_EX | LOCK_NB), wouldBlock(c), 'b still holds a shared lock');
    flock(b, LOCK_UN);
    flock(c, LOCK_EX | LOCK_NB);
  });
});

test('closing the fd releases the lock; a dup shares it until the last copy is closed', () => {
  withFds(3, ([a, b, spare], closeFd) => {
    flock(a, LOCK_EX);
    const copy = dup2(a, spare); // spare now refers to a's open file description
    closeFd(a);
    assert.throws(() => flock(b, LOCK_EX | LOCK_NB), wouldBlock(b), 'the dup still holds it');
    closeFd(copy);
    flock(b, LOCK_EX | LOCK_NB);
  });
});

test('a lock held by another process makes LOCK_NB fail until that process exits', async () => {
  const child = startNode(`
    const fd = sys.openPath(${JSON.stringify(file)}, 'r');
    sys.flock(fd, sys.LOCK_EX);
    out('locked');
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
  `);
  try {
    assert.is(await child.next(), 'locked');
    withFds(1, ([fd]) => {
      assert.throws(() => flock(fd, LOCK_EX | LOCK_NB), wouldBlock(fd));
      assert.throws(() => flock(fd, LOCK_SH | LOCK_NB), wouldBlock(fd));
    });
    child.end();
    const e = await child.exit;
    assert.is(e.code, 0, e.stderr);
    withFds(1, ([fd]) => flock(fd, LOCK_EX | LOCK_NB));
  } finally {
    child.kill();
  }
});

test('errors: a closed fd is EBADF, an unknown operation EINVAL, a non-integer a TypeError', () => {
  const fd = openPath(file, 'r');
  close(fd);
  assert.throws(
    () => flock(fd, LOCK_EX | LOCK_NB),
    (e) => e instanceof SysError && e.code === 'EBADF' && e.target === `fd ${fd}`,
  );
  withFds(1, ([f]) => {
    assert.throws(
      () => flock(f, LOCK_NB),
      (e) => e instanceof SysError && e.code === 'EINVAL',
    );
    assert.throws(() => flock(f, 1.5), isA(TypeError));
  });
  // @ts-expect-error: an fd is a number (a string is refused at run time too)
  assert.throws(() => flock('3', LOCK_EX), isA(TypeError));
});

test.run();
