// posix_spawn from Node (spawnProcess), checked from the program it starts and through /proc:
// exact argv/envp, the fds it is given in place (and nothing else), cwd, a new session, no
// signal ignored, handled or blocked, exit codes and deaths by signal reaped without blocking
// the event loop (and beside child_process's children), kill, failures. Each case runs in a
// child Node process (signal listeners, masks and pid namespaces stay there).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from '@nsrun/test-helpers/child';

const isRoot = process.getuid?.() === 0;

/** In the child: the fds /proc lists for `pid`, each with its fdinfo flags (octal). */
const FDS_OF = `const fdsOf = (pid) => Object.fromEntries(fs.readdirSync('/proc/' + pid + '/fd').map((f) => [f, /^flags:\\s*(\\d+)/m.exec(fs.readFileSync('/proc/' + pid + '/fdinfo/' + f, 'utf8'))[1]]));
const ownFds = () => fs.readdirSync('/proc/self/fd').filter((f) => { try { fs.readlinkSync('/proc/self/fd/' + f); return true; } catch { return false; } }).sort().join(' ');`;

test('argv and envp exactly as given, no PATH search, the cwd, the exit code; the parent keeps no fd', async () => {
  const script = 'tr "\\0" "|" < /proc/$$/cmdline; echo; tr "\\0" "|" < /proc/$$/environ; echo; pwd; exit 7';
  const r = runNode(`${FDS_OF}
const before = ownFds();
const c = sys.spawnProcess('/bin/sh', ['sh', '-c', ${JSON.stringify(script)}, 'x', 'a b', '', 'é'], { env: { FOO: 'bar baz', EMPTY: '', SKIPPED: undefined }, cwd: '/usr' });
const exit = await c.exited;
let noPath;
try { sys.spawnProcess('sh', ['sh', '-c', 'exit 0'], { env: { PATH: '/bin:/usr/bin' } }); noPath = 'started'; } catch (e) { noPath = errInfo(e); }
out({ exit, pid: c.pid, exitAfter: c.exit, killAfter: c.kill(), noPath, fdsSame: ownFds() === before });
`);
  assert.is(r.status, 0, r.why);
  const lines = r.stdout.split('\n');
  assert.is(lines[0], `sh|-c|${script}|x|a b||é|`);
  assert.is(lines[1], 'FOO=bar baz|EMPTY=|', 'exactly the given environment, nothing added');
  assert.is(lines[2], '/usr');
  const res = r.lines[0];
  assert.equal(res.exit, { code: 7, signal: null });
  assert.equal(res.exitAfter, { code: 7, signal: null });
  assert.is(res.killAfter, false, 'a reaped child is not signalled (its pid may be reused)');
  assert.is(res.noPath.code, 'ENOENT', 'no PATH search: "sh" is a relative path');
  assert.is(res.noPath.syscall, 'posix_spawn');
  assert.ok(res.fdsSame, 'no fd left open in the parent');
});

