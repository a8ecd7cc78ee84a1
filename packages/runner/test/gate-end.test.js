// A gate that ends before it is ready: the run fails at its step, and the error says how the gate
// ended, a signal included (a gate killed by SIGSYS or the OOM killer prints nothing itself).
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { PERL, runWithPerlAs } from '@nsrun/test-helpers/perl-swap';

const RUNNER_URL = import.meta.resolve('@nsrun/runner');
/**
 * `run()` with perl (the gate's first program) the shell script `gate`; the run's error message
 * (or 'resolved'). The scripts wait 2 s first: setup is then waiting for the gate at `release`
 * (a gate gone sooner fails an earlier step, which uses its /proc/PID).
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

s.run();
