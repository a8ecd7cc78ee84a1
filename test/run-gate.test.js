// The gate (packages/runner/src/gate.ts, security/loader.ts): where perl is installed, one Perl
// program is the container's first process and execs the command itself: parent-death signal,
// seccomp filter, capability sets and no_new_privs as setpriv set them, the two pipes, then
// the command with the shell's conventions. Counted with strace, seen from inside through
// /proc/1/status, and by killing nsrun.
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { capabilityMask, processCapabilities } from '@nsrun/sys';
import { DEFAULT_CAPABILITIES } from '@nsrun/runner';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { nsrunSpawn, nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';
import { capHex as hex, confinementCommand, statusFields as status } from '@nsrun/test-helpers/proc-status';

const PERL = ['/usr/bin/perl', '/bin/perl'].find((p) => existsSync(p));
const STRACE = ['/usr/bin/strace', '/bin/strace'].find((p) => existsSync(p));

const k = kernelSuite('nsrun run: the gate');
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.run = (args, cmd, opts) => nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--net', 'none', ...args, '--', ...cmd], opts);
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
});

/**
 * The programs the container's first process execs, in order, as strace sees them (successful
 * execve calls only): the gate's pid is the one whose first program is perl.
 */
function gateExecs(ctx, args, cmd) {
  const dir = mkdtempSync('/tmp/nsrun-gate-strace-');
  try {
    const out = `${dir}/trace`;
    const r = ctx.run(args, cmd, {
      via: [STRACE, '-f', '-qq', '-e', 'trace=execve', '-e', 'status=successful', '-o', out],
      timeout: 60_000,
    });
    assert.is(r.status, 0, r.stderr);
    /** @type {Map<string, string[]>} */
    const byPid = new Map();
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const m = /^(\d+) +execve\("([^"]*)"/.exec(line);
      if (!m) continue;
      byPid.set(m[1], [...(byPid.get(m[1]) ?? []), m[2]]);
    }
    const gate = [...byPid.values()].filter((l) => l[0] === PERL);
    assert.is(gate.length, 1, `one process starting with perl: ${JSON.stringify([...byPid.values()])}`);
    return { gate: gate[0], all: [...byPid.values()] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

k('perl execs the command itself: two programs between the spawn and a running command (setpriv and the shell were two more)', (ctx) => {
  if (!PERL) return skip('perl is missing: the gate is setpriv and the shell');
  if (!STRACE) return skip('strace is not installed (package strace)');
  const plain = gateExecs(ctx, [], ['true']);
  assert.is(plain.gate.length, 2, `the gate's execs: ${plain.gate.join(' -> ')}`);
  assert.match(plain.gate[1], /\/true$/);
  // Unconfined and privileged: the same single program.
  for (const args of [['--security-opt', 'seccomp=unconfined'], ['--privileged']]) {
    const g = gateExecs(ctx, args, ['true']).gate;
    assert.is(g.length, 2, `${args.join(' ')}: ${g.join(' -> ')}`);
  }
  // --init: perl, then the init shell, which runs the command as its child.
  const init = gateExecs(ctx, ['--init'], ['true']);
  assert.is(init.gate.length, 2, `--init: ${init.gate.join(' -> ')}`);
  assert.match(init.gate[1], /\/bash$|\/sh$/);
  assert.ok(
    init.all.some((l) => l.length === 1 && /\/true$/.test(l[0])),
    `--init: the command in a child: ${JSON.stringify(init.all)}`,
  );
});

const STATUS = confinementCommand('/proc/1/status');

k("PID 1 (the command, or the init shell) as setpriv left it: the container's capabilities, none inheritable or ambient, no_new_privs, the filter", (ctx) => {
  const mask = hex(capabilityMask(DEFAULT_CAPABILITIES));
  for (const init of [[], ['--init']]) {
    const r = ctx.run(init, ['sh', '-c', STATUS]);
    assert.is(r.status, 0, r.stderr);
    const s = status(r.stdout);
    const what = init.join(' ') || 'default';
    for (const f of ['CapPrm', 'CapEff', 'CapBnd']) assert.is(s[f], mask, `${what}: ${f}`);
    assert.is(s.CapInh, hex(0n), `${what}: CapInh`);
    assert.is(s.CapAmb, hex(0n), `${what}: CapAmb`);
    assert.is(s.NoNewPrivs, '1', `${what}: NoNewPrivs`);
    assert.is(s.Seccomp, '2', `${what}: Seccomp`);
  }
  // Every capability kept (--cap-add ALL): the bounding set is nsrun's (the kernel's, less what
  // this machine withholds from root), inheritable still cleared.
  const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  const all = ctx.run(['--cap-add', 'ALL', '--security-opt', 'no-new-privileges=false'], ['sh', '-c', STATUS]);
  assert.is(all.status, 0, all.stderr);
  const s = status(all.stdout);
  assert.is(s.CapBnd, hex(processCapabilities().bounding & ((1n << BigInt(last + 1)) - 1n)));
  assert.is(s.CapInh, hex(0n));
  assert.is(s.NoNewPrivs, '0');
});

k('the command as a shell would run it: PATH searched, 127 "not found" in one line, 126 not executable, PWD the workdir, Perl variables given back', (ctx) => {
  const missing = ctx.run([], ['nsrun-no-such-command']);
  assert.is(missing.status, 127);
  assert.match(missing.stderr, /^[^\n]*nsrun-no-such-command: not found\n$/);
  const noexec = ctx.run([], ['/etc/passwd']);
  assert.is(noexec.status, 126);
  assert.match(noexec.stderr, /^[^\n]*\/etc\/passwd: Permission denied\n$/);
  const env = ctx.run(
    ['--workdir', '/usr', '--env', 'PERL5LIB=/nonexistent-lib', '--env', 'PERL5OPT=-w'],
    ['sh', '-c', 'echo "$PWD|$PERL5LIB|$PERL5OPT"; env | grep -c NSRUN_SAVED_'],
  );
  assert.is(env.stdout, '/usr|/nonexistent-lib|-w\n0\n', env.stderr);
  assert.equal(records(ctx.state), []);
});

k("nsrun killed (SIGKILL) right after the release: the container (its PID 1, exec'd by the gate) dies with it", async (ctx) => {
  const p = nsrunSpawn(ctx.ns, ['run', '--state-dir', ctx.state, '--net', 'none', '--verbose', '--', 'sleep', '1000']);
  const [, pid] = await p.wait('stderr', /started \S+ pid (\d+)/);
  p.child.kill('SIGKILL');
  await p.done;
  const gone = () => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat[stat.lastIndexOf(')') + 2] === 'Z';
    } catch {
      return true;
    }
  };
  for (let i = 0; i < 100 && !gone(); i++) await new Promise((r) => setTimeout(r, 50));
  const died = gone();
  if (!died) process.kill(Number(pid), 'SIGKILL'); // this test's own survivor
  assert.ok(died, `the container (${pid}) outlived nsrun`);
});

k.run();
