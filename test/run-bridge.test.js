// `nsrun run` with its bridged network, end to end through the CLI, each test in a network
// namespace of its own (the "host") with its own state directory. Observed from inside the
// container (ip, /proc, /sys, ping) and from the host (our API and `ip -j`).
import * as assert from 'uvu/assert';
import { existsSync, readlinkSync } from 'node:fs';
import { linkList } from '@nsrun/netlink';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { MARKER, busyboxSkipReason, tempBusyboxRootfs } from '@nsrun/test-helpers/rootfs';
import { nsrunSpawn, nsrunSync, ourVeths, records, removeStateDir, stateDir, vethsGone } from '@nsrun/test-helpers/nsrun';

const k = kernelSuite('nsrun run: the bridged network');
k.before.each((ctx) => {
  ctx.state = stateDir();
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
});

const INSIDE = [
  'echo pid1=$(cat /proc/1/comm)',
  'echo procs=$(ls -d /proc/[0-9]* | wc -l)',
  'echo sysnet=$(ls /sys/class/net | tr "\\n" " ")',
  'echo host=$(hostname)',
  'echo cgns=$(readlink /proc/self/ns/cgroup) ipcns=$(readlink /proc/self/ns/ipc) utsns=$(readlink /proc/self/ns/uts)',
  'ip -j addr show dev eth0',
  'ip -j route show',
  'ping -c1 -w5 10.10.10.1 >/dev/null && echo ping=ok',
].join('; ');

k('a container: PID 1 is the command, only lo and eth0, its hostname, an address, a default route, it reaches the bridge', async (ctx) => {
  const r = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--hostname', 'box', '--', 'sh', '-c', INSIDE]);
  assert.is(r.status, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /^pid1=sh$/m);
  // sh (PID 1), the command substitution's subshell and ls: nothing of the host's.
  const procs = Number(/^procs=(\d+)$/m.exec(out)[1]);
  assert.ok(procs <= 4, `container sees ${procs} processes`);
  assert.match(out, /^sysnet=eth0 lo$/m);
  assert.match(out, /^host=box$/m);
  // New cgroup (where the kernel has them), ipc and uts namespaces: none is the host's.
  const [, cg, ipc, uts] = /^cgns=(\S*) ipcns=(\S+) utsns=(\S+)$/m.exec(out);
  if (existsSync('/proc/self/ns/cgroup')) assert.is.not(cg, readlinkSync('/proc/self/ns/cgroup'));
  assert.is.not(ipc, readlinkSync('/proc/self/ns/ipc'));
  assert.is.not(uts, readlinkSync('/proc/self/ns/uts'));
  const [addr] = JSON.parse(out.split('\n').find((l) => l.startsWith('[{"ifindex"')));
  assert.is(addr.ifname, 'eth0');
  assert.is(addr.operstate, 'UP');
  const v4 = addr.addr_info.filter((a) => a.family === 'inet');
  assert.is(v4.length, 1);
  assert.match(v4[0].local, /^10\.10\.10\.\d+$/);
  assert.is.not(v4[0].local, '10.10.10.1');
  assert.is(v4[0].prefixlen, 24);
  const routes = JSON.parse(
    out
      .split('\n')
      .filter((l) => l.startsWith('['))
      .find((l) => l.includes('"dst"')),
  );
  assert.ok(
    routes.some((x) => x.dst === 'default' && x.gateway === '10.10.10.1' && x.dev === 'eth0'),
    JSON.stringify(routes),
  );
  assert.match(out, /^ping=ok$/m);
  // The bridge, seen from the host both ways; the container's veth and lease gone after it.
  const [br] = ctx.ip('-j', 'addr', 'show', 'dev', 'brg0');
  assert.ok(br.addr_info.some((a) => a.local === '10.10.10.1' && a.prefixlen === 24));
  assert.equal(await vethsGone(ctx), []);
  assert.equal(records(ctx.state), []);
});

k('the bridge reaches the container; the host sees its veth on the bridge, through our API and ip', async (ctx) => {
  const c = nsrunSpawn(ctx.ns, ['run', '--state-dir', ctx.state, '--json', '--', 'sh', '-c', 'echo ready; read _']);
  await c.wait('stdout', /^ready$/m);
  const [, json] = await c.wait('stderr', /^(\{"event":"started".*)$/m);
  const started = JSON.parse(json);
  assert.match(started.id, /^[0-9a-f]{12}$/);
  assert.is(started.veth, `nsr${started.id}`);
  assert.match(started.address, /^10\.10\.10\.\d+\/24$/);
  assert.is(started.bridge, 'brg0');
  ctx.sh(`ping -c1 -w5 ${started.address.split('/')[0]}`);
  const [veth] = ctx.ip('-j', 'link', 'show', 'dev', started.veth);
  assert.is(veth.master, 'brg0');
  assert.ok(veth.flags.includes('UP'));
  const bridge = (await linkList(ctx.nl, { kind: 'bridge' })).find((l) => l.name === 'brg0');
  const ports = await linkList(ctx.nl, { master: bridge.index });
  assert.equal(
    ports.map((l) => l.name),
    [started.veth],
  );
  // ps lists it while it runs.
  const ps = JSON.parse(nsrunSync(ctx.ns, ['ps', '--json', '--state-dir', ctx.state]).stdout);
  assert.is(ps.length, 1);
  assert.is(ps[0].id, started.id);
  assert.is(ps[0].pid, started.pid);
  assert.is(ps[0].address, started.address);
  assert.equal(ps[0].command, ['sh', '-c', 'echo ready; read _']);
  c.child.stdin.end('\n');
  const r = await c.done;
  assert.is(r.status, 0, r.stderr);
  const exited = JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('{"event":"exited"')));
  assert.is(exited.status, 0);
  assert.is(exited.id, started.id);
  assert.is(r.stdout, 'ready\n', 'events never go to stdout');
  assert.equal(await vethsGone(ctx), []);
  assert.equal(records(ctx.state), []);
});

