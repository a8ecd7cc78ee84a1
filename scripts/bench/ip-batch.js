#!/usr/bin/env node
// `nsrun ip -batch FILE` next to `ip -batch FILE` on the same file: P veth pairs made and brought
// up, an address on each, R routes through them (P + 2P + P + R lines, links first, then the
// addresses, then the routes, as a topology script is written). The `-batch` section of `npm run
// bench`; alone: `node scripts/bench/ip-batch.js [--quick] [--rounds K] [--pairs P] [--routes R]`
// (or BENCH_IPBATCH_ROUNDS, BENCH_IPBATCH_PAIRS, BENCH_IPBATCH_ROUTES). Needs root.
//
// Each sample is one process run from start to exit (Node's start-up is inside nsrun's times,
// ip's own inside ip's), in a fresh sandbox (new net, mount and pid namespaces; IPv6 off, so
// link-up sends nothing), timed there by bash; then the sandbox's links and routes are counted
// (a run that made less than the file asks for is a problem, not a time). Subjects alternate,
// in an order that rotates from round to round. Medians; ratios are nsrun over ip (below 1:
// nsrun is faster). nsrun without -force sends each line when the previous one is answered (a
// failing line stops the batch, as ip's does); with -force the lines are pipelined.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { fmt, median, ratio } from './report.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const BIN = here('../../packages/cli/dist/bin.cjs');
const node = process.execPath;

const SAMPLE = `
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 && echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
mount -t tmpfs -o mode=0755 nsrun-bench-run /run && ip link set lo up || { echo "sandbox: setup failed" >&2; exit 97; }
t0=$EPOCHREALTIME; "$@" >/dev/null; rc=$?; t1=$EPOCHREALTIME
echo "#batch wall_us=$(( \${t1/./} - \${t0/./} )) rc=$rc links=$(ip -o link show | wc -l) routes=$(ip -4 route show | wc -l)"`;

export function ipBatchOptions(argv = [], env = process.env) {
  const quick = argv.includes('--quick');
  const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
  const o = {
    rounds: num(env.BENCH_IPBATCH_ROUNDS, quick ? 3 : 7),
    pairs: num(env.BENCH_IPBATCH_PAIRS, 300),
    routes: num(env.BENCH_IPBATCH_ROUTES, 2000),
  };
  for (let i = 0; i < argv.length; i++) {
    const [a, inline] = argv[i].split(/=(.*)/s);
    const value = () => Number(inline ?? argv[++i]);
    if (a === '--quick') continue;
    else if (a === '--rounds') o.rounds = value();
    else if (a === '--pairs') o.pairs = value();
    else if (a === '--routes') o.routes = value();
    else throw new Error(`bench ip-batch: unknown argument ${argv[i]} (usage: ip-batch.js [--quick] [--rounds K] [--pairs P] [--routes R])`);
  }
  for (const k of ['rounds', 'pairs']) if (!(Number.isInteger(o[k]) && o[k] >= 1)) throw new Error(`bench ip-batch: ${k} needs an integer >= 1, got ${o[k]}`);
  if (!(Number.isInteger(o.routes) && o.routes >= 0 && o.routes <= 65536))
    throw new Error(`bench ip-batch: routes needs an integer from 0 to 65536, got ${o.routes}`);
  return o;
}

/** The topology file: links, then addresses, then routes. */
function lines(P, R) {
  const out = [];
  for (let i = 0; i < P; i++) out.push(`link add b${i}a type veth peer name b${i}b`);
  for (let i = 0; i < P; i++) out.push(`link set b${i}a up`, `link set b${i}b up`);
  for (let i = 0; i < P; i++) out.push(`addr add 100.64.${i >> 8}.${i & 255}/32 dev b${i}a`);
  for (let j = 0; j < R; j++) out.push(`route add 198.18.${j >> 8}.${j & 255}/32 dev b${j % P}a scope link`);
  return out;
}

