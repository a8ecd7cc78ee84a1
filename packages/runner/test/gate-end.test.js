// A gate that ends before it is ready: the run fails at its step, and the error says how the gate
// ended, a signal included (a gate killed by SIGSYS or the OOM killer prints nothing itself).
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { PERL, runWithPerlAs, withPerlReplacedBy } from '@nsrun/test-helpers/perl-swap';
import { BUSYBOX, busyboxSkipReason } from '@nsrun/test-helpers/rootfs';
import { MAIN } from '@nsrun/test-helpers/nsrun';

const RUNNER_URL = import.meta.resolve('@nsrun/runner');
/**
 * `run()` with perl (the gate's first program) the shell script `gate`; the run's error message
 * (or 'resolved'). A script that waits 2 s first is gone while setup waits for the gate at
 * `release`; one gone sooner fails an earlier step (which uses its /proc/PID).
 */
function runWithGate(gate) {
  const dir = mkdtempSync('/tmp/nsrun-gate-end-');
  const code = `import { run } from ${JSON.stringify(RUNNER_URL)};
import * as fs from 'node:fs';
let out = 'resolved';
try { await (await run({ command: ['true'], net: 'none' })).wait(); } catch (e) { out = e.message; }
fs.writeFileSync(${JSON.stringify(`${dir}/out`)}, out);`;
  try {
    const r = runWithPerlAs(dir, () => gate, code, { stdio: 'ignore' });
    const read = (f) => (existsSync(`${dir}/${f}`) ? readFileSync(`${dir}/${f}`, 'utf8') : '');
    assert.is(r.status, 0, `status ${r.status} signal ${r.signal}; stderr:\n${read('stderr')}`);
    return read('out');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const s = kernelSuite('run(): a gate that ends before it is ready');

s('killed by a signal: the error names it', () => {
  if (!PERL) return skip('perl is missing: this test replaces perl, the gate');
  if (!existsSync('/usr/bin/python3')) return skip('python3 is missing: it makes the gate fault');
  // The gate is PID 1 of its pid namespace, which a signal sent from inside does not kill; a
  // fault the kernel raises (as seccomp's SIGSYS) does.
  const out = runWithGate(`sleep 2; exec python3 -c 'import ctypes; ctypes.string_at(0)'`);
  assert.match(out, /^release: the gate exited before it was ready \(killed by SIGSEGV\)/, out);
});

s('exited: the error gives its status', () => {
  if (!PERL) return skip('perl is missing: this test replaces perl, the gate');
  const out = runWithGate('sleep 2; exit 7');
  assert.match(out, /^release: the gate exited before it was ready \(exit status 7\)/, out);
});

s('gone at once, while nsrun still sets up: whichever step fails, the error says the gate ended first, and how', () => {
  if (!PERL) return skip('perl is missing: this test replaces perl, the gate');
  if (busyboxSkipReason) return skip(busyboxSkipReason);
  // The static busybox as perl: "perl: applet not found", exit 127, within a millisecond of the
  // spawn. While it exits, mount-proc can meet its pid namespace half gone: before, that run
  // said "mount-proc: fsconfig proc ... ENOENT", not a word of the gate (2 runs in 5 here; most
  // fail at release, which always said it). A window, not a certainty: 10 runs.
  const runs = Array.from({ length: 10 }, () => `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} run --net none -- true 2>&1 | tail -n 1`);
  const [unshare, ...swap] = withPerlReplacedBy(BUSYBOX);
  const r = spawnSync(unshare, [...swap, 'sh', '-c', runs.join('; ')], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, 10, r.stdout);
  for (const l of lines) assert.match(l, /^nsrun: run: [a-z-]+: the gate exited before it was ready \(exit status 127\)/, l);
});

s("ready and alive when a later setup step fails: the error is that step's alone (the gate closed its ready pipe after its byte)", () => {
  // After mount-sys /proc is the container's (the gate is its PID 1): setup waits there until
  // the gate has closed its ready pipe (fd 4), as it does once ready, then fails at mask-paths.
  const dir = mkdtempSync('/tmp/nsrun-gate-end-');
  const code = `import { run } from ${JSON.stringify(RUNNER_URL)};
import * as fs from 'node:fs';
const nap = new Int32Array(new SharedArrayBuffer(4));
let closed = false;
const log = (step) => {
  if (step !== 'mount-sys') return;
  for (let i = 0; i < 10000 && fs.existsSync('/proc/1/fd/4'); i++) Atomics.wait(nap, 0, 0, 1);
  closed = !fs.existsSync('/proc/1/fd/4');
};
let out = 'resolved';
try { await (await run({ command: ['true'], net: 'none', faultAt: 'mask-paths', log })).wait(); } catch (e) { out = e.message; }
fs.writeFileSync(${JSON.stringify(`${dir}/out`)}, JSON.stringify({ out, closed }));`;
  try {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
    assert.is(r.status, 0, r.stderr);
    const { out, closed } = JSON.parse(readFileSync(`${dir}/out`, 'utf8'));
    assert.ok(closed, 'the gate closed its ready pipe before mask-paths');
    assert.is(out, 'mask-paths: injected failure (faultAt mask-paths)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
