// close_range(2): with CLOSE_RANGE_CLOEXEC every fd of the range is marked close-on-exec (and
// none outside it), without it they are closed. Runs in a child Node process (its fds are its
// own). No privileges needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runNode } from '@nsrun/test-helpers/child';

test('CLOSE_RANGE_CLOEXEC marks every fd of the range close-on-exec, none outside it; without it they are closed', () => {
  const r = runNode(`
const cloexec = (fd) => (sys.fcntl(fd, sys.F_GETFD) & sys.FD_CLOEXEC) !== 0;
const open = (fd) => { try { sys.fcntl(fd, sys.F_GETFD); return true; } catch (e) { if (e.code === 'EBADF') return false; throw e; } };
// Four pipe ends without close-on-exec, moved to known numbers far above Node's own fds.
const [a, b] = sys.pipe2(0);
const [c, d] = sys.pipe2(0);
const fds = [200, 201, 202, 203];
[a, b, c, d].forEach((fd, i) => { sys.dup2(fd, fds[i]); fs.closeSync(fd); });
const before = fds.map(cloexec);
sys.closeRange(201, 202, sys.CLOSE_RANGE_CLOEXEC);
const marked = fds.map(cloexec);
sys.closeRange(202, 0xffffffff, sys.CLOSE_RANGE_CLOEXEC);
const toTheEnd = fds.map(cloexec);
sys.closeRange(201, 202);
const stillOpen = fds.map(open);
let badRange;
try { sys.closeRange(10, 5); } catch (e) { badRange = errInfo(e); }
out({ before, marked, toTheEnd, stillOpen, badRange });
`);
  assert.is(r.status, 0, r.why);
  const res = r.lines[0];
  assert.equal(res.before, [false, false, false, false], 'the case being tested: none close-on-exec');
  assert.equal(res.marked, [false, true, true, false]);
  assert.equal(res.toTheEnd, [false, true, true, true]);
  assert.equal(res.stillOpen, [true, false, false, true]);
  assert.is(res.badRange.code, 'EINVAL');
  assert.is(res.badRange.message, 'close_range fds 10-5: EINVAL (Invalid argument)');
});

test.run();
