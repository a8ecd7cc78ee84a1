// Turns the per-run records of scripts/bench.js into the printed report: medians per workload
// for nsrun, iproute2 and the peers that ran (bench/peers.js), nsrun's ratio to each, the
// group-deletion line, and any problems seen.

export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export const fmt = (x) => (x === null ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const ratio = (a, b) => (a === null || b === null || b === 0 ? '-' : `${(a / b).toFixed(2)}x`);

/** @type {[string, (r: any) => number][]} */
const ROWS = [
  ['W1 link create+up', (r) => r.result?.w1_ms],
  ['W2 addr add', (r) => r.result?.w2_ms],
  ['  (W2 index lookup)', (r) => r.result?.w2_lookup_ms],
  ['W3 route add', (r) => r.result?.w3_ms],
  ['W4 route dump', (r) => r.result?.w4_ms],
  ['W5 link delete', (r) => r.result?.w5_ms],
  ['W1-W4', (r) => (r.result ? r.result.w1_ms + r.result.w2_ms + r.result.w3_ms + r.result.w4_ms : null)],
  ['wall (process)', (r) => r.wallMs],
];

/** Problems worth a line: failed runs, wrong W4 counts, interfaces left behind. */
function problems(runs, R) {
  const out = [];
  for (const r of runs) {
    const who = `${r.name} round ${r.round}`;
    if (r.rc !== 0 || !r.result) out.push(`${who}: exit ${r.rc}${r.stderr ? `: ${r.stderr}` : ''}`);
    else if (r.kind === 'workloads' && r.result.w4_count !== R) out.push(`${who}: w4_count ${r.result.w4_count} != R ${R}`);
    if (r.leftover) out.push(`${who}: ${r.leftover} interfaces left behind`);
  }
  return out;
}

const SHORT = { iproute2: 'ip', 'c-libmnl-batch': 'C-batch', 'go-vishvananda': 'go' };

/** `runs`: { name: 'nsrun'|'iproute2'|peer, kind: 'workloads'|'group', round, rc, result, wallMs, leftover, stderr }. */
export function report(runs, { N, R, rounds }) {
  const pick = (name, kind) => runs.filter((r) => r.name === name && r.kind === kind && r.rc === 0 && r.result);
  // nsrun, iproute2, then each peer that ran, in the order they ran.
  const others = [...new Set(runs.filter((r) => r.kind === 'workloads' && r.name !== 'nsrun').map((r) => r.name))];
  const ns = pick('nsrun', 'workloads');
  const lines = [`rtnetlink benchmark: N=${N} veth pairs, R=${R} routes, ${rounds} round(s); medians in ms`, ''];
  const w = 10;
  lines.push(
    'workload'.padEnd(22) +
      ['nsrun', ...others].map((n) => n.padStart(Math.max(w, n.length + 2))).join('') +
      others.map((n) => `nsrun/${SHORT[n] ?? n}`.padStart(Math.max(w, (SHORT[n] ?? n).length + 8))).join(''),
  );
  for (const [label, get] of ROWS) {
    const a = median(ns.map(get));
    const b = others.map((n) => median(pick(n, 'workloads').map(get)));
    lines.push(
      label.padEnd(22) +
        [a, ...b].map((x, i) => fmt(x).padStart(Math.max(w, ['nsrun', ...others][i].length + 2))).join('') +
        b.map((x, i) => ratio(a, x).padStart(Math.max(w, (SHORT[others[i]] ?? others[i]).length + 8))).join(''),
    );
  }
  const gn = median(pick('nsrun', 'group').map((r) => r.result.del_group_ms));
  const gi = median(pick('iproute2', 'group').map((r) => r.result.del_group_ms));
  const w5 = median(ns.map((r) => r.result.w5_ms));
  lines.push('');
  lines.push(
    `group delete of ${N} pairs: nsrun linkDelGroup ${fmt(gn)} ms, ip link del group ${fmt(gi)} ms (${ratio(gn, gi)});` +
      ` ${ratio(w5, gn)} faster than per-link W5`,
  );
  const bad = problems(runs, R);
  lines.push('', bad.length ? `problems:\n  ${bad.join('\n  ')}` : `no problems: every run exited 0, w4_count = ${R}, no interfaces left behind`);
  return lines.join('\n');
}
