#!/usr/bin/env node
// `npm run bench [-- [--quick] [--rounds K] [--no-runner | --runner-only] [N [R]]]`: the
// rtnetlink workloads (N veth pairs, N addresses, R routes, a route dump, N deletions; see
// bench-impl.js) done through @nsrun/netlink and through `ip -batch`, interleaved for K rounds
// (default 3), each run in its own throwaway network namespace; then medians, ratios and a
// group-deletion comparison. The compiled peers of ../shared/bench/netlink (batched C on libmnl,
// Go vishvananda/netlink) join the same rounds when their builds are found (bench/peers.js says
// where it looks; NLBENCH_DIR names a built copy). Defaults N=1000 R=10000 (W5 alone is ~20 s per run: the kernel
// waits for an RCU grace period on every link delete); --quick is N=200 R=2000, one round.
// Then the -batch section: `nsrun ip -batch FILE` (and -force) next to `ip -batch FILE` on
// one topology file of a few thousand lines (bench/ip-batch.js, which says what it times; skip
// it with --no-ip-batch, or run only it with --ip-batch-only). Then the runner section: `nsrun
// run -- true` from start to exit next to the tutorial flow, and 20 containers at once
// (bench/runner.js, which says what it times and its knobs; --quick shortens it too). Then the
// rootless section: `nsrun run -- true` by a user who is not root, next to root's and to
// `unshare --user` (bench/rootless.js; --no-rootless skips it, --rootless-only runs only it).
// Then the CNI section: ADD+DEL by nsrun's CNI plugin next to the reference bridge + host-local
// plugins on the same configuration (bench/cni.js; --no-cni skips it, --cni-only runs only it).
// Needs root.
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInSandbox } from './bench/sandbox.js';
import { report } from './bench/report.js';
import { peerCommands } from './bench/peers.js';
import { runnerBench, runnerOptions } from './bench/runner.js';
import { ipBatchBench, ipBatchOptions } from './bench/ip-batch.js';
import { rootlessBench, rootlessOptions } from './bench/rootless.js';
import { cniBench, cniOptions } from './bench/cni.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SETTLE_MS = 500; // lets the previous namespace be torn down before the next run

function options(argv) {
  const o = { N: 1000, R: 10000, rounds: 3, netlink: true, ipBatch: true, runner: true, rootless: true, cni: true, quick: false };
  const sizes = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') Object.assign(o, { N: 200, R: 2000, rounds: 1, quick: true });
    else if (a === '--no-runner') o.runner = false;
    else if (a === '--runner-only') Object.assign(o, { netlink: false, ipBatch: false, rootless: false, cni: false });
    else if (a === '--no-cni') o.cni = false;
    else if (a === '--cni-only') Object.assign(o, { netlink: false, ipBatch: false, runner: false, rootless: false });
    else if (a === '--no-rootless') o.rootless = false;
    else if (a === '--rootless-only') Object.assign(o, { netlink: false, ipBatch: false, runner: false, cni: false });
    else if (a === '--no-ip-batch') o.ipBatch = false;
    else if (a === '--ip-batch-only') Object.assign(o, { netlink: false, runner: false, rootless: false, cni: false });
    else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a.startsWith('--rounds=')) o.rounds = Number(a.slice(9));
    else if (/^\d+$/.test(a)) sizes.push(Number(a));
    else
      throw new Error(
        `bench: unknown argument ${a} (usage: bench.js [--quick] [--rounds K] [--no-runner | --runner-only] [--no-ip-batch | --ip-batch-only] [--no-rootless | --rootless-only] [--no-cni | --cni-only] [N [R]])`,
      );
  }
  if (sizes.length) [o.N, o.R = o.R] = sizes;
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('bench: --rounds needs a positive integer');
  return o;
}

const opts = options(process.argv.slice(2));
if (process.getuid?.() !== 0) {
  console.error('bench: needs root (every run happens in its own `unshare --net` namespace)');
  process.exit(2);
}

const node = process.execPath;
const N = String(opts.N);
const R = String(opts.R);
const PEERS = peerCommands(N, R);
const PLAN = [
  { name: 'nsrun', kind: 'workloads', argv: [node, here('./bench-impl.js'), N, R] },
  { name: 'iproute2', kind: 'workloads', argv: [node, here('./bench/iproute2.js'), N, R] },
  ...PEERS.commands.map((p) => ({ ...p, kind: 'workloads' })),
  { name: 'nsrun', kind: 'group', argv: [node, here('./bench/group-delete.js'), N] },
  { name: 'iproute2', kind: 'group', argv: [node, here('./bench/iproute2.js'), '--group', N] },
];

const runs = [];
const started = Date.now();
let ok = true;
if (opts.netlink) {
  console.error(`bench: N=${N} R=${R}, ${opts.rounds} round(s) of ${PLAN.map((p) => `${p.name}/${p.kind}`).join(', ')}`);
  if (PEERS.note) console.error(`bench: ${PEERS.note}`);
  for (let round = 1; round <= opts.rounds; round++) {
    for (const p of PLAN) {
      const r = { name: p.name, kind: p.kind, round, ...runInSandbox(p.argv) };
      runs.push(r);
      const what = r.rc === 0 ? JSON.stringify(r.result) : `FAILED (exit ${r.rc}): ${r.stderr}`;
      console.error(`  round ${round} ${`${p.name}/${p.kind}`.padEnd(18)} ${what} wall=${r.wallMs}ms`);
      await sleep(SETTLE_MS);
    }
  }
  ok = runs.every((r) => r.rc === 0 && r.result);
}
let ipBatch;
if (opts.ipBatch) {
  ipBatch = await ipBatchBench(ipBatchOptions(opts.quick ? ['--quick'] : []));
  ok &&= ipBatch.ok;
}
let runner;
if (opts.runner) {
  runner = await runnerBench(runnerOptions(opts.quick ? ['--quick'] : []));
  ok &&= runner.ok;
}
let rootless;
if (opts.rootless) {
  rootless = await rootlessBench(rootlessOptions(opts.quick ? ['--quick'] : []));
  ok &&= rootless.ok;
}
let cniText;
if (opts.cni) {
  const c = await cniBench(cniOptions(opts.quick ? ['--quick'] : []));
  cniText = c.text;
  ok &&= c.ok;
}
console.error(`bench: ${((Date.now() - started) / 1000).toFixed(0)} s in total`);
console.log([opts.netlink ? report(runs, opts) : null, ipBatch?.text, runner?.text, rootless?.text, cniText].filter(Boolean).join('\n\n'));
process.exit(ok ? 0 : 1);
