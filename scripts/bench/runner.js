#!/usr/bin/env node
// How long `nsrun run -- true` takes from start to exit, next to the classic tutorial's flow done
// by hand (tutorial-flow.sh: unshare + ip, the same bridge, veth, address and route), with
// `node -e 0` as the floor any Node program stands on; and 20 containers started at once by
// nsrun against 20 tutorial flows one after the other. The runner section of `npm run bench`;
// alone: `node scripts/bench/runner.js [--quick] [--rounds K] [--batch-rounds K] [--batch N]
// [--net auto|bridge|none]` (or BENCH_RUNNER_ROUNDS, BENCH_RUNNER_BATCH_ROUNDS, BENCH_RUNNER_BATCH,
// BENCH_RUNNER_NET, BENCH_RUNNER_SETTLE_MS). Needs root.
//
// Every sample runs in a fresh sandbox (new net, mount and pid namespaces, a tmpfs on /run,
// lo up), so no sample inherits another's bridge, leases, veths or state files, and each is
// timed inside its sandbox by bash, from fork to exit: making and tearing down the sandbox is
// outside the time. Each sandbox runs its subject twice: the first run makes the bridge
// (both nsrun and the tutorial flow create brg0 when it is missing), the second finds it, as
// every later container on a host does. Subjects alternate within a round, in an order that
// rotates from round to round. Medians; ratios are nsrun over the tutorial flow (below 1:
// nsrun is faster).
//
// `--net auto` (the default) times the bridged network when nsrun can wire a container here
// (checked first: the container must see 10.10.10.x on eth0), else `--net none`, and says so.
//
// NODE_EXTRA_CA_CERTS, when set, makes every Node process read and parse that certificate
// file at start (tens of ms, before any of nsrun's code runs); it is removed from the measured
// processes' environment (BENCH_KEEP_ENV=1 keeps it), and the floor is also timed with it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Script } from 'node:vm';
import { fmt, median, ratio } from './report.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const BIN = here('../../packages/cli/dist/bin.cjs');
const MAIN = here('../../packages/cli/dist/main.js');
const FLOW = here('./tutorial-flow.sh');
const node = process.execPath;

// Inside a fresh sandbox: a private /run, lo up, then the subject $RUNS times, each timed.
const SAMPLE = `
mount -t tmpfs -o mode=0755 nsrun-bench-run /run && ip link set lo up || { echo "sandbox: setup failed" >&2; exit 97; }
for i in $(seq "$RUNS"); do
  t0=$EPOCHREALTIME; "$@" >/dev/null; rc=$?; t1=$EPOCHREALTIME
  echo "#run $i wall_us=$(( \${t1/./} - \${t0/./} )) rc=$rc"
done`;

// Inside a fresh sandbox: the subject $BATCH times, all at once or one after the other; the
// time from the first start to the last exit. FLOW_ADDR gives each tutorial flow its address.
const BATCH_RUN = `
mount -t tmpfs -o mode=0755 nsrun-bench-run /run && ip link set lo up || { echo "sandbox: setup failed" >&2; exit 97; }
fails=0; pids=()
t0=$EPOCHREALTIME
if [ "$MODE" = concurrent ]; then
  for i in $(seq "$BATCH"); do FLOW_ADDR=10.10.10.$((i + 1)) "$@" >/dev/null & pids+=($!); done
  for p in "\${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
else
  for i in $(seq "$BATCH"); do FLOW_ADDR=10.10.10.2 "$@" >/dev/null || fails=$((fails + 1)); done
fi
t1=$EPOCHREALTIME
echo "#batch wall_us=$(( \${t1/./} - \${t0/./} )) fails=$fails"`;

// A check, untimed: each container prints its IPv4 address on eth0 (all at once when BATCH > 1).
const WIRING = `
mount -t tmpfs -o mode=0755 nsrun-bench-run /run && ip link set lo up || exit 97
for i in $(seq "$BATCH"); do FLOW_ADDR=10.10.10.$((i + 1)) "$@" & done
wait`;
const SHOW_ADDR = ['sh', '-c', 'ip -4 -o addr show dev eth0 | awk \'{ print "#addr " $4 }\''];

