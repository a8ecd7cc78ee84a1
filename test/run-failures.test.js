// What nsrun refuses and what it leaves behind when things go wrong: bad input refused before
// anything exists, a failure injected at every step undone completely, a killed nsrun cleaned
// up by `nsrun gc`. Each test in a network namespace and state directory of its own.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { MAIN, apiInNs, nsrunSpawn, nsrunSync, ourVeths, records, removeStateDir, stateDir, vethsGone } from '@nsrun/test-helpers/nsrun';

const k = kernelSuite('nsrun run: refusals, rollback, gc');
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.links = () =>
    ctx
      .ip('-j', 'link', 'show')
      .map((l) => l.ifname)
      .sort();
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
});

k('bad input: refused with a clear line and status 125, before anything is created', (ctx) => {
  // (veths: this kernel may have no dummy driver)
  ctx.ip('link', 'add', 'notabr', 'type', 'veth', 'peer', 'name', 'notabr-p');
  ctx.ip('link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up0-p');
  ctx.ip('addr', 'add', '10.20.0.1/16', 'dev', 'up0');
  ctx.ip('link', 'set', 'up0', 'up');
  const before = ctx.links();
  /** @type {[string[], RegExp][]} */
  const cases = [
    [['--bridge', 'a-name-16-bytes!'], /validate: bridge: .*16 bytes/],
    [['--subnet', '10.10.10.1/33'], /validate: subnet: /],
    [['--subnet', '300.1.1.1/24'], /validate: subnet: /],
    [['--subnet', 'banana'], /validate: subnet: /],
    [['--subnet', '10.10.10.0/24'], /validate: subnet: .*network address/],
    [['--subnet', '10.20.5.1/24'], /bridge: subnet 10\.20\.5\.0\/24 overlaps the host's route 10\.20\.0\.0\/16 dev up0/],
    [['--ip', '10.10.11.5'], /validate: ip: 10\.10\.11\.5 is outside the subnet 10\.10\.10\.0\/24/],
    [['--ip', '10.10.10.1'], /validate: ip: .*bridge's own address/],
    [['--ip', '10.10.10.5/16'], /validate: ip: .*prefix/],
    [['--bridge', 'notabr'], /bridge: notabr exists and is a veth link, not a bridge/],
    [['--rootfs', '/nonexistent-rootfs'], /validate: rootfs: \/nonexistent-rootfs: ENOENT/],
    [['--no-such-option'], /usage: unknown option "--no-such-option"/],
    [['--net', 'bridged'], /usage: --net "bridged"/],
    [['--hostname', 'bad_name'], /validate: hostname: /],
    [['--stop-timeout', 'soon'], /usage: --stop-timeout/],
  ];
  for (const [args, re] of cases) {
    const r = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, ...args, '--', 'true']);
    assert.is(r.status, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.equal(ctx.links(), before, `${args.join(' ')} created nothing`);
    assert.equal(records(ctx.state), []);
  }
});

k('a bridge with another address is refused, and left alone', (ctx) => {
  ctx.ip('link', 'add', 'brg0', 'type', 'bridge');
  ctx.ip('addr', 'add', '172.30.0.1/24', 'dev', 'brg0');
  const r = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--', 'true']);
  assert.is(r.status, 125);
  assert.match(r.stderr, /bridge: bridge brg0 has 172\.30\.0\.1\/24, not 10\.10\.10\.1\/24 \(use --subnet 172\.30\.0\.1\/24/);
  assert.equal(
    ctx
      .ip('-j', 'addr', 'show', 'dev', 'brg0')[0]
      .addr_info.filter((a) => a.family === 'inet')
      .map((a) => a.local),
    ['172.30.0.1'],
  );
});

k('not root: says so, exit 125, nothing done', (ctx) => {
  const r = spawnSync(
    'nsenter',
    [`--net=${ctx.ns.procPath}`, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN, 'run', '--', 'true'],
    { encoding: 'utf8' },
  );
  assert.is(r.status, 125, r.stderr);
  assert.match(r.stderr, /^nsrun: run: privileges: nsrun run needs root/m);
  assert.equal(ctx.links(), ['lo']);
});

const STEPS = [
  'netlink-socket',
  'bridge',
  'bridge-address',
  'bridge-up',
  'lease',
  'save-namespaces',
  'unshare',
  'make-private',
  'spawn',
  'hostname',
  'mount-proc',
  'mount-sys',
  'veth',
  'attach',
  'loopback',
  'address',
  'link-up',
  'route',
  'release',
];

k('a failure injected at each step: the error names it; no link, lease, record, child or namespace change left', (ctx) => {
  const r = apiInNs(
    ctx.ns,
    `
const res = {};
const ns = () => ['mnt', 'uts', 'ipc', 'net', 'pid', 'pid_for_children'].map((k) => fs.readlinkSync('/proc/thread-self/ns/' + k)).join(' ');
const before = ns();
for (const step of ${JSON.stringify(STEPS)}) {
  try {
    const h = await runner.run({ command: ['true'], hostname: 'x', stateDir: ${JSON.stringify(ctx.state)}, faultAt: step });
    res[step] = { ok: await h.wait() };
  } catch (e) {
    const children = fs.readdirSync('/proc/self/task').map((t) => fs.readFileSync('/proc/self/task/' + t + '/children', 'utf8').trim()).join('').trim();
    const links = JSON.parse((await import('node:child_process')).execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })).map((l) => l.ifname);
    res[step] = { step: e.step, message: e.message, children, links, records: fs.existsSync(${JSON.stringify(ctx.state)} + '/containers') ? fs.readdirSync(${JSON.stringify(ctx.state)} + '/containers') : [], nsSame: ns() === before };
  }
}
out(res);`,
  );
  for (const step of STEPS) {
    const x = r[step];
    assert.is(x.step, step, `${step}: ${JSON.stringify(x)}`);
    assert.match(x.message, new RegExp(`^${step}: `));
    assert.is(x.children, '', `${step}: children left`);
    assert.equal(x.links, ['lo'], `${step}: links left`);
    assert.equal(x.records, [], `${step}: records left`);
    assert.ok(x.nsSame, `${step}: namespaces changed`);
  }
});

k("a failure after the bridge existed already keeps the bridge (it is not this run's)", async (ctx) => {
  assert.is(nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--', 'true']).status, 0);
  const r = apiInNs(
    ctx.ns,
    `
try { await runner.run({ command: ['true'], stateDir: ${JSON.stringify(ctx.state)}, faultAt: 'route' }); out({}); } catch (e) { out({ step: e.step }); }`,
  );
  assert.is(r.step, 'route');
  assert.equal(ctx.links(), ['brg0', 'lo']);
  assert.equal(await vethsGone(ctx), []);
});

k('nsrun killed with SIGKILL: the container dies with it; gc removes the rest, and again finds nothing', async (ctx) => {
  const c = nsrunSpawn(ctx.ns, ['run', '--state-dir', ctx.state, '--json', '--', 'sh', '-c', 'echo ready; exec sleep 1000']);
  await c.wait('stdout', /^ready$/m);
  const started = JSON.parse((await c.wait('stderr', /^(\{"event":"started".*)$/m))[1]);
  // nsenter execs node: the child's pid is nsrun's.
  c.child.kill('SIGKILL');
  await c.done;
  // Dead or a zombie: the sandbox's PID 1 (node) does not reap orphans it did not start.
  const running = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 100 && running(started.pid); i++) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(running(started.pid), 'the container outlived nsrun');
  assert.equal(records(ctx.state), [`${started.id}.json`], 'the record stays until gc');
  const ps = JSON.parse(nsrunSync(ctx.ns, ['ps', '--json', '--state-dir', ctx.state]).stdout);
  assert.equal(ps, [], 'ps lists only running containers');
  const g = nsrunSync(ctx.ns, ['gc', '--json', '--bridges', '--state-dir', ctx.state]);
  assert.is(g.status, 0, g.stderr);
  const report = JSON.parse(g.stdout);
  assert.equal(report.containers, [started.id]);
  assert.equal(report.bridges, ['brg0']);
  assert.equal(records(ctx.state), []);
  assert.equal(ctx.links(), ['lo']);
  const again = JSON.parse(nsrunSync(ctx.ns, ['gc', '--json', '--bridges', '--state-dir', ctx.state]).stdout);
  assert.equal(again, { containers: [], veths: [], bridges: [] });
});

k("gc leaves alone veths that no record of its state dir names (another state dir's containers)", (ctx) => {
  ctx.ip('link', 'add', 'nsr0123456789ab', 'type', 'veth', 'peer', 'name', 'p0');
  const g = JSON.parse(nsrunSync(ctx.ns, ['gc', '--json', '--bridges', '--state-dir', ctx.state]).stdout);
  assert.equal(g, { containers: [], veths: [], bridges: [] });
  assert.equal(ctx.links(), ['lo', 'nsr0123456789ab', 'p0']);
});

k('no fd is left behind by runs, failed runs, gc, ps (the lock file included)', (ctx) => {
  const r = apiInNs(
    ctx.ns,
    `
const count = () => fs.readdirSync('/proc/self/fd').length;
const opts = { command: ['true'], stateDir: ${JSON.stringify(ctx.state)} };
await (await runner.run(opts)).wait(); // warm: Node opens a few fds of its own once
const before = count();
for (let i = 0; i < 5; i++) await (await runner.run(opts)).wait();
for (const faultAt of ['lease', 'veth', 'route']) await runner.run({ ...opts, faultAt }).catch(() => {});
await runner.gc({ stateDir: opts.stateDir });
runner.ps({ stateDir: opts.stateDir });
out({ before, after: count() });`,
  );
  assert.is(r.after, r.before);
});

k('gc deletes a veth stamped with its state dir that no record names (a namespace kept alive)', (ctx) => {
  assert.is(nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--', 'true']).status, 0);
  ctx.ip('link', 'add', 'nsr0123456789ab', 'type', 'veth', 'peer', 'name', 'p0');
  ctx.ip('link', 'set', 'nsr0123456789ab', 'master', 'brg0');
  // Stamped as this state directory's (<dev>:<ino>), as nsrun stamps every veth it makes.
  const st = statSync(ctx.state, { bigint: true });
  ctx.ip('link', 'set', 'nsr0123456789ab', 'alias', `nsrun ${st.dev}:${st.ino} 0123456789ab`);
  const g = JSON.parse(nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]).stdout);
  assert.equal(g.veths, ['nsr0123456789ab']);
  assert.equal(ctx.links(), ['brg0', 'lo']);
});

k("fds nsrun's caller left open do not reach the container; an abort before the release undoes everything", (ctx) => {
  const r = apiInNs(
    ctx.ns,
    `
const dirFd = fs.openSync('/run', 'r'); // not close-on-exec? Node opens with O_CLOEXEC: clear it
const { setCloexec } = await import(${JSON.stringify(import.meta.resolve('@nsrun/sys'))});
setCloexec(dirFd, false);
const h = await runner.run({ command: ['sh', '-c', 'ls /proc/self/fd > /run/fds-seen'], net: 'none', stateDir: ${JSON.stringify(ctx.state)} });
await h.wait();
const seen = fs.readFileSync('/run/fds-seen', 'utf8').split('\\n').filter(Boolean);
const ac = new AbortController();
ac.abort();
let step = null;
try { await runner.run({ command: ['true'], stateDir: ${JSON.stringify(ctx.state)}, signal: ac.signal }); } catch (e) { step = e.step + ': ' + e.message; }
out({ dirFd, seen, step });`,
  );
  // ls itself opens one fd for the directory it lists.
  assert.ok(r.seen.length <= 4, `the container saw fds ${r.seen.join(' ')}`);
  assert.not.ok(r.seen.includes(String(r.dirFd)), `fd ${r.dirFd} reached the container`);
  assert.match(r.step, /^release: release: interrupted/);
  assert.equal(ctx.links(), ['lo']);
  assert.equal(records(ctx.state), []);
});

k.run();
