// kill, getppid, prctl (parent-death signal, child subreaper, thread name) and the host name.
// Anything that changes process state runs in a child Node process. The host name test needs
// root (a UTS namespace of the child's own); the rest runs unprivileged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { SysError, kill, getppid, gethostname, signalNumber, sigset, sigsetSignals } from '@nsrun/sys';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { runNode, childCode } from '@nsrun/test-helpers/child';

/** Above the largest possible pid_max (2^22): never a live process. */
const NO_PID = 4194305;

test('getppid is the parent pid Node reports', () => {
  assert.is(getppid(), process.ppid);
});

test('signalNumber takes names and numbers; sigset/sigsetSignals round trip', () => {
  assert.is(signalNumber('SIGTERM'), 15);
  assert.is(signalNumber(9), 9);
  assert.is(signalNumber(0), 0);
  for (const bad of ['SIGNOPE', 'TERM', -1, 65, 1.5, NaN]) assert.throws(() => signalNumber(bad), RangeError, String(bad));
  const set = sigset(['SIGPIPE', 25, 64]);
  assert.is(set.length, 128);
  assert.is(set.readBigUInt64LE(0), (1n << 12n) | (1n << 24n) | (1n << 63n));
  assert.equal(sigsetSignals(set), [13, 25, 64]);
});

test('kill(pid, 0) finds a live process; a signal ends it; afterwards, and for an impossible pid, ESRCH', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const exited = once(child, 'exit');
  try {
    kill(child.pid, 0);
    kill(child.pid, 'SIGTERM');
    const [code, signal] = await exited;
    assert.is(code, null);
    assert.is(signal, 'SIGTERM');
  } finally {
    child.kill('SIGKILL');
  }
  // Node reaped it when 'exit' fired: the pid is free now.
  assert.throws(
    () => kill(child.pid, 0),
    (e) => e instanceof SysError && e.code === 'ESRCH' && e.syscall === 'kill' && e.target === `pid ${child.pid} signal 0`,
  );
  assert.throws(
    () => kill(NO_PID, 'SIGKILL'),
    (e) => e instanceof SysError && e.code === 'ESRCH' && e.target === `pid ${NO_PID} signal 9`,
  );
  assert.throws(() => kill(child.pid, 'SIGNOPE'), RangeError);
  assert.throws(() => kill(1.5, 0), RangeError);
});

test('kill of a process of another user: EPERM without privileges, allowed for root', () => {
  // pid 1 belongs to root (the machine's init, or the test sandbox's first process).
  if (process.getuid() === 0) kill(1, 0);
  else
    assert.throws(
      () => kill(1, 0),
      (e) => e instanceof SysError && e.code === 'EPERM',
    );
});

test('prctl round trips in a child: parent-death signal, child subreaper, thread name', () => {
  const r = runNode(`
const res = {};
res.pdeath0 = sys.getParentDeathSignal();
sys.setParentDeathSignal('SIGTERM');
res.pdeathTerm = sys.getParentDeathSignal();
sys.setParentDeathSignal(0);
res.pdeathOff = sys.getParentDeathSignal();
res.reaper0 = sys.getChildSubreaper();
sys.setChildSubreaper(true);
res.reaperOn = sys.getChildSubreaper();
res.name0 = sys.getThreadName();
sys.setThreadName('nsrun-a-long-thread-name');
res.name = sys.getThreadName();
res.comm = fs.readFileSync('/proc/self/comm', 'utf8');
try { sys.setParentDeathSignal(99); } catch (e) { res.badSig = e.name; }
try { sys.prctl(0x7fff1234); } catch (e) { res.badOption = errInfo(e); }
try { sys.setThreadName('a\\0b'); } catch (e) { res.nul = e.name; }
out(res);
`);
  assert.is(r.status, 0, r.why);
  const res = r.lines[0];
  assert.is(res.pdeath0, 0);
  assert.is(res.pdeathTerm, 15);
  assert.is(res.pdeathOff, 0);
  assert.is(res.reaper0, false);
  assert.is(res.reaperOn, true);
  assert.is(res.name0, 'node');
  assert.is(res.name, 'nsrun-a-long-th', 'the kernel keeps 15 bytes');
  assert.is(res.comm, 'nsrun-a-long-th\n');
  assert.is(res.badSig, 'RangeError');
  assert.is(res.badOption.code, 'EINVAL');
  assert.is(res.badOption.syscall, 'prctl');
  assert.is(res.nul, 'TypeError');
});