export function runnerOptions(argv = [], env = process.env) {
  // Defaults, then --quick, then the environment, then the other flags.
  const quick = argv.includes('--quick');
  const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
  const o = {
    rounds: num(env.BENCH_RUNNER_ROUNDS, quick ? 5 : 15),
    batchRounds: num(env.BENCH_RUNNER_BATCH_ROUNDS, quick ? 1 : 3),
    batch: num(env.BENCH_RUNNER_BATCH, 20),
    net: env.BENCH_RUNNER_NET || 'auto',
    settleMs: num(env.BENCH_RUNNER_SETTLE_MS, 100),
    keepEnv: env.BENCH_KEEP_ENV === '1',
  };
  for (let i = 0; i < argv.length; i++) {
    const [a, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? argv[++i];
    if (a === '--quick') continue;
    else if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--batch-rounds') o.batchRounds = Number(value());
    else if (a === '--batch') o.batch = Number(value());
    else if (a === '--net') o.net = value();
    else
      throw new Error(
        `bench runner: unknown argument ${argv[i]} (usage: runner.js [--quick] [--rounds K] [--batch-rounds K] [--batch N] [--net auto|bridge|none])`,
      );
  }
  for (const k of ['rounds', 'batchRounds', 'batch', 'settleMs']) {
    const min = k === 'batchRounds' || k === 'settleMs' ? 0 : 1;
    if (!(Number.isInteger(o[k]) && o[k] >= min)) throw new Error(`bench runner: ${k} needs an integer >= ${min}, got ${o[k]}`);
  }
  if (!['auto', 'bridge', 'none'].includes(o.net)) throw new Error(`bench runner: --net must be auto, bridge or none, got ${o.net}`);
  return o;
}

/** The environment of every measured process (see the top of the file). */
function childEnv(keep) {
  const env = { ...process.env };
  if (!keep) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

function sandbox(script, argv, env) {
  const r = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--', 'bash', '-c', script, 'nsrun-bench', ...argv], {
    env,
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    timeout: 5 * 60 * 1000,
  });
  if (r.error) throw new Error(`bench runner: cannot run unshare: ${r.error.message}`);
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr.trim() };
}

const lastLine = (s) => s.split('\n').filter(Boolean).at(-1) ?? '';

