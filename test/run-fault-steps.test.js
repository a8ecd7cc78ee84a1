// A failure injected at every named step of `run` (faultAt), in every configuration that reaches
// it: the error names the step, and nothing of the run is left behind — links, leases, records,
// nf_tables rules, mounts, fds, processes, nsrun's own namespaces. The step table is not written
// here by hand: each configuration first runs once to the end and its `log` says which steps it
// went through, in order; every name of the RunStep type (runner/src/errors.ts) must be reached
// by some configuration or be named below with the reason it cannot be injected.
import * as assert from 'uvu/assert';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { apiInNs, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';
import { busyboxSkipReason, tempBusyboxRootfs } from '@nsrun/test-helpers/rootfs';
import { NOT_INJECTED, ROOTLESS_ONLY, runSteps } from '@nsrun/test-helpers/steps';

// The body run in a child Node inside the test's network namespace: for each configuration, one
// run to the end with `log` (which steps, in order), then one run per step with faultAt there.
const BODY = (configs, state) => `
const SKIP = ${JSON.stringify(Object.keys(NOT_INJECTED))};
const { execFileSync } = await import('node:child_process');
const STATE = ${JSON.stringify(state)};
const walk = (dir) => { try { return fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(dir + '/' + f).isFile()).sort(); } catch (e) { if (e.code === 'ENOENT') return []; throw e; } };
const snapshot = () => ({
  links: JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })).map((l) => l.ifname).sort(),
  rules: JSON.parse(execFileSync('nft', ['-j', 'list', 'ruleset'], { encoding: 'utf8' })).nftables.filter((o) => !o.metainfo),
  leases: walk(STATE + '/leases'),
  records: walk(STATE + '/containers'),
  mounts: fs.readFileSync('/proc/self/mountinfo', 'utf8'),
  fds: fs.readdirSync('/proc/self/fd').map((fd) => { try { return fd + ' ' + fs.readlinkSync('/proc/self/fd/' + fd); } catch { return fd; } }).filter((l) => !l.includes('/proc/') ).sort(),
  children: fs.readdirSync('/proc/self/task').map((t) => fs.readFileSync('/proc/self/task/' + t + '/children', 'utf8').trim()).join(' ').trim(),
  ns: ['mnt', 'uts', 'ipc', 'net', 'pid', 'pid_for_children', 'cgroup'].map((k) => fs.readlinkSync('/proc/thread-self/ns/' + k)).join(' '),
  cwd: process.cwd(),
});
// Node opens a few fds of its own on its first run (the thread pool's, signal handling).
await (await runner.run({ command: ['true'], net: 'none', stateDir: STATE + '-warm' })).wait();
fs.rmSync(STATE + '-warm', { recursive: true, force: true });
const res = {};
for (const [name, opts] of Object.entries(${JSON.stringify(configs)})) {
  const steps = [];
  const h = await runner.run({ ...opts, stateDir: STATE, log: (s) => steps.push(s) });
  const status = await h.wait();
  // A bridge the first run made is not one a failed run may leave: back to nothing.
  await runner.gc({ stateDir: STATE, bridges: true });
  const before = snapshot();
  const faults = {};
  // Each use of each step: NAME for the first, NAME#N for the Nth (a run goes through some twice).
  const uses = {};
  for (const name of steps.filter((s) => !SKIP.includes(s))) {
    uses[name] = (uses[name] ?? 0) + 1;
    const step = uses[name] === 1 ? name : name + '#' + uses[name];
    let error = null;
    const done = [];
    try {
      const h = await runner.run({ ...opts, stateDir: STATE, faultAt: step, log: (s) => done.push(s) });
      await h.wait();
    } catch (e) {
      error = { name: e.name, step: e.step, message: e.message };
    }
    faults[step] = { error, done, after: snapshot() };
  }
  res[name] = { steps, status, before, faults };
}
out(res);`;

// The order of the steps is part of what a run promises (the gate ready before the release, NAT
// after the veth, the namespaces restored before the network is wired): the phases of run.ts
// must not reorder them. (A name twice: the same step name for two calls; faultAt NAME#2 reaches
// the second.)
const ORDER = {
  bridge:
    'netlink-socket bridge bridge bridge bridge-address bridge-up lease tty save-namespaces unshare make-private spawn hostname netlink-socket hide-state resolv-conf hide-state mount-proc mount-sys mask-paths restore-namespaces veth attach loopback address link-up route ip-forward nat release release',
  host: 'state save-namespaces unshare make-private spawn hide-state hide-state mount-proc mount-sys mask-paths restore-namespaces release release',
  none: 'state save-namespaces unshare make-private spawn hostname netlink-socket hide-state hide-state mount-proc mount-sys mask-paths restore-namespaces loopback release release',
  rootfs:
    'state save-namespaces unshare make-private spawn netlink-socket rootfs mount-proc mount-sys mount-dev resolv-conf mask-paths pivot-root restore-namespaces loopback release',
};

const k = kernelSuite('nsrun run: a failure at every step it goes through, nothing left');
k.before.each((ctx) => {
  ctx.state = stateDir();
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
  ctx.rootfs?.remove();
});

/** What differs between two snapshots of one kind (lists: what was added, what went), or ''. */
function changed(before, after) {
  if (JSON.stringify(before) === JSON.stringify(after)) return '';
  const lines = (v) => (Array.isArray(v) ? v.map((x) => JSON.stringify(x)) : String(v).split('\n'));
  const [b, a] = [lines(before), lines(after)];
  const added = a.filter((x) => !b.includes(x));
  const gone = b.filter((x) => !a.includes(x));
  return `${added.length ? `+${added.join(' +')}` : ''}${gone.length ? ` -${gone.join(' -')}` : ''}`.trim() || 'reordered';
}

/** What each fault of a configuration shows that it should not (one line each); adds its steps to `reached`. */
function problems(name, r, reached) {
  const bad = [];
  if (r.status !== 0) bad.push(`${name}: the run to the end exited ${r.status}`);
  if (r.steps.join(' ') !== ORDER[name]) bad.push(`${name}: steps ${r.steps.join(' ')}, not ${ORDER[name]}`);
  for (const s of r.steps) reached.add(s);
  for (const [step, { error, done, after }] of Object.entries(r.faults)) {
    const what = `${name}, faultAt ${step}`;
    const [base, nth = '1'] = step.split('#');
    // The Nth use, not another: the step had completed N - 1 times when the fault came.
    const before = done.filter((s) => s === base).length;
    if (before !== Number(nth) - 1) bad.push(`${what}: failed after ${before} completed uses of ${base}, not ${Number(nth) - 1}`);
    if (!error) {
      bad.push(`${what}: the run did not fail`);
      continue;
    }
    if (error.name !== 'RunnerError' || error.step !== base || !error.message.startsWith(`${base}: injected failure`) || /could not undo/.test(error.message))
      bad.push(`${what}: ${error.name} ${error.step}: ${error.message}`);
    for (const key of Object.keys(r.before)) {
      const diff = changed(r.before[key], after[key]);
      if (diff) bad.push(`${what}: ${key} left changed: ${diff}`);
    }
  }
  return bad;
}

k('root: every step of a bridged run (--nat, --publish, --hostname, --tty), of --rootfs, of --net host and none', (ctx) => {
  const configs = {
    bridge: { command: ['true'], hostname: 'x', nat: true, publish: ['8080:80'], tty: true, dns: ['192.0.2.53'] },
    host: { command: ['true'], net: 'host' },
    none: { command: ['true'], net: 'none', hostname: 'x' },
  };
  if (!busyboxSkipReason) {
    ctx.rootfs = tempBusyboxRootfs();
    configs.rootfs = { command: ['true'], net: 'none', rootfs: ctx.rootfs.dir, dns: ['192.0.2.53'] };
  }
  const r = apiInNs(ctx.ns, BODY(configs, ctx.state), 240_000);
  const reached = new Set();
  const bad = Object.entries(r).flatMap(([name, x]) => problems(name, x, reached));
  assert.equal(bad, [], bad.join('\n'));
  // Every step of the type is reached, or rootless, or not injectable (with its reason above).
  const missing = runSteps().filter((s) => !reached.has(s) && !ROOTLESS_ONLY.includes(s) && !(s in NOT_INJECTED));
  assert.equal(missing, busyboxSkipReason ? missing : [], 'steps no root configuration reaches');
  if (busyboxSkipReason) return skip(`the --rootfs configuration: ${busyboxSkipReason}`);
});

k.run();
