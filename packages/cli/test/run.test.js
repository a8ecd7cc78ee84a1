// `nsrun run`: usage errors in-process (refused before anything is created), everything else
// through `node packages/cli/dist/main.js run ...` child processes, so this test process never
// unshares. Kernel tests run as root inside the test sandbox.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { main } from '@nsrun/cli';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

async function inProcess(...argv) {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { status, stdout, stderr };
}

test('run --help prints the usage, status 0', async () => {
  const r = await inProcess('run', '--help');
  assert.is(r.status, 0);
  assert.match(r.stdout, /^Usage: nsrun run \[OPTIONS\] \[--\] CMD/);
  assert.match(r.stdout, /--net bridge\|none\|host/);
});

test('bad usage: one line "nsrun: run: <step>: <reason>", status 125', async () => {
  /** @type {[string[], RegExp][]} */
  const cases = [
    [['--bogus', 'true'], /^nsrun: run: usage: unknown option "--bogus"/],
    [[], /^nsrun: run: usage: missing command/],
    [['--'], /^nsrun: run: usage: missing command/],
    [['--net', 'bridged', 'true'], /^nsrun: run: usage: --net "bridged": must be bridge, none, host, slirp4netns or pasta/],
    [['--net', 'none', '--ip', '10.10.10.2', 'true'], /^nsrun: run: usage: --ip needs --net bridge/],
    [['--env', 'NOEQUALS', 'true'], /^nsrun: run: usage: --env "NOEQUALS": must be KEY=VALUE/],
    [['--hostname'], /^nsrun: run: usage: --hostname needs a value/],
    [['--hostname', 'x'.repeat(65), 'true'], /^nsrun: run: validate: hostname: "x+" is 65 bytes, longer than 64/],
    [['--hostname=bad_name', 'true'], /^nsrun: run: validate: hostname: "bad_name" is not a valid host name/],
    [['--workdir', '/nonexistent-nsrun', 'true'], /^nsrun: run: validate: cwd: \/nonexistent-nsrun: ENOENT/],
  ];
  for (const [argv, re] of cases) {
    const r = await inProcess('run', ...argv);
    assert.is(r.status, 125, argv.join(' '));
    assert.match(r.stderr, re, argv.join(' '));
    assert.is(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.is(r.stdout, '');
  }
});

test.run();

/** `nsrun run ARGS...` to completion: { status, stdout, stderr }. `netns`: a NetNs to start it in. */
// These tests are about the container, not its network: without --net they ask for none (the
// bridged network has tests of its own, each in a namespace of its own).
const noNet = (args) => (args.includes('--net') ? args : ['--net', 'none', ...args]);

/**
 * @param {string[]} args
 * @param {{ netns?: import('@nsrun/sys').NetNs, via?: string[] }} [opts] `via`: programs nsrun runs under, each exec'ing the rest
 */
function nsrun(args, { netns, via = [] } = {}) {
  args = noNet(args);
  const command = [...via, process.execPath, MAIN, 'run', ...args];
  const [file, argv] = netns ? ['nsenter', [`--net=${netns.procPath}`, ...command]] : [command[0], command.slice(1)];
  const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, why: `status ${r.status ?? r.signal}; stderr: ${r.stderr}` };
}

/** Starts `nsrun run ARGS...`; `until(stream, re)` resolves when the output matches. */
function start(args) {
  args = noNet(args);
  const child = spawn(process.execPath, [MAIN, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  const waiters = [];
  for (const s of ['stdout', 'stderr']) {
    child[s].on('data', (d) => {
      out[s] += d;
      for (const w of waiters) w();
    });
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise((resolve) => child.on('close', (status, signal) => (clearTimeout(timer), resolve({ status, signal, ...out }))));
  const until = (s, re) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(out[s]);
        if (m) resolve(m);
      };
      waiters.push(check);
      check();
      done.then(() => reject(new Error(`nsrun ended before ${re} on ${s}: ${out.stderr}`)));
    });
  return { child, done, until };
}

const k = kernelSuite('nsrun run');

k('the command is PID 1 of its own pid namespace', () => {
  const r = nsrun(['--', 'sh', '-c', 'echo $$']);
  assert.is(r.status, 0, r.why);
  assert.is(r.stdout, '1\n');
});

k('--hostname is set inside; the sandbox keeps its own', () => {
  const before = hostname();
  const r = nsrun(['--hostname', 'box-1.example', 'hostname']);
  assert.is(r.status, 0, r.why);
  assert.is(r.stdout, 'box-1.example\n');
  assert.is(hostname(), before);
});

k("/proc shows only the container's processes", () => {
  const r = nsrun(['sh', '-c', 'ls /proc | grep -c "^[0-9]"; cat /proc/[0-9]*/comm; readlink /proc/self']);
  assert.is(r.status, 0, r.why);
  const [count, ...rest] = r.stdout.trim().split('\n');
  assert.ok(Number(count) <= 4, `${count} processes visible: ${r.stdout}`);
  assert.not.ok(rest.includes('node'), `the test's node processes are visible: ${r.stdout}`);
  assert.ok(rest.includes('sh'));
  assert.ok(Number(rest.at(-1)) < 10, `own pid ${rest.at(-1)}`);
});

