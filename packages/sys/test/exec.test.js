// execve from Node, checked from the program it starts: exact argv/envp, fds 0-2 usable and
// blocking, no signal ignored or blocked, exit code passed on, same pid. Each execve runs in a
// child Node process (it replaces the process); the failure cases run there too, so this test
// process never changes its own state. No privileges needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode, childCode } from '@nsrun/test-helpers/child';

const GREP = ['/usr/bin/grep', '/bin/grep'].find((p) => existsSync(p));

/** In the child: what /proc says about signals and fds 0-2 right now. */
const SNAPSHOT = `const snapshot = () => {
  const status = fs.readFileSync('/proc/thread-self/status', 'utf8');
  const field = (k) => new RegExp('^' + k + ':\\\\s*(\\\\S+)', 'm').exec(status)[1];
  const fds = [0, 1, 2].map((fd) => ({ fd: sys.fcntl(fd, sys.F_GETFD), fl: sys.fcntl(fd, sys.F_GETFL) }));
  return { sigIgn: field('SigIgn'), sigBlk: field('SigBlk'), fds };
};`;

test('the new program gets exactly argv and envp (spaces, empty strings), stdout and stderr, the same pid, and its exit code', () => {
  const script =
    'echo "pid=$$"; tr "\\0" "|" < /proc/$$/cmdline; echo; tr "\\0" "|" < /proc/$$/environ; echo; printf "%s|" "$@"; printf "%s\\n" "$FOO"; echo out; echo err >&2; exit 7';
  const r = runNode(`
process.stdout.write(''); process.stderr.write(''); // let libuv set up its stdio pipes first
sys.execve('/bin/sh', ['sh', '-c', ${JSON.stringify(script)}, 'x', 'a b', '', 'é'], { FOO: 'bar baz', EMPTY: '', SKIPPED: undefined, 'UTF8_é': 'ü' });
`);
  assert.is(r.status, 7, r.why);
  const lines = r.stdout.split('\n');
  assert.is(lines[0], `pid=${r.pid}`, 'execve keeps the pid');
  assert.is(lines[1], `sh|-c|${script}|x|a b||é|`);
  assert.is(lines[2], 'FOO=bar baz|EMPTY=|UTF8_é=ü|', 'exactly the given environment, in order, nothing added');
  assert.is(lines[3], 'a b||é|bar baz');
  assert.is(lines[4], 'out');
  assert.is(r.stderr, 'err\n');
});

test('envp as KEY=value strings, or process.env by default; 2000 arguments', () => {
  const list = runNode(`sys.execve('/bin/sh', ['sh', '-c', 'tr "\\\\0" "|" < /proc/$$/environ'], ['A=1', 'B=2=3', 'NOEQUALS']);`);
  assert.is(list.status, 0, list.why);
  assert.is(list.stdout, 'A=1|B=2=3|NOEQUALS|');

  const inherited = runNode(`sys.execve('/bin/sh', ['sh', '-c', 'printf "%s" "$NSRUN_MARK"']);`, {
    env: { PATH: process.env.PATH, NSRUN_MARK: 'from parent' },
  });
  assert.is(inherited.stdout, 'from parent', inherited.why);

  const many = runNode(`sys.execve('/bin/sh', ['sh', '-c', 'echo "$# $1 $2000"', 'sh', ...Array.from({ length: 2000 }, (_, i) => 'arg-' + (i + 1))], {});`);
  assert.is(many.stdout, '2000 arg-1 arg-2000\n', many.why);
});

test('no signal stays ignored or blocked: Node ignores SIGPIPE and SIGXFSZ, the child blocked two more', () => {
  assert.ok(GREP, 'grep is installed');
  const r = runNode(`${SNAPSHOT}
sys.sigprocmask(sys.SIG_BLOCK, ['SIGUSR1', 'SIGTERM']);
out(snapshot());
sys.execve(${JSON.stringify(GREP)}, ['grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status'], {});
`);
  assert.is(r.status, 0, r.why);
  const [before] = r.lines;
  // Bits are signal - 1: SIGPIPE 13 -> 0x1000, SIGXFSZ 25 -> 0x1000000; SIGUSR1 10, SIGTERM 15.
  assert.is(before.sigIgn, '0000000001001000', 'the case being tested: Node ignores SIGPIPE and SIGXFSZ');
  assert.is(before.sigBlk, '0000000000004200');
  const after = r.stdout.split('\n').filter((l) => l.startsWith('Sig'));
  assert.equal(after, ['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000']);
});

