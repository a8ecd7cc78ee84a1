// The same as run-fault-steps.test.js for a rootless run (a user who is not root, through the
// launcher): a failure injected at every step the run goes through names the step, and leaves
// nothing — no record or owner lock, no slirp4netns API socket, no process of the user's (the
// usernet helper included), nothing of netd's (lease, record, veth, rules). One nsrun process
// per run, as the CLI has it: a rootless nsrun moves itself to a network namespace of its own.
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { RUNNER_URL } from '@nsrun/test-helpers/nsrun';
import { processesOf, removeDir, settledProcessesOf, spawnAsUser, userDir } from '@nsrun/test-helpers/rootless';
import { netdDir, netdLeases, netdRecords, removeNetdDir, startNetd, until } from '@nsrun/test-helpers/netd';
import { NOT_INJECTED } from '@nsrun/test-helpers/steps';

const LAUNCHER = fileURLToPath(new URL('../packages/cli/bin/nsrun-rootless.pl', import.meta.url));
// A uid of this file's own (other test files run as other users at the same time).
const UID = 4247;

// Run by the launcher in place of nsrun's CLI (it execs `node ENTRY`): one run, its steps, its error.
const SCRIPT = `import * as runner from ${JSON.stringify(RUNNER_URL)};
import * as fs from 'node:fs';
runner.rootlessReady();
const opts = JSON.parse(process.env.FAULT_OPTS);
const steps = [];
let status = null, error = null;
try {
  const h = await runner.run({ ...opts, log: (s) => steps.push(s) });
  status = await h.wait();
} catch (e) {
  error = { name: e.name, step: e.step, message: e.message };
}
fs.writeSync(1, JSON.stringify({ steps, status, error }) + '\\n');`;

// The order of the steps (as run-fault-steps.test.js has it for root).
const ORDER = {
  none: 'state unshare-net state save-namespaces unshare make-private spawn hostname netlink-socket hide-state hide-state mount-proc mount-sys mask-paths restore-namespaces loopback release release',
  slirp4netns:
    'state unshare-net state usernet save-namespaces unshare make-private spawn netlink-socket hide-state resolv-conf hide-state mount-proc mount-sys mask-paths restore-namespaces loopback usernet usernet release release',
  netd: 'state unshare-net netd state save-namespaces unshare make-private spawn netlink-socket hide-state hide-state mount-proc mount-sys mask-paths restore-namespaces loopback release release',
};

const test = kernelSuite('nsrun run as a user who is not root: a failure at every step, nothing left');
test.before.each((ctx) => {
  ctx.dir = userDir(UID);
  writeFileSync(`${ctx.dir}/fault.mjs`, SCRIPT, { mode: 0o644 });
});
test.after.each(async (ctx) => {
  await ctx.netd?.stop();
  if (ctx.netdDir) removeNetdDir(ctx.netdDir);
  for (const p of processesOf(UID)) {
    try {
      process.kill(Number(p.split(' ')[0]), 'SIGKILL'); // only the test user's, which this file started
    } catch {}
  }
  await settledProcessesOf(UID);
  removeDir(ctx.dir);
});

const files = (dir) => {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  } catch (e) {
    if (e.code === 'ENOENT') return [];
    throw e;
  }
};

