// @nsrun/runner's API: option checks in-process (they never touch a namespace), and run()
// itself in child Node processes (root, inside the test sandbox), so this process never
// unshares: after run() resolves or rejects, the child reports its own namespaces, cwd and
// children, which must be exactly what they were before.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { RunnerError, validateRunOptions, exitStatus } from '@nsrun/runner';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

const RUNNER_URL = import.meta.resolve('@nsrun/runner');

function refused(opts) {
  try {
    validateRunOptions(opts);
  } catch (e) {
    return e;
  }
  return assert.unreachable(`expected ${JSON.stringify(opts)} to be refused`);
}

test('validateRunOptions names the refused field, before the privilege check', () => {
  const cases = [
    [{ command: [] }, 'command'],
    [{}, 'command'],
    [{ command: [''] }, 'command'],
    [{ command: ['a\0b'] }, 'command'],
    [{ command: ['true'], hostname: 'x'.repeat(65) }, 'hostname'],
    [{ command: ['true'], hostname: 'bad_name' }, 'hostname'],
    [{ command: ['true'], hostname: '-lead' }, 'hostname'],
    [{ command: ['true'], hostname: '' }, 'hostname'],
    [{ command: ['true'], net: 'bridged' }, 'net'],
    [{ command: ['true'], env: { 'A=B': 'x' } }, 'env'],
    [{ command: ['true'], env: { A: 1 } }, 'env'],
    [{ command: ['true'], cwd: '/nonexistent-nsrun-dir' }, 'cwd'],
    [{ command: ['true'], cwd: '/etc/passwd' }, 'cwd'],
    [{ command: ['true'], stdio: 'pipe' }, 'stdio'],
  ];
  for (const [opts, field] of cases) {
    const e = refused(opts);
    assert.instance(e, RunnerError);
    assert.is(e.step, 'validate', JSON.stringify(opts));
    assert.is(e.field, field, JSON.stringify(opts));
    assert.match(e.message, new RegExp(`^validate: ${field}: `));
  }
  assert.match(refused({ command: ['true'], hostname: 'x'.repeat(65) }).message, /65 bytes, longer than 64/);
});

test('validateRunOptions: a 64-byte multi-label host name is fine; without root it says so', () => {
  const opts = { command: ['true'], hostname: `${'a'.repeat(31)}.${'b'.repeat(32)}`, env: { A: 'b' }, cwd: '/' };
  if (process.getuid() === 0) validateRunOptions(opts);
  else {
    const e = refused(opts);
    assert.is(e.step, 'privileges');
    assert.match(e.message, /needs root/);
  }
});

test('exitStatus: the code, 128+n for a signal', () => {
  assert.is(exitStatus(0, null), 0);
  assert.is(exitStatus(42, null), 42);
  assert.is(exitStatus(null, 'SIGKILL'), 137);
  assert.is(exitStatus(null, 'SIGTERM'), 143);
});

test.run();

/** Runs run(opts) in a child Node process; returns what it reports (JSON on stdout). */
function runInChild(opts) {
  const code = `import { run } from ${JSON.stringify(RUNNER_URL)};
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
const state = () => ({
  ns: Object.fromEntries(['mnt', 'uts', 'ipc', 'net', 'pid', 'pid_for_children'].map((k) => {
    try { return [k, fs.readlinkSync('/proc/thread-self/ns/' + k)]; } catch (e) { return [k, e.code]; }
  })),
  cwd: process.cwd(),
  realCwd: fs.readlinkSync('/proc/thread-self/cwd'),
  children: fs.readdirSync('/proc/self/task').map((t) => fs.readFileSync('/proc/self/task/' + t + '/children', 'utf8').trim()).join(' ').trim(),
});
const before = state();
let status = null, error = null, pid = null;
try {
  const h = await run(${JSON.stringify({ net: 'none', ...opts })});
  pid = h.pid;
  status = await h.wait();
} catch (e) {
  error = { name: e.name, step: e.step, message: e.message };
}
// A dead pid namespace for children (its PID 1 gone) would make this throw ENOMEM.
const spawnAfter = spawnSync('true').status;
fs.writeSync(1, JSON.stringify({ before, after: state(), status, error, pid, spawnAfter }) + '\\n');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', cwd: '/tmp', timeout: 30_000 });
  assert.is(r.status, 0, `child failed: ${r.status ?? r.signal}\n${r.stderr}`);
  const line = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  return JSON.parse(line);
}

const k = kernelSuite('run() leaves nsrun where it was');

k("success: same namespaces, cwd, no children left; the status is the command's", () => {
  const r = runInChild({ command: ['sh', '-c', 'exit 7'], hostname: 'inner' });
  assert.is(r.error, null);
  assert.is(r.status, 7);
  assert.equal(r.after, r.before);
  assert.is(r.after.cwd, '/tmp');
  assert.is(r.spawnAfter, 0);
});

k('--net host: same namespaces afterwards', () => {
  const r = runInChild({ command: ['true'], net: 'host' });
  assert.is(r.status, 0);
  assert.equal(r.after, r.before);
});

for (const step of ['save-namespaces', 'unshare', 'make-private', 'spawn', 'hostname', 'mount-proc', 'mount-sys', 'netlink-socket', 'loopback', 'release']) {
  k(`a failure at ${step}: RunnerError naming it, namespaces restored, the gate killed and reaped`, () => {
    const r = runInChild({ command: ['true'], hostname: 'inner', faultAt: step });
    assert.ok(r.error, `expected a failure at ${step}`);
    assert.is(r.error.name, 'RunnerError');
    assert.is(r.error.step, step);
    assert.is(r.status, null);
    assert.equal(r.after, r.before);
    assert.is(r.after.children, '');
    assert.is(r.spawnAfter, 0);
  });
}

k.run();
