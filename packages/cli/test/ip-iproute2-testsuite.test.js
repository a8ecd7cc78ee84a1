// Two tests of iproute2's own test suite, run as its Makefile runs them (a fresh network
// namespace each, STD_OUT/STD_ERR/ERRF set, a test failed when ERRF exists afterwards), with
// IP="nsrun ip", and with IP="ip" as the reference. The scripts are vendored under iproute2/
// with their source and the one change (a bridge where they make a dummy) named in each file.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { MAIN } from './helpers/ip-compare.js';

const SUITE = fileURLToPath(new URL('./iproute2/', import.meta.url));

/** Runs tests/NAME.t inside the test's namespace with IP set to `ip`; stdout and the error file. */
function runTest(ctx, name, ip) {
  const dir = mkdtempSync('/tmp/nsrun-iproute2-ts-');
  try {
    // An `nsrun` on PATH, so that IP is literally "nsrun ip".
    mkdirSync(`${dir}/bin`);
    writeFileSync(`${dir}/bin/nsrun`, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} "$@"\n`);
    chmodSync(`${dir}/bin/nsrun`, 0o755);
    const env = {
      PATH: `${dir}/bin:${process.env.PATH}`,
      STD_OUT: `${dir}/stdout`,
      STD_ERR: `${dir}/stderr`,
      ERRF: `${dir}/errors`,
      IP: ip,
    };
    const r = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, 'sh', `tests/${name}.t`], { cwd: SUITE, env, encoding: 'utf8', timeout: 60_000 });
    if (r.error) throw r.error;
    return { status: r.status, out: r.stdout, errors: existsSync(env.ERRF) ? readFileSync(env.ERRF, 'utf8') : '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const verdicts = (out) => out.match(/\[(SUCCESS|FAILED)\]/g) ?? [];

const k = kernelSuite('iproute2 testsuite with IP="nsrun ip"');

k('tests/ip/route/add_default_route.t: default routes of both families stay one line as other routes are added', async (ctx) => {
  const r = runTest(ctx, 'ip/route/add_default_route', 'nsrun ip');
  assert.is(r.errors, '', `the test reported failures:\n${r.errors}\n${r.out}`);
  assert.equal(verdicts(r.out), Array(8).fill('[SUCCESS]'), r.out);
  assert.match(r.out, /test on: "default via 1\.1\.1\.2 dev dummy0" \[SUCCESS\]/);
  assert.match(r.out, /test on: "default via dead:beef::2 dev dummy0" \[SUCCESS\]/);
  assert.equal(
    ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
    ['lo'],
    'the test removed its device',
  );
});

k('add_default_route.t with IP="ip": iproute2 itself passes it here (the reference)', async (ctx) => {
  const r = runTest(ctx, 'ip/route/add_default_route', 'ip');
  assert.is(r.errors, '', r.out);
  assert.equal(verdicts(r.out), Array(8).fill('[SUCCESS]'), r.out);
});

k('tests/ip/neigh/basic.t: a neighbour added, listed, and got with --json', async (ctx) => {
  const r = runTest(ctx, 'ip/neigh/basic', 'nsrun ip');
  assert.is(r.errors, '', `the test reported failures:\n${r.errors}\n${r.out}`);
  assert.equal(verdicts(r.out), ['[SUCCESS]', '[SUCCESS]'], r.out);
  assert.match(r.out, /test on: ""lladdr":"02:00:00:00:00:01"" \[SUCCESS\]/);
});

k('basic.t with IP="ip": iproute2 6.1 prints text for neigh get --json (fixed in 6.2), so only its JSON check fails', async (ctx) => {
  const version = spawnSync('ip', ['-V'], { encoding: 'utf8' }).stdout;
  const r = runTest(ctx, 'ip/neigh/basic', 'ip');
  if (/iproute2-6\.1\./.test(version)) {
    assert.equal(verdicts(r.out), ['[SUCCESS]', '[FAILED]'], r.out);
    assert.match(r.errors, /matching failed/);
  } else {
    assert.is(r.errors, '', `${version}: ${r.out}`);
  }
});

k.run();