k('--net none: /sys/class/net lists only lo, and lo is up', () => {
  const r = nsrun(['sh', '-c', 'ls /sys/class/net; ip -j link']);
  assert.is(r.status, 0, r.why);
  const [sys, json] = r.stdout.split('\n');
  assert.is(sys, 'lo');
  const links = JSON.parse(json);
  assert.equal(
    links.map((l) => l.ifname),
    ['lo'],
  );
  assert.ok(links[0].flags.includes('UP'), JSON.stringify(links[0].flags));
});

k("--net host: the command sees nsrun's links", (ctx) => {
  ctx.ip('link', 'add', 'nsrt0', 'type', 'veth', 'peer', 'name', 'nsrt1');
  const r = nsrun(['--net', 'host', 'ip', '-j', 'link'], { netns: ctx.ns });
  assert.is(r.status, 0, r.why);
  const names = JSON.parse(r.stdout)
    .map((l) => l.ifname)
    .sort();
  assert.equal(names, ['lo', 'nsrt0', 'nsrt1']);
});

k('--env and --workdir reach the command', () => {
  const r = nsrun(['--env', 'FOO=a=b', '--env', 'BAR=', '--workdir', '/usr', 'sh', '-c', 'echo "$FOO|${BAR-unset}|$(pwd)"']);
  assert.is(r.status, 0, r.why);
  assert.is(r.stdout, 'a=b||/usr\n');
});

k('exit status: 0, 42, 126 not executable, 127 not found', () => {
  assert.is(nsrun(['true']).status, 0);
  assert.is(nsrun(['sh', '-c', 'exit 42']).status, 42);
  const file = '/tmp/nsrun-run-test-noexec';
  writeFileSync(file, 'echo ran\n', { mode: 0o644 });
  chmodSync(file, 0o644);
  const noexec = nsrun([file]);
  rmSync(file, { force: true });
  assert.is(noexec.status, 126, noexec.why);
  const missing = nsrun(['nsrun-no-such-command']);
  assert.is(missing.status, 127, missing.why);
  assert.match(missing.stderr, /not found/);
});

k('exit status 128+9 when the command is killed by SIGKILL (from outside)', async () => {
  const p = start(['--verbose', 'sleep', '30']);
  const [, pid] = await p.until('stderr', /started \S+ pid (\d+)/);
  process.kill(Number(pid), 'SIGKILL');
  const r = await p.done;
  assert.is(r.status, 137, r.stderr);
});

k("a PID 1 cannot kill itself: `sh -c 'kill -9 $$'` goes on (kernel rule), a child it runs can", () => {
  assert.is(nsrun(['sh', '-c', 'kill -9 $$; exit 5']).status, 5);
  assert.is(nsrun(['sh', '-c', "sh -c 'kill -9 $$'"]).status, 137);
});

k('status 125 and nothing run for a bad option or an invalid host name', () => {
  const marker = '/tmp/nsrun-run-test-marker';
  rmSync(marker, { force: true });
  for (const args of [
    ['--bogus', '--', 'touch', marker],
    ['--hostname', 'no_underscores', 'touch', marker],
  ]) {
    const r = nsrun(args);
    assert.is(r.status, 125, args.join(' '));
    assert.match(r.stderr, /^nsrun: run: (usage|validate): /);
    assert.not.ok(existsSync(marker), `${args.join(' ')} ran the command`);
  }
});

k('SIGTERM sent to nsrun reaches a command that traps it', async () => {
  const p = start(['--', 'sh', '-c', 'trap "echo got; exit 3" TERM; echo ready; while :; do sleep 0.1; done']);
  await p.until('stdout', /ready\n/);
  p.child.kill('SIGTERM');
  const r = await p.done;
  assert.is(r.status, 3, r.stderr);
  assert.is(r.stdout, 'ready\ngot\n');
});

k('nothing mounted inside leaks out', () => {
  // The mounts of nsrun's caller before and after, seen from a mount namespace of the test's own:
  // private, so that what other test files mount meanwhile in the shared sandbox does not show.
  const look = 'cat /proc/self/mountinfo; echo ==; "$@" >&2 || exit $?; echo ==; cat /proc/self/mountinfo';
  // Mounting takes CAP_SYS_ADMIN, which a container has only when given it.
  const r = nsrun(['--hostname', 'leak', '--cap-add', 'SYS_ADMIN', 'sh', '-c', 'mount -t tmpfs nsrun-leak /mnt && grep -c . /proc/self/mountinfo'], {
    via: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', look, 'look'],
  });
  assert.is(r.status, 0, r.why);
  const [before, , after] = r.stdout.split('==\n');
  assert.is(after.split('\n').length, before.split('\n').length);
  assert.not.match(after, /nsrun-leak/);
});

k.run();
