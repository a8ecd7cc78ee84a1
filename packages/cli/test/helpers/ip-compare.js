// `nsrun ip` next to iproute2's `ip` inside a test's network namespace: run both on the same
// objects and compare what they print, JSON as parsed values, text line by line (ip's trailing
// spaces aside). State may still be moving (carrier, DAD, counters), so ip runs before and after
// nsrun; a difference counts only when those two agree.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Runs `nsrun ARGS` inside the test's namespace: { status, stdout, stderr }. */
export function nsrun(ctx, args, opts = {}) {
  const r = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, process.execPath, MAIN, ...args], {
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: opts.timeout ?? 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `ip ARGS` inside the test's namespace: { status, stdout, stderr }. */
export function ipRun(ctx, args, opts = {}) {
  const r = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, 'ip', ...args], { encoding: 'utf8', input: opts.input ?? '', timeout: opts.timeout ?? 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `nsrun ip ARGS` that must succeed and print nothing on stderr; its stdout. */
export function nip(ctx, ...args) {
  const r = nsrun(ctx, ['ip', ...args]);
  if (r.status !== 0) assert.unreachable(`nsrun ip ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  assert.is(r.stderr, '', `nsrun ip ${args.join(' ')} wrote to stderr`);
  return r.stdout;
}

function ipOut(ctx, args) {
  const r = ipRun(ctx, args);
  if (r.status !== 0) assert.unreachable(`ip ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const trimLines = (s) =>
  s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');

/** Keys whose values move by themselves (bridge timers, neighbour ages), replaced by "*". */
export function maskMoving(v) {
  if (Array.isArray(v)) return v.map(maskMoving);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, /_timer$/.test(k) ? '*' : maskMoving(x)]));
  }
  return v;
}
export const maskMovingText = (s) => s.replace(/(_timer) +\d+\.\d\d/g, '$1 *');

/**
 * `nsrun ip -j ARGS` and `ip -j ARGS` print the same JSON (every key, in the same order).
 * `mask` maps both before comparing. Returns nsrun's (masked) value.
 */
export async function sameJson(ctx, args, mask = maskMoving) {
  const norm = (s) => JSON.stringify(mask(JSON.parse(s || '[]')), null, 1);
  for (let attempt = 1; ; attempt++) {
    const before = norm(ipOut(ctx, ['-j', ...args]));
    const ours = norm(nip(ctx, '-j', ...args));
    const after = norm(ipOut(ctx, ['-j', ...args]));
    if (ours === after) return JSON.parse(ours);
    if (attempt >= 10 || before === after) assert.fixture(ours, after, `nsrun ip -j ${args.join(' ')} vs ip -j`);
    await sleep(200);
  }
}

/** `nsrun ip ARGS` prints what `ip ARGS` prints, line by line without trailing spaces. Returns it. */
export async function sameText(ctx, args, mask = maskMovingText) {
  const norm = (s) => mask(trimLines(s));
  for (let attempt = 1; ; attempt++) {
    const before = norm(ipOut(ctx, args));
    const ours = norm(nip(ctx, ...args));
    const after = norm(ipOut(ctx, args));
    if (ours === after) return ours;
    if (attempt >= 10 || before === after) assert.fixture(ours, after, `nsrun ip ${args.join(' ')} vs ip`);
    await sleep(200);
  }
}

/** Both, text and -j. */
export async function sameAsIp(ctx, ...args) {
  await sameText(ctx, args);
  return sameJson(ctx, args);
}

/** IPv6 off in the test's namespace (before links are made): no DAD or router solicitations moving counters. */
export function quiet(ctx) {
  ctx.sh('sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
}
