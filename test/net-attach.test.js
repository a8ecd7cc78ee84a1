// `nsrun net attach|detach`: the netsetgo job on a process that is already running in a network
// namespace of its own (made here with unshare).
import * as assert from 'uvu/assert';
import { spawn, execFileSync } from 'node:child_process';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { nsrunSync, ourVeths, records, removeStateDir, stateDir, vethsGone } from '@nsrun/test-helpers/nsrun';

const k = kernelSuite('nsrun net attach/detach');
k.before.each((ctx) => {
  ctx.state = stateDir();
  // A process in a new network namespace (unshare execs sleep: its pid is the child's).
  ctx.proc = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'unshare', '--net', 'sleep', '1000'], { stdio: 'ignore' });
});
k.after.each((ctx) => {
  ctx.proc.kill('SIGKILL');
  removeStateDir(ctx.state);
});

const inProc = (pid, ...args) => execFileSync('nsenter', ['-t', String(pid), '-n', ...args], { encoding: 'utf8' });

async function netnsReady(pid) {
  const own = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' });
  for (let i = 0; i < 100; i++) {
    try {
      if (
        execFileSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }) !== own &&
        execFileSync('cat', [`/proc/${pid}/comm`], { encoding: 'utf8' }).trim() === 'sleep'
      )
        return;
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the test process never got its own netns');
}

k('attach wires a running process (veth, address, route; it reaches the bridge); ps lists it; detach undoes it', async (ctx) => {
  const pid = ctx.proc.pid;
  await netnsReady(pid);
  const a = nsrunSync(ctx.ns, ['net', 'attach', '--pid', String(pid), '--json', '--state-dir', ctx.state]);
  assert.is(a.status, 0, a.stderr);
  const att = JSON.parse(a.stdout);
  assert.is(att.pid, pid);
  assert.match(att.address, /^10\.10\.10\.\d+\/24$/);
  const [eth0] = JSON.parse(inProc(pid, 'ip', '-j', 'addr', 'show', 'dev', 'eth0'));
  assert.ok(eth0.addr_info.some((x) => `${x.local}/${x.prefixlen}` === att.address));
  assert.match(inProc(pid, 'ip', 'route', 'show', 'default'), /default via 10\.10\.10\.1 dev eth0/);
  inProc(pid, 'ping', '-c1', '-w5', '10.10.10.1');
  ctx.sh(`ping -c1 -w5 ${att.address.split('/')[0]}`);
  const ps = JSON.parse(nsrunSync(ctx.ns, ['ps', '--json', '--state-dir', ctx.state]).stdout);
  assert.is(ps.length, 1);
  assert.is(ps[0].kind, 'attach');
  assert.equal(ps[0].command, ['sleep', '1000']);
  // Twice is refused, before anything is created.
  const again = nsrunSync(ctx.ns, ['net', 'attach', '--pid', String(pid), '--state-dir', ctx.state]);
  assert.is(again.status, 2);
  assert.match(again.stderr, /already has an eth0|already attached/);
  const d = nsrunSync(ctx.ns, ['net', 'detach', '--pid', String(pid), '--state-dir', ctx.state]);
  assert.is(d.status, 0, d.stderr);
  assert.not.match(inProc(pid, 'ip', '-o', 'link'), /eth0/);
  assert.equal(await vethsGone(ctx), []);
  assert.equal(records(ctx.state), []);
  const d2 = nsrunSync(ctx.ns, ['net', 'detach', '--pid', String(pid), '--state-dir', ctx.state]);
  assert.is(d2.status, 1);
  assert.match(d2.stderr, /no network of nsrun's is attached to process/);
});

k("attach refuses a process in nsrun's own namespace, and one that does not exist", async (ctx) => {
  const neighbour = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'sleep', '1000'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 100));
  const self = nsrunSync(ctx.ns, ['net', 'attach', '--pid', String(neighbour.pid), '--state-dir', ctx.state]);
  neighbour.kill('SIGKILL');
  assert.is(self.status, 2, self.stderr);
  assert.match(self.stderr, /shares nsrun's own network namespace/);
  const none = nsrunSync(ctx.ns, ['net', 'attach', '--pid', '999999999', '--state-dir', ctx.state]);
  assert.is(none.status, 2);
  assert.match(none.stderr, /no process 999999999/);
  assert.equal(
    ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
    ['lo'],
  );
});

k('the attached process exits: gc releases its lease and veth', async (ctx) => {
  const pid = ctx.proc.pid;
  await netnsReady(pid);
  assert.is(nsrunSync(ctx.ns, ['net', 'attach', '--pid', String(pid), '--state-dir', ctx.state]).status, 0);
  ctx.proc.kill('SIGKILL');
  await new Promise((r) => ctx.proc.once('exit', r));
  const g = JSON.parse(nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]).stdout);
  assert.is(g.containers.length, 1);
  assert.equal(records(ctx.state), []);
  assert.equal(await vethsGone(ctx), []);
});

k.run();