function sample(argv, env) {
  const r = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--', 'bash', '-c', SAMPLE, 'nsrun-bench', ...argv], {
    env,
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    timeout: 10 * 60 * 1000,
  });
  if (r.error) throw new Error(`bench ip-batch: cannot run unshare: ${r.error.message}`);
  const m = /^#batch wall_us=(\d+) rc=(\d+) links=(\d+) routes=(\d+)$/m.exec(r.stdout);
  return m
    ? { wallMs: Number(m[1]) / 1000, rc: Number(m[2]), links: Number(m[3]), routes: Number(m[4]), stderr: r.stderr.trim() }
    : { wallMs: null, rc: r.status ?? 128, links: 0, routes: 0, stderr: r.stderr.trim() };
}

function rotate(list, k) {
  const i = k % list.length;
  return [...list.slice(i), ...list.slice(0, i)];
}

/** Runs the comparison; returns { text, ok }. Progress goes to stderr. */
export async function ipBatchBench(o = ipBatchOptions()) {
  const say = (s) => process.stderr.write(`${s}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-bench-ipbatch-'));
  try {
    const text = lines(o.pairs, o.routes);
    const file = join(dir, 'topology');
    writeFileSync(file, `${text.join('\n')}\n`);
    // Links: lo and both ends of each pair; IPv4 routes: the routes, plus none for /32 addresses.
    const want = { links: 1 + 2 * o.pairs, routes: o.routes };
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS; // read at every Node start: not nsrun's cost (see runner.js)
    const SUBJECTS = [
      { key: 'ip', label: 'ip -batch FILE', argv: ['ip', '-batch', file] },
      { key: 'nsrun', label: 'nsrun ip -batch FILE', argv: [node, BIN, 'ip', '-batch', file] },
      { key: 'nsrunForce', label: 'nsrun ip -force -batch FILE', argv: [node, BIN, 'ip', '-force', '-batch', file] },
      { key: 'floor', label: 'node -e 0 (floor)', argv: [node, '-e', '0'] },
    ];
    say(
      `bench ip-batch: ${o.rounds} round(s) of ${SUBJECTS.map((s) => s.key).join(', ')}; ${text.length} lines (${o.pairs} veth pairs and up, ${o.pairs} addresses, ${o.routes} routes)`,
    );
    const times = Object.fromEntries(SUBJECTS.map((s) => [s.key, []]));
    const problems = [];
    for (let round = 1; round <= o.rounds; round++) {
      const line = [];
      for (const s of rotate(SUBJECTS, round - 1)) {
        const r = sample(s.argv, env);
        const made = s.key === 'floor' || (r.links === want.links && r.routes === want.routes);
        if (r.rc !== 0 || r.wallMs === null || !made) {
          problems.push(
            `${s.key} round ${round}: exit ${r.rc}, ${r.links} links and ${r.routes} routes (want ${want.links} and ${want.routes})${r.stderr ? `: ${r.stderr.split('\n').at(-1)}` : ''}`,
          );
          line.push(`${s.key} FAILED`);
        } else {
          times[s.key].push(r.wallMs);
          line.push(`${s.key} ${r.wallMs.toFixed(0)}`);
        }
        await sleep(300); // lets the previous sandbox's namespace go
      }
      say(`  round ${round}: ${line.join(', ')} ms`);
    }
    const m = (k) => median(times[k]);
    const out = [
      `ip -batch: one file of ${text.length} lines (${o.pairs} veth pairs made and up, ${o.pairs} addresses, ${o.routes} routes), ` +
        `each run from start to exit in a fresh sandbox; ${o.rounds} round(s); medians in ms`,
      '',
      ...SUBJECTS.map((s) => `${s.label.padEnd(40)}${fmt(m(s.key)).padStart(10)}`),
      `${'nsrun ip -batch / ip -batch'.padEnd(40)}${ratio(m('nsrun'), m('ip')).padStart(10)}`,
      `${'nsrun ip -force -batch / ip -batch'.padEnd(40)}${ratio(m('nsrunForce'), m('ip')).padStart(10)}`,
      '',
      problems.length ? `problems:\n  ${problems.join('\n  ')}` : `no problems: every run exited 0 and made ${want.links - 1} links and ${want.routes} routes`,
    ];
    return { text: out.join('\n'), ok: problems.length === 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.getuid?.() !== 0) {
    console.error('bench ip-batch: needs root (every sample runs in its own unshare sandbox)');
    process.exit(2);
  }
  const { text, ok } = await ipBatchBench(ipBatchOptions(process.argv.slice(2)));
  console.log(text);
  process.exit(ok ? 0 : 1);
}
