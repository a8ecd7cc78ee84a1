// spawnProcess's closeOtherFds (posix_spawn_file_actions_addclosefrom_np): the child gets the fds
// it is given, in place even when sources and targets cross, and nothing else, close-on-exec or
// not; this process's fds keep their flags. Where glibc is older than 2.34: SysError ENOSYS
// before anything started.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runNode } from '@nsrun/test-helpers/child';

test('closeOtherFds: only the fds given reach the child (not one without close-on-exec), and that fd keeps its flag here', () => {
  const r = runNode(`
const [r3, w3] = sys.pipe2();
const [r4, w4] = sys.pipe2();
const open = fs.openSync('/dev/null', 'r');
sys.setCloexec(open, false); // as one inherited from this program's parent
// Child fd 3 <- our r3's copy at 4 and fd 4 <- w4: sources that cross the targets.
const four = sys.fcntl(r3, sys.F_DUPFD_CLOEXEC, 0);
let c;
try {
  c = sys.spawnProcess('/bin/sh', ['sh', '-c', 'exec >&4; ls /proc/$$/fd; echo end'], { fds: [0, 1, 2, four, w4], closeOtherFds: true });
} catch (e) {
  out({ error: errInfo(e) });
  process.exit(0);
}
const exit = await c.exited;
fs.closeSync(w4);
const buf = Buffer.alloc(256);
let text = '';
for (let n; (n = fs.readSync(r4, buf)) > 0; ) text += buf.toString('utf8', 0, n);
out({ exit, text, flag: sys.fcntl(open, sys.F_GETFD) });
`);
  assert.is(r.status, 0, r.why);
  const [res] = r.lines;
  if (res.error) {
    assert.is(res.error.code, 'ENOSYS', JSON.stringify(res.error));
    assert.is(res.error.syscall, 'posix_spawn_file_actions_addclosefrom_np');
    return console.log('  (glibc before 2.34: closeOtherFds refused, as it should be)');
  }
  assert.equal(res.exit, { code: 0, signal: null });
  assert.is(res.text, '0\n1\n2\n3\n4\nend\n');
  assert.is(res.flag, 0, 'this process keeps the fd without close-on-exec');
});

test.run();
