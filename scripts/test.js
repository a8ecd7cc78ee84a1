#!/usr/bin/env node
// Type-checks the tests (tsconfig.test.json), then runs every test file
// (packages/*/test/**/*.test.js, test/**/*.test.js), each in its own Node process, and prints
// one closing line: "N passed, N failed, N skipped". A type error fails the run before any test.
//
// As root it first re-executes itself inside a throwaway sandbox (new network, mount and pid
// namespaces, a private /run), so nothing a test creates can touch the machine's own network;
// kernel tests then make a fresh network namespace per test. As another user the codec tests
// run and the kernel tests report themselves skipped, with the reason.
//
// Arguments: substrings of the files to run (then the type check is left out). Environment:
// NSRUN_TEST_JOBS, how many files run at once (default: os.availableParallelism()).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reexecInSandbox } from '@nsrun/test-helpers/sandbox';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

const jobs = process.env.NSRUN_TEST_JOBS === undefined ? availableParallelism() : Number(process.env.NSRUN_TEST_JOBS);
if (!Number.isInteger(jobs) || jobs < 1) {
  console.error(`test: NSRUN_TEST_JOBS="${process.env.NSRUN_TEST_JOBS}": must be a whole number of at least 1`);
  process.exit(1);
}

// Inside the sandbox, before the tests: a private /run (named netns and nsrun's state live there).
const SANDBOX_SETUP = [
  'mount --make-rprivate /',
  'mount -t tmpfs -o mode=0755 nsrun-test-run /run',
  'mkdir -p /run/netns /run/nsrun',
  'ip link set lo up 2>/dev/null || true',
].join('\n');

if (process.env.NSRUN_TEST_SANDBOX !== '1') {
  if (!args.length) typecheck();
  if (process.getuid?.() === 0) {
    reexecInSandbox({ tool: 'test', why: 'kernel tests make network namespaces', marker: 'NSRUN_TEST_SANDBOX', setup: SANDBOX_SETUP });
  }
}

/** tsc over tsconfig.test.json; a type error ends the run here, with tsc's report. */
function typecheck() {
  const started = Date.now();
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.test.json')], { cwd: root, encoding: 'utf8' });
  const errors = (r.stdout.match(/error TS\d+:/g) ?? []).length;
  if (r.status !== 0 || r.error) {
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    console.log(
      `\ntypecheck (tsconfig.test.json): ${errors || 'tsc'} ${errors === 1 ? 'error' : 'errors'}${r.error ? ` (${r.error.message})` : ''}; no test ran`,
    );
    process.exit(1);
  }
  console.log(`typecheck (tsconfig.test.json): no errors, ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
// uvu's closing summary: the last one in the output (a test may print text of its own), as a
// block of its four lines, so "Total: 3" in a test's own output is not taken for it.
const SUMMARY = /^\s*Total:\s+(\d+)\s*\n\s*Passed:\s+(\d+)\s*\n\s*Skipped:\s+(\d+)\s*\n\s*Duration:/gm;
/**
 * The counts of one file's run, or null when it printed no summary (it crashed or hung).
 * @param {string} out
 */
function summary(out) {
  const m = [...out.matchAll(SUMMARY)].at(-1);
  return m ? { total: Number(m[1]), passed: Number(m[2]), skipped: Number(m[3]) } : null;
}

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
// `jobs` files at a time (each kernel test uses its own netns, so they do not meet).
const queue = [...files];
/** @type {string[]} */
const failing = [];
async function worker() {
  for (let f = queue.shift(); f; f = queue.shift()) {
    const r = await runFile(f);
    const sum = summary(r.out);
    const softSkips = (r.out.match(/^# SKIP /gm) ?? []).length;
    const name = relative(root, f);
    process.stdout.write(`\n=== ${name}\n${r.out.trimEnd()}\n`);
    // uvu counts a test neither passed nor failed, and exits 0, when an after.each hook throws
    // after the test failed (its runner's finally swallows both errors): that is a failure too.
    const lost = sum ? sum.total - sum.passed - sum.skipped : 0;
    if (!sum || r.code !== 0 || lost > 0) {
      failed += sum ? Math.max(1, lost) : 1;
      passed += sum?.passed ?? 0;
      skipped += sum?.skipped ?? 0;
      failing.push(name);
      const why = !sum ? ', no uvu summary' : r.code === 0 ? `; ${lost} test(s) neither passed nor failed: a hook threw after a failure` : '';
      process.stdout.write(`!!! ${name} failed (exit ${r.code ?? r.signal}${why})\n`);
    } else {
      passed += sum.passed - softSkips;
      skipped += sum.skipped + softSkips;
    }
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, files.length || 1) }, () => worker()));
console.log(`\n${files.length} test files in ${((Date.now() - started) / 1000).toFixed(1)} s${failing.length ? `; failing: ${failing.join(', ')}` : ''}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