test('fds 0-2 are passed on without close-on-exec and blocking: 1 MB through a slow pipe arrives whole', () => {
  const body = `${SNAPSHOT}
process.stdin; process.stdout.write(''); process.stderr.write(''); // libuv: O_NONBLOCK on its pipes, FD_CLOEXEC
fs.writeSync(2, JSON.stringify(snapshot()) + '\\n');
sys.execve('/bin/sh', ['sh', '-c', 'for f in 0 1 2; do grep ^flags /proc/self/fdinfo/$f >&2; done; head -c 1000000 /dev/zero; echo "head=$?" >&2']);
`;
  // The reader starts late: a non-blocking stdout would fill the 64 KiB pipe and fail with EAGAIN.
  const r = spawnSync('/bin/sh', ['-c', 'echo | "$0" --input-type=module -e "$1" | (sleep 0.3; wc -c)', process.execPath, childCode(body)], {
    encoding: 'utf8',
  });
  const [snapLine, ...flagLines] = r.stderr.trim().split('\n');
  const before = JSON.parse(snapLine);
  assert.ok(before.fds[1].fl & 0o4000, `the case being tested: libuv made stdout non-blocking (${r.stderr})`);
  assert.ok(
    before.fds.every((f) => f.fd & 1),
    'and every stdio fd close-on-exec',
  );
  const flags = flagLines.slice(0, 3).map((l) => parseInt(/^flags:\s*([0-7]+)/.exec(l)[1], 8));
  assert.is(flags.length, 3, r.stderr);
  for (const f of flags) assert.is(f & 0o4000, 0, `O_NONBLOCK cleared: ${r.stderr}`);
  assert.is(r.stdout.trim(), '1000000', r.stderr);
  assert.ok(r.stderr.includes('head=0'), r.stderr);
});

test('a failed execve throws SysError (ENOENT, EACCES, ENOEXEC) naming the path and leaves the process as it was', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-exec-'));
  try {
    const script = join(dir, 'not-executable');
    writeFileSync(script, '#!/bin/sh\necho should not run\n');
    chmodSync(script, 0o644);
    const garbage = join(dir, 'garbage');
    writeFileSync(garbage, Buffer.from([1, 2, 3, 4, 0, 0, 0, 0]));
    chmodSync(garbage, 0o755);
    const r = runNode(`${SNAPSHOT}
process.stdout.write('');
const before = snapshot();
const errors = {};
for (const path of ['/nonexistent/nsrun-prog', ${JSON.stringify(script)}, ${JSON.stringify(garbage)}, ${JSON.stringify(dir)}]) {
  try {
    sys.execve(path, ['x'], {});
    errors[path] = 'returned';
  } catch (e) {
    errors[path] = { ...errInfo(e), isSysError: e instanceof sys.SysError };
  }
}
out({ before, after: snapshot(), errors });
`);
    assert.is(r.status, 0, r.why);
    const [{ before, after, errors }] = r.lines;
    const expect = (path, code) => {
      const e = errors[path];
      assert.ok(e.isSysError, `${path}: ${JSON.stringify(e)}`);
      assert.is(e.syscall, 'execve');
      assert.is(e.code, code, path);
      assert.is(e.target, path);
      assert.ok(e.message.startsWith(`execve ${path}: ${code}`), e.message);
    };
    expect('/nonexistent/nsrun-prog', 'ENOENT');
    expect(script, 'EACCES'); // no execute bit: root gets EACCES too
    expect(garbage, 'ENOEXEC'); // no #! and no ELF: the kernel refuses; only a shell would try sh
    expect(dir, 'EACCES');
    assert.equal(after, before, 'signals, mask and fd flags are back as they were');
    assert.is(before.sigIgn, '0000000001001000');
    assert.ok(before.fds[1].fl & 0o4000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad arguments are refused before anything changes (TypeError)', () => {
  const r = runNode(`
const tries = {
  nulInArg: () => sys.execve('/bin/sh', ['sh', 'a\\0b'], {}),
  nulInPath: () => sys.execve('/bin/s\\0h', ['sh'], {}),
  nulInEnv: () => sys.execve('/bin/sh', ['sh'], { A: 'x\\0y' }),
  eqInName: () => sys.execve('/bin/sh', ['sh'], { 'A=B': 'x' }),
  emptyName: () => sys.execve('/bin/sh', ['sh'], { '': 'x' }),
  notArray: () => sys.execve('/bin/sh', 'sh', {}),
};
const res = {};
for (const [k, f] of Object.entries(tries)) { try { f(); res[k] = 'returned'; } catch (e) { res[k] = e.name + ': ' + e.message; } }
out(res);
`);
  assert.is(r.status, 0, r.why);
  for (const [k, v] of Object.entries(r.lines[0])) assert.match(v, /^TypeError: /, k);
  assert.match(r.lines[0].nulInArg, /argv\[1\] must not contain a NUL/);
});

test.run();
