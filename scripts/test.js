#!/usr/bin/env node
// Runs every test file (packages/*/test/**/*.test.js, test/**/*.test.js), each in its own Node
// process, and prints one closing line: "N passed, N failed, N skipped".
//
// As root it first re-executes itself inside a throwaway sandbox (new network, mount and pid
// namespaces, a private /run), so nothing a test creates can touch the machine's own network;
// kernel tests then make a fresh network namespace per test. As another user the codec tests
// run and the kernel tests report themselves skipped, with the reason.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

if (process.getuid?.() === 0 && process.env.NSRUN_TEST_SANDBOX !== '1') {
  const inner = `set -e
mount --make-rprivate /
mount -t tmpfs -o mode=0755 nsrun-test-run /run
mkdir -p /run/netns /run/nsrun
ip link set lo up 2>/dev/null || true
exec node ${JSON.stringify(fileURLToPath(import.meta.url))} "$@"`;
  const r = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', '--mount-proc', 'bash', '-c', inner, 'nsrun-test', ...args], {
    stdio: 'inherit',
    env: { ...process.env, NSRUN_TEST_SANDBOX: '1' },
  });
  if (r.error) {
    console.error(`test: cannot create the sandbox (unshare): ${r.error.message}`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

function find(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e === 'dist' || e === 'fixtures') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) find(p, out);
    else if (e.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = [...readdirSync(join(root, 'packages')).flatMap((p) => find(join(root, 'packages', p, 'test'))), ...find(join(root, 'test'))].sort();
if (args.length) files = files.filter((f) => args.some((a) => f.includes(a)));

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const num = (text, label) => Number((new RegExp(`${label}:\\s+(\\d+)`).exec(text) ?? [])[1] ?? NaN);

function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60 * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ file, code, signal, out: strip(out) });
    });
  });
}

const started = Date.now();
let passed = 0;
let failed = 0;
let skipped = 0;
// Two files at a time: the machine has two cores, and each kernel test uses its own netns.
const queue = [...files];
const results = [];
async function worker() {
  for (let f = queue.shift(); f; f = queue.shift()) {
    const r = await runFile(f);
    results.push(r);
    const total = num(r.out, 'Total');
    const p = num(r.out, 'Passed');
    const s = num(r.out, 'Skipped');
    const softSkips = (r.out.match(/^# SKIP /gm) ?? []).length;
    const name = relative(root, f);
    process.stdout.write(`\n=== ${name}\n${r.out.trimEnd()}\n`);
    if (Number.isNaN(total) || r.code !== 0) {
      const f2 = Number.isNaN(total) ? 1 : Math.max(1, total - (p || 0) - (s || 0));
      failed += f2;
      passed += Number.isNaN(p) ? 0 : p;
      skipped += Number.isNaN(s) ? 0 : s;
      process.stdout.write(`!!! ${name} failed (exit ${r.code ?? r.signal})\n`);
    } else {
      passed += p - softSkips;
      skipped += s + softSkips;
    }
  }
}
await Promise.all([worker(), worker()]);
const bad = results.filter((r) => r.code !== 0).map((r) => relative(root, r.file));
console.log(`\n${files.length} test files in ${((Date.now() - started) / 1000).toFixed(1)} s${bad.length ? `; failing: ${bad.join(', ')}` : ''}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
