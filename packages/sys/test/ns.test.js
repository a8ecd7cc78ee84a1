// nsOpen / nsEnter / nsUnshare for every namespace kind. Opening and identifying namespace files
// needs no privileges; entering runs in child Node processes (root).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, existsSync, fstatSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SysError, NS_FLAGS, nsOpen, nsEnter, nsType, nsUnshare } from '@nsrun/sys';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { runNode, startNode } from '@nsrun/test-helpers/child';

test('nsOpen(self, kind) opens the namespace of that kind for every kind the kernel has', () => {
  const missing = [];
  for (const [kind, flag] of /** @type {[keyof typeof NS_FLAGS, number][]} */ (Object.entries(NS_FLAGS))) {
    if (!existsSync(`/proc/self/ns/${kind}`)) {
      missing.push(kind);
      continue;
    }
    const fd = nsOpen('self', kind);
    try {
      assert.is(nsType(fd), flag, kind);
      assert.is(fstatSync(fd).ino, statSync(`/proc/self/ns/${kind}`).ino, kind);
    } finally {
      closeSync(fd);
    }
    const byPid = nsOpen(process.pid, kind);
    try {
      assert.is(fstatSync(byPid).ino, statSync(`/proc/self/ns/${kind}`).ino, kind);
    } finally {
      closeSync(byPid);
    }
  }
  if (missing.length) skip(`this kernel has no ${missing.join(', ')} namespace(s)`);
});

test('nsOpen refuses unknown kinds and bad pids (RangeError); a missing pid is SysError ENOENT naming the path', () => {
  // @ts-expect-error: no kind 'network'
  assert.throws(() => nsOpen('self', 'network'), RangeError);
  assert.throws(() => nsOpen(0, 'net'), RangeError);
  // @ts-expect-error: a pid is a number or 'self'
  assert.throws(() => nsOpen('1', 'net'), RangeError);
  // @ts-expect-error: no kind 'bogus'
  assert.throws(() => nsEnter(0, 'bogus'), RangeError);
  // @ts-expect-error: no kind 'bogus'
  assert.throws(() => nsUnshare('net', 'bogus'), RangeError);
  assert.throws(
    () => nsOpen(4194305, 'uts'),
    (e) => e instanceof SysError && e.code === 'ENOENT' && e.target === '/proc/4194305/ns/uts',
  );
});

test.run();

const k = kernelSuite('ns');

k('nsEnter follows another process into its mount and UTS namespaces, and back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-ns-'));
  const a = startNode(`
sys.nsUnshare('mnt', 'uts');
sys.mount(null, '/', null, sys.MS_REC | sys.MS_PRIVATE);
sys.mount('nsrun-a', ${JSON.stringify(dir)}, 'tmpfs');
fs.writeFileSync(${JSON.stringify(dir)} + '/marker', 'from a');
sys.sethostname('nsrun-ns-a');
out('ready');
fs.readSync(0, Buffer.alloc(1));
`);
  try {
    assert.is(await a.next(), 'ready');
    const r = runNode(`
const dir = ${JSON.stringify(dir)};
const res = { cwd0: process.cwd() };
const homeMnt = sys.nsOpen('self', 'mnt');
const homeUts = sys.nsOpen('self', 'uts');
const aMnt = sys.nsOpen(${a.pid}, 'mnt');
const aUts = sys.nsOpen(${a.pid}, 'uts');
try { sys.nsEnter(aUts, 'net'); } catch (e) { res.wrongKind = errInfo(e); }
sys.nsEnter(aMnt, 'mnt');
sys.nsEnter(aUts, 'uts');
res.inside = { marker: fs.readFileSync(dir + '/marker', 'utf8'), host: sys.gethostname(), cwd: process.cwd() };
sys.nsEnter(homeMnt, 'mnt');
sys.nsEnter(homeUts, 'uts');
res.back = { marker: fs.existsSync(dir + '/marker'), host: sys.gethostname() };
out(res);
`);
    assert.is(r.status, 0, r.why);
    const res = r.lines[0];
    assert.equal([res.wrongKind.syscall, res.wrongKind.code], ['setns', 'EINVAL'], 'the kernel checks the kind');
    assert.equal(res.inside, { marker: 'from a', host: 'nsrun-ns-a', cwd: '/' }, 'setns(mnt) also moves root and cwd to the namespace root');
    assert.equal(res.back, { marker: false, host: readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() });
  } finally {
    a.end();
    await a.exit;
    rmSync(dir, { recursive: true, force: true });
  }
});

k('nsUnshare of several kinds moves the main thread into new ones; other threads stay', () => {
  const r = runNode(`
const kinds = ['net', 'uts', 'ipc', 'mnt', 'cgroup'];
const ino = (p) => fs.statSync(p).ino;
const before = Object.fromEntries(kinds.map((k) => [k, ino('/proc/thread-self/ns/' + k)]));
sys.nsUnshare(...kinds);
const after = Object.fromEntries(kinds.map((k) => [k, ino('/proc/thread-self/ns/' + k)]));
// /proc/PID/task/TID for another thread of this process (a V8 or libuv thread).
const other = fs.readdirSync('/proc/self/task').find((t) => Number(t) !== process.pid);
const otherNet = ino('/proc/self/task/' + other + '/ns/net');
out({ changed: kinds.filter((k) => before[k] !== after[k]), otherStayed: otherNet === before.net });
`);
  assert.is(r.status, 0, r.why);
  assert.equal(r.lines[0], { changed: ['net', 'uts', 'ipc', 'mnt', 'cgroup'], otherStayed: true });
});

k.run();
