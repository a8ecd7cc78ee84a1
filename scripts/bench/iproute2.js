#!/usr/bin/env node
// iproute2: the benchmark workloads done by the `ip` binary, for comparison with nsrun (same
// contract as ../bench-impl.js: `iproute2.js N R` in a fresh netns, one JSON line out).
// Batch files are written untimed; each workload is one `ip -batch FILE` process timed from
// spawn to exit, so ip's own start-up is inside each wN_ms.
//
//   W1  N x `link add b{i}a type veth peer name b{i}b`, then 2N x `link set ... up`
//   W2  N x `addr add 100.64.x.y/32 dev b{i}a`   (ip resolves each name: one RTM_GETLINK each)
//   W3  R x `route add 198.18.x.y/32 dev b0a scope link`
//   W4  `ip -j route show table main >/dev/null` timed; the count from a second, untimed run
//   W5  N x `link del b{i}a`
//
// `iproute2.js --group N`: the pairs are created in link group 1 and up, then one
// `ip link del group 1` is timed (del_group_ms): the kernel unregisters them all at once.
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { guardNetns, sizes } from './guard.js';

const WHO = 'iproute2';
const IP = process.env.NLBENCH_IP || 'ip';
const group = process.argv[2] === '--group';
guardNetns(WHO);
const { N, R } = group ? sizes(WHO, [process.argv[3], '0']) : sizes(WHO);
const stopAfter = Number.parseInt(process.env.NLBENCH_STOP_AFTER ?? '5', 10);
const dir = mkdtempSync(join(tmpdir(), 'nsrun-bench-ip-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const ip4 = (a, b, i) => `${a}.${b + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

/**
 * Runs ip; returns [ms from spawn to exit, stdout]. Any failure ends the program (exit 1).
 * @param {string[]} args
 * @param {'ignore' | 'pipe' | number} [stdout]
 */
function ip(args, stdout = 'ignore') {
  const t = process.hrtime.bigint();
  const r = spawnSync(IP, args, { stdio: ['ignore', stdout, 'pipe'], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error || r.status !== 0) {
    process.stderr.write(`${WHO}: ip ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}\n`);
    process.exit(1);
  }
  return [Math.round(ms * 1e3) / 1e3, r.stdout];
}

/** Writes one batch file (untimed) and returns its path. */
function batch(name, lines) {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function w1Lines(extra = '') {
  const lines = [];
  for (let i = 0; i < N; i++) lines.push(`link add b${i}a${extra} type veth peer name b${i}b`);
  for (let i = 0; i < N; i++) lines.push(`link set b${i}a up`, `link set b${i}b up`);
  return lines;
}

const out = { impl: WHO, N };
if (group) {
  [out.w1_ms] = ip(['-batch', batch('w1', w1Lines(' group 1'))]);
  [out.del_group_ms] = ip(['link', 'del', 'group', '1']);
} else {
  out.R = R;
  const w2 = [],
    w3 = [],
    w5 = [];
  for (let i = 0; i < N; i++) w2.push(`addr add ${ip4(100, 64, i)}/32 dev b${i}a`);
  for (let j = 0; j < R; j++) w3.push(`route add ${ip4(198, 18, j)}/32 dev b0a scope link`);
  for (let i = 0; i < N; i++) w5.push(`link del b${i}a`);
  const files = { w1: batch('w1', w1Lines()), w2: batch('w2', w2), w3: batch('w3', w3), w5: batch('w5', w5) };
  [out.w1_ms] = ip(['-batch', files.w1]);
  [out.w2_ms] = ip(['-batch', files.w2]);
  out.w3_ms = R > 0 ? ip(['-batch', files.w3])[0] : 0;
  Object.assign(out, { w4_ms: null, w4_count: null, w5_ms: null });
  if (stopAfter >= 4) {
    const devnull = openSync('/dev/null', 'w');
    [out.w4_ms] = ip(['-j', 'route', 'show', 'table', 'main'], devnull);
    closeSync(devnull);
    out.w4_count = JSON.parse(ip(['-j', 'route', 'show', 'table', 'main'], 'pipe')[1].toString() || '[]').length;
  }
  if (stopAfter >= 5) [out.w5_ms] = ip(['-batch', files.w5]);
}
process.stdout.write(JSON.stringify(out) + '\n');
