// fdAccess: how a descriptor is open, read from the kernel (F_GETFL), on real pipes, files and
// an O_PATH descriptor. No privileges needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, openSync } from 'node:fs';
import { SysError, fdAccess, pipe2, close, O_PATH, O_RDONLY } from '@nsrun/sys';
import { withOpenFds } from './helpers/fds.js';

test("fdAccess: a pipe's read end is readable only, its write end writable only", () => {
  withOpenFds(pipe2(), close, ([r, w]) => {
    assert.equal(fdAccess(r), { readable: true, writable: false });
    assert.equal(fdAccess(w), { readable: false, writable: true });
  });
});

test('fdAccess: a file opened r, w, r+; an O_PATH descriptor is neither', () => {
  const fds = [openSync('/dev/null', 'r'), openSync('/dev/null', 'w'), openSync('/dev/null', 'r+'), openSync('/dev/null', O_PATH | O_RDONLY)];
  withOpenFds(fds, closeSync, ([ro, wo, rw, path]) => {
    assert.equal(fdAccess(ro), { readable: true, writable: false });
    assert.equal(fdAccess(wo), { readable: false, writable: true });
    assert.equal(fdAccess(rw), { readable: true, writable: true });
    assert.equal(fdAccess(path), { readable: false, writable: false });
  });
});

test('fdAccess: a descriptor that is not open is SysError EBADF naming the call', () => {
  // Above any open-file limit, so no other thread can have opened it meanwhile.
  assert.throws(
    () => fdAccess(1 << 30),
    (e) => e instanceof SysError && e.code === 'EBADF' && e.syscall === 'fcntl',
  );
});

test.run();