k('20 containers at once: 20 distinct addresses, all reach the bridge and each other, nothing left after', async (ctx) => {
  const N = 20;
  const script =
    'ip -4 -o addr show dev eth0 | (read _ _ _ a _; echo "addr=$a"); read peers; for p in $peers; do ping -c1 -w5 $p >/dev/null || echo "fail=$p"; done; echo done; read _ || true';
  const cs = Array.from({ length: N }, () => nsrunSpawn(ctx.ns, ['run', '--state-dir', ctx.state, '--', 'sh', '-c', script]));
  const addrs = [];
  for (const c of cs) addrs.push((await c.wait('stdout', /^addr=(\S+)$/m))[1]);
  assert.is(new Set(addrs).size, N, `addresses: ${addrs.join(' ')}`);
  assert.is(ourVeths(ctx).length, N);
  const peers = ['10.10.10.1', ...addrs.map((a) => a.split('/')[0])].join(' ');
  for (const c of cs) c.child.stdin.write(`${peers}\n`);
  // Everyone stays up until everyone has pinged everyone.
  for (const c of cs) await c.wait('stdout', /^done$/m);
  for (const c of cs) c.child.stdin.end();
  const results = await Promise.all(cs.map((c) => c.done));
  for (const r of results) {
    assert.is(r.status, 0, r.stderr);
    assert.not.match(r.stdout, /fail=/, r.stdout);
    assert.match(r.stdout, /^done$/m);
  }
  assert.equal(await vethsGone(ctx), []);
  assert.equal(records(ctx.state), []);
});

k('exit statuses through the bridged network: 0, 42, 127, 126; 125 with nothing created', async (ctx) => {
  const st = (args) => nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, ...args]);
  assert.is(st(['true']).status, 0);
  assert.is(st(['sh', '-c', 'exit 42']).status, 42);
  assert.is(st(['/nonexistent-command']).status, 127);
  assert.is(st(['/etc/passwd']).status, 126);
  const bad = st(['--ip', '10.10.99.2', 'true']);
  assert.is(bad.status, 125);
  assert.equal(await vethsGone(ctx), []);
  assert.equal(records(ctx.state), []);
});

k('a fixed --ip is used, and refused while taken', async (ctx) => {
  const c = nsrunSpawn(ctx.ns, ['run', '--state-dir', ctx.state, '--ip', '10.10.10.77', '--', 'sh', '-c', 'ip -4 -o addr show dev eth0; read _']);
  await c.wait('stdout', /10\.10\.10\.77\/24/);
  const r = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--ip', '10.10.10.77/24', '--', 'true']);
  assert.is(r.status, 125);
  assert.match(r.stderr, /^nsrun: run: lease: .*10\.10\.10\.77.*(taken|in use)/m);
  assert.is(ourVeths(ctx).length, 1);
  c.child.stdin.end('\n');
  assert.is((await c.done).status, 0);
  assert.equal(records(ctx.state), []);
});

k("a bridge of the user's with the address is used as it is; --bridge/--subnet for another", (ctx) => {
  ctx.ip('link', 'add', 'mybr', 'type', 'bridge');
  ctx.ip('addr', 'add', '192.168.77.1/24', 'dev', 'mybr');
  const r = nsrunSync(ctx.ns, [
    'run',
    '--state-dir',
    ctx.state,
    '--bridge',
    'mybr',
    '--subnet',
    '192.168.77.1/24',
    '--',
    'sh',
    '-c',
    'ip -4 -o addr show dev eth0; ping -c1 -w5 192.168.77.1 >/dev/null && echo ping=ok',
  ]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /inet 192\.168\.77\.\d+\/24/);
  assert.match(r.stdout, /^ping=ok$/m);
  const [br] = ctx.ip('-j', 'link', 'show', 'dev', 'mybr');
  assert.ok(br.flags.includes('UP'), 'nsrun brought the bridge up');
  // `gc --bridges` leaves a bridge nsrun did not create.
  assert.is(nsrunSync(ctx.ns, ['gc', '--bridges', '--state-dir', ctx.state]).status, 0);
  assert.is(ctx.ip('-j', 'link', 'show', 'dev', 'mybr').length, 1);
});

k('with --rootfs (busybox): only that tree, and the network all the same', (ctx) => {
  if (busyboxSkipReason) return skip(busyboxSkipReason);
  const root = tempBusyboxRootfs();
  try {
    const r = nsrunSync(ctx.ns, [
      'run',
      '--state-dir',
      ctx.state,
      '--rootfs',
      root.dir,
      '--',
      'sh',
      '-c',
      'ls /; echo pid=$$; ls /sys/class/net; ping -c1 -w5 10.10.10.1 >/dev/null && echo ping=ok',
    ]);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${MARKER}$`, 'm'));
    assert.not.match(r.stdout, /^(usr|home|lib)$/m);
    assert.match(r.stdout, /^pid=1$/m);
    assert.match(r.stdout, /^eth0\nlo$/m);
    assert.match(r.stdout, /^ping=ok$/m);
    assert.equal(records(ctx.state), []);
  } finally {
    root.remove();
  }
});

k.run();