test('PDEATHSIG fires when the parent dies, and a subreaper inherits the orphan', () => {
  // C (subreaper) starts A (sh), A starts B (sets PDEATHSIG=SIGTERM). C kills A: B gets SIGTERM,
  // is re-parented to C and, as Node never reaps pids it did not spawn, stays a zombie whose
  // /proc/B/stat shows its parent and its wait status.
  const b = childCode(`
sys.setParentDeathSignal('SIGTERM');
out({ pid: process.pid, ppid: sys.getppid(), pdeathsig: sys.getParentDeathSignal() });
setInterval(() => {}, 1000);
`);
  const r = runNode(`
import { spawn } from 'node:child_process';
sys.setChildSubreaper(true);
const a = spawn('/bin/sh', ['-c', '"$0" --input-type=module -e "$1" & wait', process.execPath, ${JSON.stringify(b)}], { stdio: ['ignore', 'pipe', 'inherit'] });
let text = '';
a.stdout.setEncoding('utf8');
for await (const chunk of a.stdout) { text += chunk; if (text.includes('\\n')) break; }
const info = JSON.parse(text);
a.kill('SIGKILL');
const stat = () => { const s = fs.readFileSync('/proc/' + info.pid + '/stat', 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' '); };
const until = Date.now() + 10000;
while (stat()[0] !== 'Z') { if (Date.now() > until) throw new Error('B did not die: ' + stat().join(' ')); await new Promise((r) => setTimeout(r, 10)); }
const f = stat(); // f[0] is field 3 (state), so field N is f[N - 3]
out({ a: a.pid, me: process.pid, b: info, state: f[0], ppid: Number(f[1]), exitCode: Number(f[49]) });
`);
  assert.is(r.status, 0, r.why);
  const res = r.lines[0];
  assert.is(res.b.ppid, res.a, 'B started as the child of A');
  assert.is(res.b.pdeathsig, 15);
  assert.is(res.state, 'Z');
  assert.is(res.ppid, res.me, 'the orphan went to the subreaper, not to init');
  assert.is(res.exitCode & 0x7f, 15, 'B was killed by SIGTERM');
});

test.run();

const k = kernelSuite('hostname');
k('sethostname in a child with its own UTS namespace; the test process keeps its name', () => {
  const mine = gethostname();
  assert.is(mine, hostname());
  const r = runNode(`
const before = sys.gethostname();
sys.nsUnshare('uts');
sys.sethostname('nsrun-uts-test');
const res = { before, after: sys.gethostname(), os: (await import('node:os')).hostname(), proc: fs.readFileSync('/proc/sys/kernel/hostname', 'utf8') };
sys.sethostname('h'.repeat(64));
res.max = sys.gethostname();
try { sys.sethostname('h'.repeat(65)); } catch (e) { res.tooLong = errInfo(e); }
out(res);
`);
  assert.is(r.status, 0, r.why);
  const res = r.lines[0];
  assert.is(res.before, mine);
  assert.is(res.after, 'nsrun-uts-test');
  assert.is(res.os, 'nsrun-uts-test', 'os.hostname() runs on the main thread: it sees the new name');
  assert.is(res.proc, 'nsrun-uts-test\n');
  assert.is(res.max, 'h'.repeat(64));
  assert.is(res.tooLong.code, 'EINVAL');
  assert.is(res.tooLong.target, 'h'.repeat(65));
  assert.is(gethostname(), mine);
});

k('sethostname without CAP_SYS_ADMIN (a child running as nobody) is EPERM', () => {
  const r = runNode(`try { sys.sethostname('nsrun-nope'); out('changed'); } catch (e) { out(errInfo(e)); }`, { uid: 65534, gid: 65534 });
  assert.is(r.status, 0, r.why);
  assert.is(r.lines[0].code, 'EPERM');
  assert.is(r.lines[0].syscall, 'sethostname');
});

k.run();
