// One failure path for every command (src/errors.ts `fail`): whatever run, ps, gc, net, nat,
// netd, cni or ip throws, the user reads one line `nsrun: [COMMAND: ]TEXT` (a hint line after
// usage errors that have one) and the status says bad usage (2) or failure (1); run exits 125
// for both. The same error reads the same from every command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SysError } from '@nsrun/sys';
import { NetlinkError, ValidationError } from '@nsrun/netlink';
import { NetdError, RunnerError } from '@nsrun/runner';
import { main, HelpRequest, UsageError } from '@nsrun/cli';
import { EXIT_FAILURE, EXIT_USAGE, EXIT_RUNNER_FAILED, fail } from '../dist/errors.js';
import { FlagError } from '../dist/flags.js';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

const request = { type: 16, typeName: 'RTM_NEWLINK', seq: 1, what: 'linkAdd br0 (bridge)' };

/** Each kind of error a command can throw: what the line says after `nsrun: COMMAND: `, and whether it is bad usage. */
/** @type {[string, () => unknown, string, boolean][]} */
const ERRORS = [
  [
    'RunnerError',
    () => new RunnerError('bridge', 'linkAdd brg0 (bridge): EPERM (Operation not permitted)'),
    'bridge: linkAdd brg0 (bridge): EPERM (Operation not permitted)',
    false,
  ],
  [
    'RunnerError validate',
    () => new RunnerError('validate', 'stateDir: must be an absolute path', { field: 'stateDir' }),
    'validate: stateDir: must be an absolute path',
    true,
  ],
  [
    'NetdError',
    () => new NetdError('quota', 'uid 1000 has 4 attachments (the most policy allows)'),
    'netd: quota: uid 1000 has 4 attachments (the most policy allows)',
    false,
  ],
  ['NetdError request', () => new NetdError('request', 'pid: not a process id'), 'netd: request: pid: not a process id', true],
  ['NetlinkError', () => new NetlinkError(17, request, 'File exists'), 'linkAdd br0 (bridge): EEXIST (File exists): File exists', false],
  ['SysError', () => new SysError('setns', 1, '/run/netns/blue'), 'setns /run/netns/blue: EPERM (Operation not permitted)', false],
  [
    'ValidationError',
    () => new ValidationError('name', 'x'.repeat(16), 'is 16 bytes; link names are at most 15'),
    `invalid name "${'x'.repeat(16)}": is 16 bytes; link names are at most 15`,
    true,
  ],
  ['FlagError', () => new FlagError('unknown option "--bogus"'), 'usage: unknown option "--bogus"', true],
  [
    'an unexpected Error (first line only)',
    () => new TypeError("Cannot read properties of undefined (reading 'x')\n    at f (file.js:1:1)"),
    "Cannot read properties of undefined (reading 'x')",
    false,
  ],
  ['a thrown string', () => 'something', 'something', false],
];

function collect() {
  const io = { out: '', err: '', stdout: (s) => (io.out += s), stderr: (s) => (io.err += s) };
  return io;
}

test('every command reports every kind of error the same way: one line, one status rule', () => {
  for (const command of ['run', 'ps', 'gc', 'net', 'nat', 'cni', undefined]) {
    for (const [kind, make, text, usage] of ERRORS) {
      const io = collect();
      const how = command === undefined ? {} : { command, ...(command === 'run' && { status: EXIT_RUNNER_FAILED }) };
      const status = fail(make(), io, how);
      const where = `${command ?? 'ip'}, ${kind}`;
      assert.is(io.err, `nsrun: ${command === undefined ? '' : `${command}: `}${text}\n`, where);
      assert.is(io.out, '', where);
      assert.is(status, command === 'run' ? 125 : usage ? EXIT_USAGE : EXIT_FAILURE, where);
    }
  }
});

test("netd's own errors do not name netd twice", () => {
  const io = collect();
  assert.is(fail(new NetdError('policy', '/etc/nsrun/usernet:2: MAX "lots" is not a count (0 to 4096)'), io, { command: 'netd' }), EXIT_FAILURE);
  assert.is(io.err, 'nsrun: netd: policy: /etc/nsrun/usernet:2: MAX "lots" is not a count (0 to 4096)\n');
});