/** One run of `opts` as the user, to its end: { steps, status, error } and what it left. */
async function runOnce(ctx, opts, env) {
  rmSync(`${ctx.dir}/tun`, { force: true }); // each spawn makes its own node there
  const c = spawnAsUser(ctx.ns, UID, ctx.dir, `exec perl "$LAUNCHER" "$HOME/fault.mjs"`, {
    tun: '666',
    env: { ...env, LAUNCHER, FAULT_OPTS: JSON.stringify(opts) },
  });
  c.child.stdin.end();
  const d = await c.done;
  const line = d.stdout.split('\n').find((l) => l.startsWith('{"steps"'));
  if (!line) throw new Error(`${JSON.stringify(opts)}: no result (status ${d.status ?? d.signal}): ${d.stderr}`);
  const veths = () => ctx.ip('-j', 'link', 'show', 'type', 'veth').map((l) => l.ifname);
  // A veth goes with its container's namespace, which the kernel tears down after the run
  // (later on a loaded machine): what is left is what is still there after up to 10 s.
  await until(() => veths().length === 0);
  const left = {
    state: files(`${ctx.dir}/nsrun`).filter((f) => f.startsWith('containers/') || f.startsWith('usernet/')),
    processes: await settledProcessesOf(UID),
    veths: veths(),
  };
  if (ctx.netdDir) {
    await until(() => netdRecords(ctx.netdDir).length === 0 && netdLeases(ctx.netdDir).length === 0);
    left.netd = [...netdRecords(ctx.netdDir), ...netdLeases(ctx.netdDir)];
    left.rules = ctx
      .sh('nft list ruleset')
      .split('\n')
      .filter((l) => /^\s+(ip|tcp|udp|meta|ct|iifname|oifname|dnat|masquerade)/.test(l));
  }
  return { ...JSON.parse(line), left };
}

/** Every step the run to the end went through, each injected once: what went wrong, one line each. */
async function faults(ctx, name, opts, env = {}) {
  const full = await runOnce(ctx, opts, env);
  const bad = [];
  if (full.status !== 0) bad.push(`${name}: the run to the end: ${full.status} ${JSON.stringify(full.error)}`);
  if (full.steps.join(' ') !== ORDER[name]) bad.push(`${name}: steps ${full.steps.join(' ')}, not ${ORDER[name]}`);
  const clean = JSON.stringify(full.left);
  // Each use of each step: NAME for the first, NAME#N for the Nth.
  const uses = {};
  for (const base of full.steps.filter((s) => !(s in NOT_INJECTED))) {
    uses[base] = (uses[base] ?? 0) + 1;
    const step = uses[base] === 1 ? base : `${base}#${uses[base]}`;
    const r = await runOnce(ctx, { ...opts, faultAt: step }, env);
    const what = `${name}, faultAt ${step}`;
    // The Nth use, not another: the step had completed N - 1 times when the fault came.
    const before = r.steps.filter((s) => s === base).length;
    if (before !== uses[base] - 1) bad.push(`${what}: failed after ${before} completed uses of ${base}, not ${uses[base] - 1}`);
    if (!r.error) bad.push(`${what}: the run did not fail`);
    else if (r.error.step !== base || !r.error.message.startsWith(`${base}: injected failure`) || /could not undo/.test(r.error.message))
      bad.push(`${what}: ${r.error.step}: ${r.error.message}`);
    if (JSON.stringify(r.left) !== clean) bad.push(`${what}: left ${JSON.stringify(r.left)} (after a run to the end: ${clean})`);
  }
  return { steps: full.steps, bad };
}

test('--net none, --net slirp4netns with a published port', async (ctx) => {
  const none = await faults(ctx, 'none', { command: ['true'], net: 'none', hostname: 'x' });
  assert.equal(none.bad, [], none.bad.join('\n'));
  assert.ok(none.steps.includes('unshare-net') && none.steps.includes('state'), none.steps.join(' '));
  if (!existsSync('/usr/bin/slirp4netns')) return skip('slirp4netns is not installed');
  const slirp = await faults(ctx, 'slirp4netns', { command: ['true'], net: 'slirp4netns', publish: ['8080:80'] });
  assert.equal(slirp.bad, [], slirp.bad.join('\n'));
  assert.ok(slirp.steps.includes('usernet'), slirp.steps.join(' '));
});

test('--net bridge through netd, with --nat and a published port', async (ctx) => {
  ctx.netdDir = netdDir(`${UID} brg0 8 nat publish=8000-8099\n`);
  ctx.netd = await startNetd(ctx.ns, ctx.netdDir);
  const r = await faults(ctx, 'netd', { command: ['true'], net: 'bridge', nat: true, publish: ['8080:80'] }, { NSRUN_NETD_SOCKET: `${ctx.netdDir}/netd.sock` });
  assert.equal(r.bad, [], r.bad.join('\n'));
  assert.ok(r.steps.includes('netd'), r.steps.join(' '));
});

test.run();