test("the child's fds: those given, in place and without close-on-exec, even when sources and targets cross; nothing else", async () => {
  // Child fd 1 <- our 2 and 2 <- our 1: dup2 in order would make both the same file. Fds 3 and 4
  // are pipes opened close-on-exec; fd 4 is given as its own number when it happens to be 4.
  const r = runNode(`${FDS_OF}
const [r3, w3] = sys.pipe2();
const [r4, w4] = sys.pipe2();
sys.setNonblock(w4, true);
const before = ownFds();
// Fds this process inherited without close-on-exec (from whoever started the test) pass on, as with exec.
const inherited = before.split(' ').filter((f) => Number(f) > 2 && !(sys.fcntl(Number(f), sys.F_GETFD) & sys.FD_CLOEXEC));
const c = sys.spawnProcess('/bin/sh', ['sh', '-c', 'echo to-1; echo to-2 >&2; echo ready >&4; read x <&3; echo "got $x" >&4'], { fds: [0, 2, 1, r3, w4] });
const buf = Buffer.alloc(64);
const ready = buf.toString('utf8', 0, fs.readSync(r4, buf)); // its exec is over (close-on-exec fds closed)
const inChild = fdsOf(c.pid); // it waits on fd 3
fs.writeSync(w3, 'go\\n');
const exit = await c.exited;
const n = fs.readSync(r4, buf);
const after = ownFds();
for (const fd of [r3, w3, r4, w4]) fs.closeSync(fd);
out({ inChild, inherited, exit, reply: ready + buf.toString('utf8', 0, n), fdsSame: after === before });
`);
  assert.is(r.status, 0, r.why);
  const [{ inChild, inherited, exit, reply, fdsSame }] = r.lines;
  // The shell's own copies (dash saves fd 0 at fd 10 while `read` redirects it) are close-on-exec.
  const passed = Object.keys(inChild).filter((fd) => !(Number.parseInt(inChild[fd], 8) & 0o2000000));
  assert.equal(passed.sort(), ['0', '1', '2', '3', '4', ...inherited].sort(), `only the fds given, not close-on-exec: ${JSON.stringify(inChild)}`);
  assert.is(Number.parseInt(inChild['4'], 8) & 0o4000, 0o4000, 'fds above 2 keep their O_NONBLOCK');
  assert.equal(exit, { code: 0, signal: null });
  assert.is(reply, 'ready\ngot go\n');
  assert.ok(r.stderr.startsWith('to-1\n'), `the child's fd 1 is the parent's fd 2: ${r.stderr}`);
  assert.ok(r.stdout.includes('to-2'), `the child's fd 2 is the parent's fd 1: ${r.stdout}`);
  assert.ok(fdsSame, 'the moved copies are closed again');
});

test('fds 0-2 are made blocking (as libuv does): 1 MB through a slow pipe arrives whole', () => {
  const r = runNode(
    `
const [rd, wr] = sys.pipe2();
sys.setNonblock(wr, true);
const c = sys.spawnProcess('/bin/sh', ['sh', '-c', 'head -c 1000000 /dev/zero; echo "head=$?" >&2'], { fds: [0, wr, 2] });
fs.closeSync(wr);
await new Promise((r) => setTimeout(r, 300)); // the reader starts late: a non-blocking fd 1 would fail with EAGAIN
let total = 0;
const buf = Buffer.alloc(65536);
for (let n; (n = fs.readSync(rd, buf)) > 0; ) total += n;
out({ total, exit: await c.exited });
`,
  );
  assert.is(r.status, 0, r.why);
  assert.equal(r.lines[0], { total: 1000000, exit: { code: 0, signal: null } });
  assert.ok(r.stderr.includes('head=0'), r.stderr);
});

test('no signal ignored, handled or blocked in the child: Node ignores SIGPIPE and SIGXFSZ, handles SIGUSR1 here, blocks two more', async () => {
  const r = runNode(`
process.on('SIGUSR1', () => {});
sys.sigprocmask(sys.SIG_BLOCK, ['SIGUSR2', 'SIGTERM']);
const field = (s, k) => new RegExp('^' + k + ':\\\\s*(\\\\S+)', 'm').exec(s)[1];
const mine = fs.readFileSync('/proc/thread-self/status', 'utf8');
const c = sys.spawnProcess('/bin/sleep', ['sleep', '10'], { env: {} });
const child = fs.readFileSync('/proc/' + c.pid + '/status', 'utf8');
c.kill('SIGKILL');
await c.exited;
out(Object.fromEntries(['SigIgn', 'SigCgt', 'SigBlk'].flatMap((k) => [['parent' + k, field(mine, k)], ['child' + k, field(child, k)]])));
`);
  assert.is(r.status, 0, r.why);
  const s = r.lines[0];
  // Bits are signal - 1: SIGPIPE 13 -> 0x1000, SIGXFSZ 25 -> 0x1000000; SIGUSR1 10 -> 0x200.
  assert.is(s.parentSigIgn, '0000000001001000', 'the case being tested: Node ignores SIGPIPE and SIGXFSZ');
  assert.ok(BigInt(`0x${s.parentSigCgt}`) & 0x200n, 'and handles SIGUSR1');
  assert.is(s.parentSigBlk, '0000000000004800', 'and SIGUSR2, SIGTERM are blocked');
  // glibc's posix_spawn sets its own signals 32 and 33 to SIG_IGN unless told to reset them.
  assert.is(s.childSigIgn, '0000000000000000');
  assert.is(s.childSigBlk, '0000000000000000');
  assert.is(s.childSigCgt, '0000000000000000', 'sleep catches nothing');
});

