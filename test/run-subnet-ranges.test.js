// --subnet in a range no bridge can use (0/8, loopback 127/8, multicast 224/4, reserved 240/4):
// `nsrun run` and `nsrun net attach` refuse it up front, naming the range, before anything is
// created. Each test in a network namespace and state directory of its own.
import * as assert from 'uvu/assert';
import { spawn, execFileSync } from 'node:child_process';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';

const k = kernelSuite('nsrun run / net attach: unusable subnets');
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.links = () =>
    ctx
      .ip('-j', 'link', 'show')
      .map((l) => l.ifname)
      .sort();
  ctx.kids = [];
});
k.after.each((ctx) => {
  for (const c of ctx.kids) c.kill('SIGKILL');
  removeStateDir(ctx.state);
});

/** @type {[string, RegExp][]} */
const CASES = [
  ['127.1.0.1/16', /127\.0\.0\.0\/8 is loopback/],
  ['0.10.10.1/24', /0\.0\.0\.0\/8 is "this network"/],
  ['224.1.2.1/24', /224\.0\.0\.0\/4 is multicast/],
  ['240.0.0.1/24', /240\.0\.0\.0\/4 is reserved/],
  ['255.255.0.1/16', /240\.0\.0\.0\/4 is reserved/],
];

k('run: refused with one line naming the range, status 125, nothing created', (ctx) => {
  const before = ctx.links();
  for (const [subnet, re] of CASES) {
    const r = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--subnet', subnet, '--', 'true']);
    assert.is(r.status, 125, `${subnet}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^nsrun: run: validate: subnet: ${subnet.replace(/\./g, '\\.')}: ${re.source}`), subnet);
    assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.equal(ctx.links(), before, `${subnet}: no bridge, no veth`);
    assert.equal(records(ctx.state), [], `${subnet}: no record`);
  }
  // A subnet merely next to them is fine (the edges are in packages/runner/test/ranges.test.js).
  const ok = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--subnet', '10.127.0.1/16', '--', 'true']);
  assert.is(ok.status, 0, ok.stderr);
});

k('net attach: refused the same way (status 2, the usage status of net), nothing created', async (ctx) => {
  const proc = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'unshare', '--net', 'sleep', '1000'], { stdio: 'ignore' });
  ctx.kids.push(proc);
  const own = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' });
  for (let i = 0; i < 200 && execFileSync('readlink', [`/proc/${proc.pid}/ns/net`], { encoding: 'utf8' }) === own; i++)
    await new Promise((r) => setTimeout(r, 10));
  const before = ctx.links();
  for (const [subnet, re] of CASES) {
    const r = nsrunSync(ctx.ns, ['net', 'attach', '--pid', String(proc.pid), '--state-dir', ctx.state, '--subnet', subnet]);
    assert.is(r.status, 2, `${subnet}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^nsrun: net: validate: subnet: ${subnet.replace(/\./g, '\\.')}: ${re.source}`), subnet);
    assert.equal(ctx.links(), before, `${subnet}: nothing created`);
    assert.equal(records(ctx.state), []);
  }
  assert.equal(
    JSON.parse(execFileSync('nsenter', ['-t', String(proc.pid), '-n', 'ip', '-j', 'link', 'show'], { encoding: 'utf8' })).map((l) => l.ifname),
    ['lo'],
  );
});

k.run();