/** One sandbox, the subject `runs` times: [{ wallMs, rc }], and stderr. */
function sample(argv, runs, env) {
  const r = sandbox(SAMPLE, argv, { ...env, RUNS: String(runs) });
  const times = [...r.stdout.matchAll(/^#run \d+ wall_us=(\d+) rc=(\d+)$/gm)].map((m) => ({ wallMs: Number(m[1]) / 1000, rc: Number(m[2]) }));
  return { times, ok: r.status === 0 && times.length === runs && times.every((t) => t.rc === 0), stderr: r.stderr };
}

/** One sandbox, `n` subjects at once (concurrent) or in turn (sequential): { wallMs, fails }. */
function batch(argv, n, mode, env) {
  const r = sandbox(BATCH_RUN, argv, { ...env, BATCH: String(n), MODE: mode });
  const m = /^#batch wall_us=(\d+) fails=(\d+)$/m.exec(r.stdout);
  const fails = m ? Number(m[2]) : n;
  return { wallMs: m ? Number(m[1]) / 1000 : null, fails, ok: r.status === 0 && fails === 0, stderr: r.stderr };
}

/** The addresses `n` containers started at once see on eth0 (a check that they are wired). */
function wiring(argv, n, env) {
  const r = sandbox(WIRING, [...argv, ...SHOW_ADDR], { ...env, BATCH: String(n) });
  const addrs = [...r.stdout.matchAll(/^#addr (\S+)$/gm)].map((m) => m[1]);
  const good = addrs.filter((a) => a.startsWith('10.10.10.'));
  return { ok: good.length === n && new Set(good).size === n, addrs, stderr: r.stderr };
}

/** Whether the bin runs the bundle with an accepted V8 code cache (else the timing is of something else). */
function entryState() {
  let paths;
  try {
    paths = createRequire(import.meta.url)(BIN);
  } catch (e) {
    return `cannot load ${BIN}: ${e.message}`;
  }
  const { BUNDLES, ID_LINE, cachedData } = paths;
  const states = [];
  for (const [name, { file, cache }] of Object.entries(BUNDLES)) {
    if (!existsSync(file)) return 'NO BUNDLES: the bin falls back to the unbundled entry.js (run `npm run build`)';
    if (!existsSync(cache)) {
      states.push(`${name}: NO CODE CACHE`);
      continue;
    }
    const source = readFileSync(file, 'latin1');
    const data = cachedData(cache, ID_LINE.exec(source)?.[1]);
    if (data === undefined) states.push(`${name}: code cache of ANOTHER build (not used)`);
    else if (new Script(source, { filename: file, cachedData: data }).cachedDataRejected) states.push(`${name}: code cache REJECTED by V8`);
  }
  return states.length ? `bundles, ${states.join('; ')}` : 'bundles + V8 code caches (accepted)';
}

function rotate(list, k) {
  const i = k % list.length;
  return [...list.slice(i), ...list.slice(0, i)];
}

/** Runs the whole comparison; returns { text, ok }. Progress goes to stderr. */
export async function runnerBench(o = runnerOptions()) {
  const say = (s) => process.stderr.write(`${s}\n`);
  const env = childEnv(o.keepEnv);
  const caSet = Boolean(process.env.NODE_EXTRA_CA_CERTS);
  const problems = [];
  const notes = [];

  // Which network: the bridge when nsrun wires a container with it here.
  let net = o.net === 'auto' ? 'bridge' : o.net;
  const nsrunArgs = (entry, ...opts) => [node, entry, 'run', ...(net === 'bridge' ? [] : ['--net', net]), ...opts, '--', 'true'];
  if (net === 'bridge') {
    const w = wiring([node, BIN, 'run', '--'], 1, env);
    if (!w.ok) {
      const why = lastLine(w.stderr) || `eth0 shows ${w.addrs.join(', ') || 'no IPv4 address'}`;
      if (o.net === 'bridge') throw new Error(`bench runner: nsrun cannot wire a bridged container here: ${why}`);
      net = 'none';
      notes.push(
        `NOTE: nsrun could not wire a bridged container here (${why}): timing \`nsrun run --net none\`, which does NOT make the bridge, veth, address or route the tutorial flow makes.`,
      );
    }
  }
  const flowCheck = wiring(['bash', FLOW], 1, env);
  if (!flowCheck.ok) problems.push(`tutorial flow does not wire its container: ${lastLine(flowCheck.stderr) || flowCheck.addrs.join(', ')}`);

  const SUBJECTS = [
    { key: 'floor', label: 'node -e 0 (floor)', argv: [node, '-e', '0'] },
    { key: 'nsrun', label: 'nsrun run (bin: bundle)', argv: nsrunArgs(BIN) },
    { key: 'unbundled', label: 'nsrun run (main.js, unbundled)', argv: nsrunArgs(MAIN) },
    // What confining the container costs: the seccomp loader (perl), and all of it.
    { key: 'noSeccomp', label: 'nsrun run, seccomp=unconfined', argv: nsrunArgs(BIN, '--security-opt', 'seccomp=unconfined') },
    { key: 'privileged', label: 'nsrun run --privileged', argv: nsrunArgs(BIN, '--privileged') },
    { key: 'tutorial', label: 'tutorial flow (unshare + ip)', argv: ['bash', FLOW, 'true'] },
  ];
  if (caSet && !o.keepEnv) SUBJECTS.push({ key: 'floorCa', label: 'node -e 0, NODE_EXTRA_CA_CERTS kept', argv: [node, '-e', '0'], env: process.env });

  const entry = entryState();
  say(`bench runner: ${o.rounds} round(s) of ${SUBJECTS.map((s) => s.key).join(', ')} (2 runs per fresh sandbox), net ${net}; entry: ${entry}`);
  const single = Object.fromEntries(SUBJECTS.map((s) => [s.key, { first: [], second: [] }]));
  for (let round = 1; round <= o.rounds; round++) {
    const line = [];
    for (const s of rotate(SUBJECTS, round - 1)) {
      const r = sample(s.argv, 2, s.env ?? env);
      if (!r.ok)
        problems.push(`${s.key} round ${round}: ${r.times.map((t) => `rc ${t.rc}`).join(', ') || 'no time'}${r.stderr ? `: ${lastLine(r.stderr)}` : ''}`);
      else {
        single[s.key].first.push(r.times[0].wallMs);
        single[s.key].second.push(r.times[1].wallMs);
      }
      line.push(`${s.key} ${r.ok ? r.times.map((t) => t.wallMs.toFixed(0)).join('/') : 'FAILED'}`);
      await sleep(o.settleMs);
    }
    say(`  round ${round}: ${line.join(', ')} ms`);
  }

  const BATCHES = [
    { key: 'nsrunConcurrent', label: `${o.batch} x nsrun run, all at once`, argv: nsrunArgs(BIN), mode: 'concurrent' },
    { key: 'tutorialSequential', label: `${o.batch} x tutorial flow, one after another`, argv: ['bash', FLOW, 'true'], mode: 'sequential' },
    { key: 'nsrunSequential', label: `${o.batch} x nsrun run, one after another`, argv: nsrunArgs(BIN), mode: 'sequential' },
  ];
  const batches = Object.fromEntries(BATCHES.map((b) => [b.key, []]));
  if (o.batchRounds > 0) {
    if (net === 'bridge') {
      const w = wiring([node, BIN, 'run', '--'], o.batch, env);
      if (!w.ok)
        problems.push(
          `${o.batch} nsrun containers at once are not all wired with distinct addresses: ${w.addrs.join(' ') || '-'}${w.stderr ? `: ${lastLine(w.stderr)}` : ''}`,
        );
    }
    say(`bench runner: ${o.batchRounds} round(s) of ${o.batch} containers: ${BATCHES.map((b) => b.key).join(', ')}`);
    for (let round = 1; round <= o.batchRounds; round++) {
      const line = [];
      for (const b of rotate(BATCHES, round - 1)) {
        const r = batch(b.argv, o.batch, b.mode, env);
        if (!r.ok) problems.push(`${b.key} round ${round}: ${r.fails} of ${o.batch} failed${r.stderr ? `: ${lastLine(r.stderr)}` : ''}`);
        else batches[b.key].push(r.wallMs);
        line.push(`${b.key} ${r.ok ? r.wallMs.toFixed(0) : 'FAILED'}`);
        await sleep(o.settleMs * 5);
      }
      say(`  round ${round}: ${line.join(', ')} ms`);
    }
  }

  const med = (key, which) => median(single[key][which]);
  const lines = [
    `nsrun run start-up: \`nsrun run${net === 'bridge' ? '' : ` --net ${net}`} -- true\` from start to exit, ${net === 'bridge' ? 'bridged network' : `network ${net}`}, ` +
      `next to the tutorial flow; ${o.rounds} round(s), each sample in a fresh sandbox; medians in ms`,
    `entry: ${entry}`,
    ...notes,
    '',
    `${'subject'.padEnd(40)}${'1st run'.padStart(10)}${'2nd run'.padStart(10)}`,
  ];
  for (const s of SUBJECTS) lines.push(`${s.label.padEnd(40)}${fmt(med(s.key, 'first')).padStart(10)}${fmt(med(s.key, 'second')).padStart(10)}`);
  const row = (label, f) => lines.push(`${label.padEnd(40)}${f('first').padStart(10)}${f('second').padStart(10)}`);
  row('nsrun / tutorial flow', (w) => ratio(med('nsrun', w), med('tutorial', w)));
  row('nsrun - floor', (w) => fmt(med('nsrun', w) === null || med('floor', w) === null ? null : med('nsrun', w) - med('floor', w)));
  row('unbundled / bundle', (w) => ratio(med('unbundled', w), med('nsrun', w)));
  row('confined - privileged', (w) => fmt(med('nsrun', w) === null || med('privileged', w) === null ? null : med('nsrun', w) - med('privileged', w)));
  row('seccomp filter - unconfined', (w) => fmt(med('nsrun', w) === null || med('noSeccomp', w) === null ? null : med('nsrun', w) - med('noSeccomp', w)));
  if (caSet) {
    const ca = o.keepEnv ? 'kept in' : 'removed from';
    lines.push(
      `NODE_EXTRA_CA_CERTS is set here and was ${ca} the measured processes' environment` +
        (o.keepEnv
          ? ''
          : `; with it, node -e 0 takes ${fmt(med('floorCa', 'second'))} ms instead of ${fmt(med('floor', 'second'))} (node reads the file at every start)`),
    );
  }
  if (o.batchRounds > 0) {
    const b = (k) => median(batches[k]);
    lines.push('', `${o.batch} containers, ${o.batchRounds} round(s), from the first start to the last exit, fresh sandbox each; medians in ms`);
    for (const x of BATCHES) lines.push(`${x.label.padEnd(50)}${fmt(b(x.key)).padStart(10)}`);
    lines.push(`${'nsrun all at once / tutorial one after another'.padEnd(50)}${ratio(b('nsrunConcurrent'), b('tutorialSequential')).padStart(10)}`);
  }
  lines.push(
    '',
    problems.length
      ? `problems:\n  ${problems.join('\n  ')}`
      : 'no problems: every run exited 0; the containers were wired (eth0 in 10.10.10.0/24, distinct when started at once)',
  );
  return { text: lines.join('\n'), ok: problems.length === 0 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.getuid?.() !== 0) {
    console.error('bench runner: needs root (every sample runs in its own unshare sandbox)');
    process.exit(2);
  }
  const started = Date.now();
  const { text, ok } = await runnerBench(runnerOptions(process.argv.slice(2)));
  console.error(`bench runner: ${((Date.now() - started) / 1000).toFixed(0)} s in total`);
  console.log(text);
  process.exit(ok ? 0 : 1);
}