test('setsid: the child leads a new session; without it, it stays in ours', async () => {
  const r = runNode(`
const sid = (pid) => Number(fs.readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' ')[3]);
const a = sys.spawnProcess('/bin/sleep', ['sleep', '10'], { setsid: true });
const b = sys.spawnProcess('/bin/sleep', ['sleep', '10']);
const res = { a: a.pid, aSid: sid(a.pid), bSid: sid(b.pid), mySid: sid(process.pid) };
a.kill('SIGKILL'); b.kill('SIGKILL');
await Promise.all([a.exited, b.exited]);
out(res);
`);
  assert.is(r.status, 0, r.why);
  const s = r.lines[0];
  assert.is(s.aSid, s.a);
  assert.is(s.bSid, s.mySid);
});

test('exit codes and deaths by signal; kill() while it runs; the event loop waits for the child unless unref()', async () => {
  const r = runNode(`
const run = (script) => sys.spawnProcess('/bin/sh', ['sh', '-c', script]).exited;
const res = {
  code: await run('exit 42'),
  selfKilled: await run('kill -KILL $$'),
};
const c = sys.spawnProcess('/bin/sleep', ['sleep', '10'], { fds: [] });
res.killed = c.kill('SIGTERM');
res.term = await c.exited;
res.killAgain = c.kill('SIGTERM');
// Nothing else keeps this process alive: it must wait for the child to print its line.
sys.spawnProcess('/bin/sh', ['sh', '-c', 'sleep 0.3; echo late']).exited.then((e) => out({ late: e }));
const unreffed = sys.spawnProcess('/bin/sleep', ['sleep', '60'], { fds: [] });
unreffed.unref();
out({ ...res, unreffed: unreffed.pid });
`);
  assert.is(r.status, 0, r.why);
  const [res, late] = r.lines;
  assert.equal(res.code, { code: 42, signal: null });
  assert.equal(res.selfKilled, { code: null, signal: 9 });
  assert.is(res.killed, true);
  assert.equal(res.term, { code: null, signal: 15 });
  assert.is(res.killAgain, false);
  assert.equal(late, { late: { code: 0, signal: null } }, 'the process waited for the child');
  assert.ok(r.stdout.includes('late\n'));
  // It exited while the unref()d child still sleeps (else runNode's timeout would have ended it).
  let alive = true;
  try {
    process.kill(res.unreffed, 'SIGKILL');
  } catch {
    alive = false;
  }
  assert.ok(alive, 'an unref()d child does not keep the process alive');
});

test('beside child_process: many children exiting at once, each reaped by its own owner with its own status', async () => {
  const r = runNode(`
const { spawn, spawnSync } = await import('node:child_process');
const ours = Array.from({ length: 20 }, (_, i) => sys.spawnProcess('/bin/sh', ['sh', '-c', 'sleep 0.2; exit ' + i]));
const theirs = Array.from({ length: 5 }, (_, i) => new Promise((resolve) => spawn('/bin/sh', ['-c', 'sleep 0.2; exit ' + (100 + i)]).on('exit', (code, signal) => resolve({ code, signal }))));
const sync = spawnSync('/bin/sh', ['-c', 'sleep 0.3; exit 77']).status;
out({ ours: await Promise.all(ours.map((c) => c.exited)), theirs: await Promise.all(theirs), sync });
`);
  assert.is(r.status, 0, r.why);
  const { ours, theirs, sync } = r.lines[0];
  assert.equal(
    ours,
    Array.from({ length: 20 }, (_, i) => ({ code: i, signal: null })),
  );
  assert.equal(
    theirs,
    Array.from({ length: 5 }, (_, i) => ({ code: 100 + i, signal: null })),
  );
  assert.is(sync, 77);
});