test('a usage error with a hint: the hint on a line of its own', () => {
  const io = collect();
  assert.is(fail(new UsageError('ip link: unexpected argument "frob"', 'Try "nsrun ip link help".'), io), EXIT_USAGE);
  assert.is(io.err, 'nsrun: ip link: unexpected argument "frob"\nTry "nsrun ip link help".\n');
});

test('a HelpRequest is an Error and is not a failure: its text on stdout, status 0', () => {
  const h = new HelpRequest('Usage: nsrun x\nmore\n');
  assert.ok(h instanceof Error);
  assert.is(h.message, 'Usage: nsrun x');
  const io = collect();
  assert.is(fail(h, io, { command: 'ps' }), 0);
  assert.is(io.out, 'Usage: nsrun x\nmore\n');
  assert.is(io.err, '');
});

test('FlagError is a UsageError (bad usage has one base class)', () => {
  assert.ok(new FlagError('x') instanceof UsageError);
});

async function nsrun(...argv) {
  const io = collect();
  const status = await main(argv, io);
  return { status, stdout: io.out, stderr: io.err };
}

test('through main: each command, a usage error and a refusal, in that one format', async () => {
  /** @type {[string[], number, string | RegExp][]} */
  const cases = [
    [['run', '--bogus', 'true'], 125, 'nsrun: run: usage: unknown option "--bogus" (try "nsrun run --help")\n'],
    [['run', '--state-dir', 'rel', '--net', 'none', 'true'], 125, /^nsrun: run: validate: stateDir: .*\n$/],
    [['ps', '--bogus'], 2, 'nsrun: ps: usage: unknown option "--bogus" (try "nsrun ps --help")\n'],
    [['ps', '--state-dir', 'rel'], 2, 'nsrun: ps: validate: stateDir: must be an absolute path\n'],
    [['gc', '--state-dir', 'rel'], 2, 'nsrun: gc: validate: stateDir: must be an absolute path\n'],
    [['net', 'frob'], 2, 'nsrun: net: usage: unknown subcommand "frob": attach, detach or list\n'],
    [['nat', 'frob'], 2, 'nsrun: nat: usage: unknown subcommand "frob": show\n'],
    [['netd', '--bogus'], 2, 'nsrun: netd: usage: unknown option "--bogus" (try "nsrun netd --help")\n'],
    [['cni', 'install', '--dir', 'rel'], 2, 'nsrun: cni: usage: --dir "rel": must be an absolute path\n'],
    // Was "nsrun: ENOTDIR: not a directory, lstat '/dev/null/x/nsrun.tmp-PID'": the clean-up of the
    // temporary file failed in turn, and its error replaced the one that said what happened.
    [['cni', 'install', '--dir', '/dev/null/x'], 1, 'nsrun: cni: install: cannot write /dev/null/x/nsrun: ENOTDIR\n'],
    [['ip', 'link', 'frob'], 2, 'nsrun: ip link: unknown command "frob"\nTry "nsrun ip link help".\n'],
    [['ip', 'link', 'add', 'name', 'x'.repeat(16), 'type', 'dummy'], 2, /^nsrun: invalid name "x{16}": .*\n$/],
    [['frob'], 2, 'nsrun: unknown command "frob"\nTry "nsrun help".\n'],
  ];
  for (const [argv, status, err] of cases) {
    const r = await nsrun(...argv);
    const where = `${argv.join(' ')}: ${r.stderr}`;
    assert.is(r.status, status, where);
    if (typeof err === 'string') assert.is(r.stderr, err, where);
    else assert.match(r.stderr, err, where);
    assert.is(r.stdout, '', where);
  }
});

const k = kernelSuite('the failure path with the kernel');

k('a refusal of the kernel: one line naming the request, the errno name and its text; status 1', (ctx) => {
  const r = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, process.execPath, MAIN, 'ip', 'route', 'del', '203.0.113.0/24'], { encoding: 'utf8' });
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /^nsrun: routeDel 203\.0\.113\.0\/24: ESRCH \(No such process\)/);
  assert.is(r.stderr.split('\n').length, 2, r.stderr);
});

test.run();
k.run();