test('a failed start throws SysError naming the program (or the missing cwd), synchronously; nothing left open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-spawn-'));
  try {
    const script = join(dir, 'not-executable');
    writeFileSync(script, '#!/bin/sh\necho should not run\n');
    chmodSync(script, 0o644);
    const r = runNode(`${FDS_OF}
const before = ownFds();
const errors = {};
for (const [k, path, cwd] of [['missing', '/nonexistent/nsrun-prog'], ['notExecutable', ${JSON.stringify(script)}], ['dir', ${JSON.stringify(dir)}], ['cwd', '/bin/true', '/nonexistent-cwd']]) {
  try {
    sys.spawnProcess(path, ['x'], { fds: [0, 1, 2], ...(cwd && { cwd }) });
    errors[k] = 'started';
  } catch (e) {
    errors[k] = { ...errInfo(e), isSysError: e instanceof sys.SysError };
  }
}
const bad = {};
for (const [k, f] of Object.entries({
  nulInArg: () => sys.spawnProcess('/bin/sh', ['sh', 'a\\0b']),
  eqInName: () => sys.spawnProcess('/bin/sh', ['sh'], { env: { 'A=B': 'x' } }),
  badFd: () => sys.spawnProcess('/bin/sh', ['sh'], { fds: [0, -1] }),
  notArray: () => sys.spawnProcess('/bin/sh', 'sh'),
})) { try { f(); bad[k] = 'started'; } catch (e) { bad[k] = e.name + ': ' + e.message; } }
out({ errors, bad, fdsSame: ownFds() === before });
`);
    assert.is(r.status, 0, r.why);
    const { errors, bad, fdsSame } = r.lines[0];
    const expect = (k, code, target) => {
      const e = errors[k];
      assert.ok(e.isSysError, `${k}: ${JSON.stringify(e)}`);
      assert.is(e.syscall, 'posix_spawn');
      assert.is(e.code, code, k);
      assert.is(e.target, target);
      assert.ok(e.message.startsWith(`posix_spawn ${target}: ${code} (`), e.message);
    };
    expect('missing', 'ENOENT', '/nonexistent/nsrun-prog');
    expect('notExecutable', 'EACCES', script);
    expect('dir', 'EACCES', dir);
    expect('cwd', 'ENOENT', 'cwd /nonexistent-cwd');
    assert.match(bad.nulInArg, /^TypeError: argv\[1\] must not contain a NUL/);
    assert.match(bad.eqInName, /^TypeError: posix_spawn: invalid environment variable name/);
    assert.match(bad.badFd, /^RangeError: /);
    assert.match(bad.notArray, /^TypeError: /);
    assert.ok(fdsSame, 'no fd left open');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after unshare(CLONE_NEWPID) on the main thread: the child is PID 1 of the new pid namespace, and its exit is reaped', async () => {
  if (!isRoot) {
    console.log('# SKIP not root: unshare(CLONE_NEWPID) needs CAP_SYS_ADMIN');
    return;
  }
  const r = runNode(`
await fs.promises.stat('/'); // the libuv pool runs before the unshare: no thread can start after it
sys.nsUnshare('pid');
const [rd, wr] = sys.pipe2();
const c = sys.spawnProcess('/bin/sh', ['sh', '-c', 'echo $$ >&3; kill -KILL $$; exit 3'], { fds: [0, 1, 2, wr] });
fs.closeSync(wr);
const buf = Buffer.alloc(16);
const n = fs.readSync(rd, buf);
out({ inside: buf.toString('utf8', 0, n).trim(), pid: c.pid, exit: await c.exited });
`);
  assert.is(r.status, 0, r.why);
  const s = r.lines[0];
  assert.is(s.inside, '1', 'PID 1 inside');
  assert.ok(s.pid > 1, 'another pid outside');
  // PID 1 ignores signals it has no handler for, even SIGKILL from inside: it exits 3.
  assert.equal(s.exit, { code: 3, signal: null });
});

test.run();
