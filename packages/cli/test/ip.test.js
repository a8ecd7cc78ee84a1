// `nsrun ip` against the real kernel: the built binary runs inside each test's namespace
// (nsenter), and iproute2's `ip -j` on the same objects is the reference for every common field.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readlinkSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetNs } from '@nsrun/sys';
import { linkSetNetns } from '@nsrun/netlink';
import { main } from '@nsrun/cli';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Runs `nsrun ARGS` inside the test's namespace; returns status and output. */
function nsrun(ctx, ...args) {
  const r = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, process.execPath, MAIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `nsrun ip ARGS` that must succeed; JSON output parsed when `-j` is given. */
function nip(ctx, ...args) {
  const r = nsrun(ctx, 'ip', ...args);
  if (r.status !== 0) assert.unreachable(`nsrun ip ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  assert.is(r.stderr, '', `nsrun ip ${args.join(' ')} wrote to stderr`);
  return args.includes('-j') ? JSON.parse(r.stdout) : r.stdout;
}

const LINK_FIELDS = [
  'ifindex',
  'link',
  'link_index',
  'ifname',
  'flags',
  'mtu',
  'qdisc',
  'master',
  'operstate',
  'linkmode',
  'group',
  'txqlen',
  'link_type',
  'address',
  'broadcast',
  'link_netnsid',
];
const ADDR_FIELDS = [
  'family',
  'local',
  'address',
  'prefixlen',
  'broadcast',
  'scope',
  'secondary',
  'nodad',
  'dynamic',
  'noprefixroute',
  'tentative',
  'label',
  'valid_life_time',
  'preferred_life_time',
];
const ROUTE_FIELDS = ['type', 'dst', 'gateway', 'dev', 'table', 'protocol', 'scope', 'prefsrc', 'metric', 'flags', 'pref', 'metrics', 'nexthops'];
const NEIGH_FIELDS = ['dst', 'dev', 'lladdr', 'router', 'proxy', 'state'];

function only(o, fields) {
  const out = {};
  for (const f of fields) if (f in o) out[f] = o[f];
  return out;
}

const projections = {
  link: (list) => list.map((l) => only(l, LINK_FIELDS)),
  addr: (list) => list.map((l) => ({ ...only(l, LINK_FIELDS), addr_info: l.addr_info.map((a) => only(a, ADDR_FIELDS)) })),
  route: (list) => list.map((r) => only(r, ROUTE_FIELDS)),
  neigh: (list) => list.map((n) => only(n, NEIGH_FIELDS)),
};

/** Keys nsrun prints that are not among the compared fields: there must be none. */
function extraKeys(list, kind) {
  const fields = { link: LINK_FIELDS, addr: [...LINK_FIELDS, 'addr_info'], route: ROUTE_FIELDS, neigh: NEIGH_FIELDS }[kind];
  return list.flatMap((o) => Object.keys(o).filter((k) => !fields.includes(k)));
}

/**
 * `nsrun ip -j ARGS` equals `ip -j ARGS` on the common fields. The state may still be moving
 * (carrier, DAD), so ip runs before and after nsrun; a comparison counts when those two agree.
 */
async function sameAsIp(ctx, kind, ...args) {
  const project = projections[kind];
  for (let attempt = 1; ; attempt++) {
    const before = project(ctx.ip('-j', ...args));
    const raw = nip(ctx, '-j', ...args);
    const after = project(ctx.ip('-j', ...args));
    assert.equal(extraKeys(raw, kind), [], `nsrun ip -j ${args.join(' ')} prints only ip's keys`);
    const ours = project(raw);
    if (JSON.stringify(ours) === JSON.stringify(after)) return ours;
    if (attempt >= 10 || JSON.stringify(before) === JSON.stringify(after)) {
      assert.equal(ours, after, `nsrun ip -j ${args.join(' ')} vs ip -j`);
    }
    await sleep(200);
  }
}

/** Text output equals ip's, but for ip's trailing spaces. */
async function sameTextAsIp(ctx, ...args) {
  const norm = (s) =>
    s
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n');
  for (let attempt = 1; ; attempt++) {
    const before = norm(ctx.ip(...args));
    const ours = nip(ctx, ...args);
    const after = norm(ctx.ip(...args));
    if (ours === after) return;
    if (attempt >= 10 || before === after) assert.fixture(ours, after, `nsrun ip ${args.join(' ')}`);
    await sleep(200);
  }
}

/** A `sleep` process inside `ns` (nsenter execs it: its pid is the sleeping process). */
async function sleeperIn(ns) {
  const child = spawn('nsenter', [`--net=${ns.procPath}`, 'sleep', '60'], { stdio: 'ignore' });
  const exited = once(child, 'exit');
  const want = statSync(ns.procPath).ino;
  for (const until = Date.now() + 5000; ; await sleep(10)) {
    let ino = -1;
    try {
      ino = statSync(`/proc/${child.pid}/ns/net`).ino;
    } catch {}
    if (ino === want && readlinkSync(`/proc/${child.pid}/exe`).endsWith('sleep')) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      assert.unreachable('nsenter sleep did not enter the namespace within 5 s');
    }
  }
  return {
    pid: child.pid,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `cond` until true; fails after `ms`. */
async function waitFor(cond, what, ms = 5000) {
  for (const until = Date.now() + ms; !(await cond()); await sleep(20)) {
    if (Date.now() > until) assert.unreachable(`timed out after ${ms} ms waiting for ${what}`);
  }
}

const k = kernelSuite('nsrun ip');

k('link show -j equals ip -j: loopback, bridge, veth pair and port, M-DOWN, group, a peer in another netns', async (ctx) => {
  ctx.ip('link', 'add', 'br0', 'type', 'bridge');
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('link', 'set', 'v0', 'master', 'br0');
  ctx.ip('link', 'set', 'br0', 'up');
  ctx.ip('link', 'set', 'v0', 'up');
  ctx.ip('link', 'set', 'v1', 'group', '5', 'mtu', '1400');
  ctx.ip('link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1');
  const other = NetNs.create();
  try {
    await linkSetNetns(ctx.nl, 'w1', other); // w0's peer now lives elsewhere: link_index + link_netnsid
    const links = await sameAsIp(ctx, 'link', 'link', 'show');
    assert.equal(
      links.map((l) => l.ifname),
      ['lo', 'br0', 'v1', 'v0', 'w0'],
    );
    const v0 = links.find((l) => l.ifname === 'v0');
    assert.is(v0.master, 'br0');
    assert.is(v0.link, 'v1');
    assert.ok(v0.flags.includes('M-DOWN'), 'v0 shows its peer down');
    assert.is(links.find((l) => l.ifname === 'v1').group, '5');
    const w0 = links.find((l) => l.ifname === 'w0');
    assert.is(w0.link_netnsid, 0);
    assert.type(w0.link_index, 'number');
    await sameAsIp(ctx, 'link', 'link', 'show', 'dev', 'v0');
    await sameAsIp(ctx, 'link', 'link', 'show', 'master', 'br0');
    await sameAsIp(ctx, 'link', 'link', 'show', 'type', 'veth');
    await sameTextAsIp(ctx, 'link', 'show');
  } finally {
    other.close();
  }
});

k('addr show -j equals ip -j: IPv4 with broadcast, label and secondary, IPv6, -4/-6 filters, dev filter', async (ctx) => {
  ctx.ip('link', 'add', 'br0', 'type', 'bridge');
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('addr', 'add', '10.0.0.1/24', 'dev', 'br0');
  ctx.ip('addr', 'add', '10.0.0.2/24', 'brd', '+', 'dev', 'br0', 'label', 'br0:x');
  ctx.ip('addr', 'add', '192.168.7.1', 'peer', '192.168.7.2', 'dev', 'br0');
  ctx.ip('addr', 'add', '2001:db8::1/64', 'dev', 'br0', 'nodad');
  ctx.ip('addr', 'add', '2001:db8:1::1/64', 'dev', 'v0', 'nodad', 'noprefixroute');
  const all = await sameAsIp(ctx, 'addr', 'addr', 'show');
  const br0 = all.find((l) => l.ifname === 'br0');
  const byLocal = Object.fromEntries(br0.addr_info.map((a) => [`${a.local}/${a.prefixlen}`, a]));
  assert.equal(Object.keys(byLocal).sort(), ['10.0.0.1/24', '10.0.0.2/24', '192.168.7.1/32', '2001:db8::1/64']);
  const second = byLocal['10.0.0.2/24'];
  assert.equal([second.broadcast, second.secondary, second.label], ['10.0.0.255', true, 'br0:x']);
  assert.is(byLocal['192.168.7.1/32'].address, '192.168.7.2');
  assert.equal(all.find((l) => l.ifname === 'v1').addr_info, []);
  await sameAsIp(ctx, 'addr', '-4', 'addr', 'show');
  await sameAsIp(ctx, 'addr', '-6', 'addr', 'show');
  await sameAsIp(ctx, 'addr', 'addr', 'show', 'dev', 'v0');
  await sameTextAsIp(ctx, 'addr', 'show');
});

k('route show -j equals ip -j: default via with metric, table 100 and all, blackhole/unreachable/prohibit, multipath, IPv6', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('link', 'add', 'u0', 'type', 'veth', 'peer', 'name', 'u1');
  for (const l of ['v0', 'v1', 'u0']) ctx.ip('link', 'set', l, 'up');
  ctx.ip('addr', 'add', '10.0.0.1/24', 'dev', 'v0');
  ctx.ip('addr', 'add', '10.0.1.1/24', 'dev', 'u0'); // u1 stays down: linkdown flags
  ctx.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  ctx.ip('route', 'add', 'default', 'via', '10.0.0.254', 'metric', '100');
  ctx.ip('route', 'add', '192.168.5.0/24', 'via', '10.0.0.254', 'dev', 'v0', 'table', '100');
  ctx.ip('route', 'add', 'blackhole', '10.9.0.0/16');
  ctx.ip('route', 'add', 'unreachable', '10.8.0.0/16');
  ctx.ip('route', 'add', 'prohibit', '10.7.0.1');
  ctx.ip('route', 'add', '10.6.0.0/16', 'proto', 'static', 'scope', 'link', 'dev', 'v0', 'src', '10.0.0.1', 'mtu', '1400');
  ctx.ip('route', 'add', '10.5.0.0/16', 'nexthop', 'via', '10.0.0.2', 'dev', 'v0', 'weight', '2', 'nexthop', 'via', '10.0.1.2', 'dev', 'u0');
  ctx.ip('route', 'add', '10.4.0.5', 'dev', 'v0');
  ctx.ip('route', 'add', '2001:db8:1::/48', 'via', '2001:db8::2');
  ctx.ip('-6', 'route', 'add', '2001:db8:2::/48', 'nexthop', 'via', '2001:db8::3', 'dev', 'v0', 'nexthop', 'via', '2001:db8::4', 'dev', 'v0');
  const main = await sameAsIp(ctx, 'route', 'route', 'show');
  const byDst = Object.fromEntries(main.map((r) => [r.dst, r]));
  assert.equal(byDst.default, { dst: 'default', gateway: '10.0.0.254', dev: 'v0', metric: 100, flags: [] });
  assert.is(byDst['10.7.0.1'].type, 'prohibit', 'a host route prints without /32');
  assert.is(byDst['10.9.0.0/16'].type, 'blackhole');
  assert.equal(
    byDst['10.5.0.0/16'].nexthops.map((h) => [h.gateway, h.dev, h.weight]),
    [
      ['10.0.0.2', 'v0', 2],
      ['10.0.1.2', 'u0', 1],
    ],
  );
  assert.equal(byDst['10.6.0.0/16'].metrics, [{ mtu: 1400 }]);
  const t100 = await sameAsIp(ctx, 'route', 'route', 'show', 'table', '100');
  assert.equal(t100, [{ dst: '192.168.5.0/24', gateway: '10.0.0.254', dev: 'v0', flags: [] }]);
  const all = await sameAsIp(ctx, 'route', 'route', 'show', 'table', 'all');
  assert.is(all.find((r) => r.dst === '192.168.5.0/24').table, '100');
  assert.ok(all.some((r) => r.table === 'local' && r.type === 'local'));
  const v6 = await sameAsIp(ctx, 'route', '-6', 'route', 'show');
  assert.is(v6.find((r) => r.dst === '2001:db8:2::/48').nexthops.length, 2);
  await sameAsIp(ctx, 'route', 'route', 'show', 'dev', 'v0');
  await sameAsIp(ctx, 'route', 'route', 'show', '10.5.0.0/16');
  await sameTextAsIp(ctx, 'route', 'show', 'table', 'all');
});

k('neigh show -j equals ip -j: permanent IPv4, reachable IPv6, NOARP only with nud all, dev filter', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'v0');
  ctx.ip('neigh', 'add', '2001:db8::9', 'lladdr', '02:00:00:00:00:0a', 'dev', 'v0', 'nud', 'reachable');
  ctx.ip('neigh', 'add', '10.0.0.10', 'lladdr', '02:00:00:00:00:0b', 'dev', 'v1', 'nud', 'noarp');
  const shown = await sameAsIp(ctx, 'neigh', 'neigh', 'show');
  assert.equal(shown.map((n) => n.dst).sort(), ['10.0.0.9', '2001:db8::9']);
  const all = await sameAsIp(ctx, 'neigh', 'neigh', 'show', 'nud', 'all');
  assert.ok(all.some((n) => n.dst === '10.0.0.10' && n.state[0] === 'NOARP'));
  await sameAsIp(ctx, 'neigh', 'neigh', 'show', 'dev', 'v0');
  await sameTextAsIp(ctx, 'neigh', 'show');
});

k('links made and changed with nsrun ip are what ip -j sees', async (ctx) => {
  nip(ctx, 'link', 'add', 'br0', 'mtu', '1400', 'address', '02:00:00:00:00:aa', 'type', 'bridge');
  nip(ctx, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'mtu', '1300');
  nip(ctx, 'link', 'set', 'v0', 'master', 'br0', 'mtu', '1400', 'up');
  nip(ctx, 'link', 'set', 'dev', 'v1', 'name', 'peer1', 'address', '02:00:00:00:00:bb', 'group', '7', 'up');
  let links = ctx.ip('-j', 'link', 'show');
  const get = (n) => links.find((l) => l.ifname === n);
  assert.equal([get('br0').mtu, get('br0').address], [1400, '02:00:00:00:00:aa']);
  assert.equal([get('v0').master, get('v0').mtu, get('v0').flags.includes('UP'), get('v0').link], ['br0', 1400, true, 'peer1']);
  assert.equal([get('peer1').mtu, get('peer1').address, get('peer1').group], [1300, '02:00:00:00:00:bb', '7']);
  nip(ctx, 'link', 'set', 'v0', 'nomaster', 'down');
  links = ctx.ip('-j', 'link', 'show');
  assert.is(get('v0').master, undefined);
  assert.not.ok(get('v0').flags.includes('UP'));
  nip(ctx, 'link', 'set', 'peer1', 'group', '7');
  nip(ctx, 'link', 'set', 'br0', 'group', '7');
  nip(ctx, 'link', 'del', 'group', '7');
  assert.equal(
    ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
    ['lo'],
  );
  nip(ctx, 'link', 'add', 'x0', 'type', 'veth', 'peer', 'x1');
  nip(ctx, 'link', 'del', 'dev', 'x0');
  assert.equal(
    ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
    ['lo'],
  );
});

k("link set netns PID and link add ... netns: the link moves to a process's namespace", async (ctx) => {
  const other = NetNs.create();
  const sleeper = await sleeperIn(other);
  try {
    nip(ctx, 'link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'm1', 'netns', String(sleeper.pid));
    nip(ctx, 'link', 'add', 'n0', 'type', 'veth', 'peer', 'name', 'n1');
    nip(ctx, 'link', 'set', 'n1', 'netns', String(sleeper.pid));
    const there = spawnSync('nsenter', [`--net=${other.procPath}`, 'ip', '-j', 'link', 'show'], { encoding: 'utf8' });
    assert.equal(
      JSON.parse(there.stdout)
        .map((l) => l.ifname)
        .sort(),
      ['lo', 'm1', 'n1'],
    );
    assert.equal(
      ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
      ['lo', 'm0', 'n0'],
    );
  } finally {
    await sleeper.kill();
    other.close();
  }
});

k('macvlan and vxlan made with nsrun ip, checked with ip -d -j; vlan when the kernel has 8021q', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  nip(ctx, 'link', 'add', 'link', 'v0', 'name', 'mv0', 'type', 'macvlan', 'mode', 'bridge');
  nip(ctx, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'remote', '10.1.1.1', 'local', '10.0.0.1', 'dev', 'v0', 'ttl', '5');
  nip(ctx, 'link', 'add', 'vx1', 'type', 'vxlan', 'id', '43', 'group', '239.1.1.1', 'dev', 'v0', 'nolearning');
  const d = Object.fromEntries(ctx.ip('-d', '-j', 'link', 'show').map((l) => [l.ifname, l]));
  assert.is(d.mv0.linkinfo.info_kind, 'macvlan');
  assert.is(d.mv0.linkinfo.info_data.mode, 'bridge');
  assert.is(d.mv0.link, 'v0');
  const x = d.vx0.linkinfo.info_data;
  assert.equal([x.id, x.port, x.remote, x.local, x.link, x.ttl], [42, 4789, '10.1.1.1', '10.0.0.1', 'v0', 5]);
  const y = d.vx1.linkinfo.info_data;
  assert.equal([y.id, y.group, y.learning], [43, '239.1.1.1', false]);
  const vlan = nsrun(ctx, 'ip', 'link', 'add', 'link', 'v0', 'name', 'v0.10', 'type', 'vlan', 'id', '10');
  if (vlan.status !== 0) {
    assert.match(vlan.stderr, /EOPNOTSUPP/);
    skip(`vlan: this kernel has no 8021q: ${vlan.stderr.trim()}`);
    return;
  }
  const v = ctx.ip('-d', '-j', 'link', 'show', 'dev', 'v0.10')[0];
  assert.equal([v.linkinfo.info_kind, v.linkinfo.info_data.id, v.link], ['vlan', 10, 'v0']);
});

k('addresses, routes and neighbours made with nsrun ip are what ip -j sees; replace, append and del too', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('link', 'set', 'v0', 'up');
  ctx.ip('link', 'set', 'v1', 'up');
  nip(ctx, 'addr', 'add', '10.0.0.1/24', 'dev', 'v0');
  nip(ctx, 'a', 'add', '10.0.0.2/24', 'brd', '+', 'dev', 'v0', 'label', 'v0:x');
  nip(ctx, 'address', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  let info = ctx.ip('-j', 'addr', 'show', 'dev', 'v0')[0].addr_info;
  assert.equal(
    info.filter((a) => a.scope === 'global').map((a) => [a.local, a.prefixlen, a.broadcast, a.label]),
    [
      ['10.0.0.1', 24, undefined, 'v0'],
      ['10.0.0.2', 24, '10.0.0.255', 'v0:x'],
      ['2001:db8::1', 64, undefined, undefined],
    ],
  );
  nip(ctx, 'addr', 'del', '10.0.0.2/24', 'dev', 'v0');
  nip(ctx, '-6', 'addr', 'del', '2001:db8::1/64', 'dev', 'v0');
  info = ctx.ip('-j', 'addr', 'show', 'dev', 'v0')[0].addr_info;
  assert.equal(
    info.filter((a) => a.scope === 'global').map((a) => a.local),
    ['10.0.0.1'],
  );

  nip(ctx, 'addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  nip(ctx, 'route', 'add', 'default', 'via', '10.0.0.254', 'metric', '100');
  nip(ctx, 'route', 'add', '192.168.5.0/24', 'via', '10.0.0.254', 'table', '100');
  nip(ctx, 'route', 'add', 'blackhole', '10.9.0.0/16');
  nip(ctx, 'route', 'add', 'unreachable', '10.8.0.1');
  nip(ctx, 'route', 'add', '10.5.0.0/16', 'nexthop', 'via', '10.0.0.2', 'dev', 'v0', 'weight', '3', 'nexthop', 'via', '10.0.0.3', 'dev', 'v0');
  nip(ctx, 'route', 'add', '10.6.0.0/16', 'dev', 'v0', 'proto', 'static', 'src', '10.0.0.1', 'mtu', '1400');
  nip(ctx, 'r', 'add', '2001:db8:1::/48', 'via', '2001:db8::2', 'metric', '7');
  nip(ctx, 'route', 'add', '10.4.0.0/16', 'via', '10.0.0.4');
  nip(ctx, 'route', 'replace', '10.4.0.0/16', 'via', '10.0.0.5');
  nip(ctx, 'route', 'append', '10.4.0.0/16', 'via', '10.0.0.6', 'metric', '9');
  const routes = ctx.ip('-j', 'route', 'show');
  const r = (dst) => routes.filter((x) => x.dst === dst);
  assert.equal(r('default')[0], { dst: 'default', gateway: '10.0.0.254', dev: 'v0', metric: 100, flags: [] });
  assert.is(r('10.9.0.0/16')[0].type, 'blackhole');
  assert.is(r('10.8.0.1')[0].type, 'unreachable');
  assert.equal(
    r('10.5.0.0/16')[0].nexthops.map((h) => [h.gateway, h.weight]),
    [
      ['10.0.0.2', 3],
      ['10.0.0.3', 1],
    ],
  );
  assert.equal(r('10.6.0.0/16')[0], {
    dst: '10.6.0.0/16',
    dev: 'v0',
    protocol: 'static',
    scope: 'link',
    prefsrc: '10.0.0.1',
    flags: [],
    metrics: [{ mtu: 1400 }],
  });
  assert.equal(
    r('10.4.0.0/16').map((x) => [x.gateway, x.metric]),
    [
      ['10.0.0.5', undefined],
      ['10.0.0.6', 9],
    ],
  );
  assert.equal(ctx.ip('-j', 'route', 'show', 'table', '100'), [{ dst: '192.168.5.0/24', gateway: '10.0.0.254', dev: 'v0', flags: [] }]);
  assert.is(ctx.ip('-j', '-6', 'route', 'show', '2001:db8:1::/48')[0].metric, 7);
  nip(ctx, 'route', 'del', '10.4.0.0/16', 'via', '10.0.0.6', 'metric', '9');
  nip(ctx, 'route', 'del', '192.168.5.0/24', 'table', '100');
  nip(ctx, 'route', 'del', 'blackhole', '10.9.0.0/16');
  nip(ctx, 'route', 'del', 'default');
  const left = ctx.ip('-j', 'route', 'show').map((x) => x.dst);
  assert.not.ok(left.includes('default') || left.includes('10.9.0.0/16'));
  assert.is(left.filter((d) => d === '10.4.0.0/16').length, 1);
  assert.equal(ctx.ip('-j', 'route', 'show', 'table', '100'), []);

  nip(ctx, 'neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'v0');
  nip(ctx, 'n', 'add', '2001:db8::9', 'lladdr', '02:00:00:00:00:0a', 'dev', 'v0', 'nud', 'reachable');
  nip(ctx, 'neigh', 'replace', '10.0.0.9', 'lladdr', '02:00:00:00:00:0c', 'dev', 'v0', 'nud', 'stale');
  let neigh = ctx.ip('-j', 'neigh', 'show', 'dev', 'v0');
  assert.equal(neigh.map((n) => [n.dst, n.lladdr, n.state]).sort(), [
    ['10.0.0.9', '02:00:00:00:00:0c', ['STALE']],
    ['2001:db8::9', '02:00:00:00:00:0a', ['REACHABLE']],
  ]);
  nip(ctx, 'neigh', 'del', '10.0.0.9', 'dev', 'v0');
  neigh = ctx.ip('-j', 'neigh', 'show', 'dev', 'v0');
  assert.equal(
    neigh.map((n) => n.dst),
    ['2001:db8::9'],
  );
});

k('errors: EEXIST and ENODEV exit 1 with one line naming object and errno; bad usage exits 2', async (ctx) => {
  nip(ctx, 'link', 'add', 'br0', 'type', 'bridge');
  let r = nsrun(ctx, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'nsrun: linkAdd br0 (bridge): EEXIST (File exists)\n');
  r = nsrun(ctx, 'ip', 'link', 'set', 'nosuch', 'up');
  assert.is(r.status, 1);
  assert.match(r.stderr, /^nsrun: linkSet nosuch up: ENODEV \(No such device\)\n$/);
  r = nsrun(ctx, 'ip', 'addr', 'show', 'dev', 'nosuch');
  assert.is(r.status, 1);
  assert.match(r.stderr, /^nsrun: linkGet nosuch: ENODEV/);
  r = nsrun(ctx, 'ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'br0');
  assert.is(r.status, 0);
  r = nsrun(ctx, 'ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'br0');
  assert.is(r.status, 1);
  assert.match(r.stderr, /^nsrun: addrAdd 10\.0\.0\.1\/24 dev br0: EEXIST \(File exists\)[^\n]*\n$/);
  r = nsrun(ctx, 'ip', 'route', 'add', '10.0.0.0/24', 'via', '10.9.9.9', 'table', '5');
  assert.is(r.status, 1);
  assert.match(r.stderr, /^nsrun: routeAdd 10\.0\.0\.0\/24 via 10\.9\.9\.9 table 5: ENETUNREACH \(Network is unreachable\)[^\n]*\n$/);
  r = nsrun(ctx, 'ip', 'link', 'add', 'x'.repeat(16), 'type', 'bridge');
  assert.is(r.status, 2);
  assert.match(r.stderr, /^nsrun: invalid name "x{16}": is 16 bytes/);
  r = nsrun(ctx, 'ip', 'link', 'frob');
  assert.is(r.status, 2);
  assert.match(r.stderr, /^nsrun: ip link: unknown command "frob"\nTry "nsrun ip link help"\.\n$/);
  r = nsrun(ctx, 'ip', 'route', 'add', '10.0.0.1/24', 'dev', 'br0');
  assert.is(r.status, 2);
  assert.match(r.stderr, /route\.dst .*host bits set/);
  assert.equal(
    ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
    ['lo', 'br0'],
    'nothing else was created',
  );
});

k("-n NAME runs inside /run/netns/NAME (ip netns add); -n PID inside that process's namespace", async (ctx) => {
  const name = `nsrun-cli-${process.pid}`;
  execIp('netns', 'add', name);
  try {
    nip(ctx, '-n', name, 'link', 'add', 'named0', 'type', 'bridge');
    const there = JSON.parse(execIp('-n', name, '-j', 'link', 'show'));
    assert.equal(
      there.map((l) => l.ifname),
      ['lo', 'named0'],
    );
    assert.equal(
      nip(ctx, '-j', '-n', name, 'link', 'show').map((l) => l.ifname),
      ['lo', 'named0'],
    );
    assert.equal(
      ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
      ['lo'],
      'the test namespace is untouched',
    );
    const r = nsrun(ctx, 'ip', '-n', `${name}-missing`, 'link', 'show');
    assert.is(r.status, 1);
    assert.match(r.stderr, /^nsrun: open \/run\/netns\/nsrun-cli-\d+-missing: ENOENT/);
  } finally {
    execIp('netns', 'del', name);
  }
  const sleeper = await sleeperIn(ctx.ns);
  try {
    // From the sandbox's own namespace, -n PID reaches the test's namespace.
    const r = spawnSync(process.execPath, [MAIN, 'ip', '-n', String(sleeper.pid), 'link', 'add', 'bypid0', 'type', 'bridge'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.equal(
      ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
      ['lo', 'bypid0'],
    );
  } finally {
    await sleeper.kill();
  }
});

function execIp(...args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) assert.unreachable(`ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

k('main() in-process with -n PID: works, and leaves the process in its own namespace (monitor too)', async (ctx) => {
  const id = () => {
    const ns = NetNs.current();
    try {
      return ns.id;
    } finally {
      ns.close();
    }
  };
  const home = id();
  const sleeper = await sleeperIn(ctx.ns);
  try {
    let out = '';
    let err = '';
    const io = { stdout: (s) => (out += s), stderr: (s) => (err += s) };
    assert.is(await main(['ip', '-n', String(sleeper.pid), 'link', 'add', 'inproc0', 'type', 'bridge'], io), 0, err);
    assert.is(id(), home);
    assert.is(await main(['ip', '-j', '-n', String(sleeper.pid), 'link', 'show', 'inproc0'], io), 0, err);
    assert.is(JSON.parse(out)[0].ifname, 'inproc0');
    assert.equal(
      ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
      ['lo', 'inproc0'],
    );

    // Monitor: the subscription exists once main() has been called; abort ends it with 0.
    out = '';
    const stop = new AbortController();
    const running = main(['ip', '-n', String(sleeper.pid), 'monitor', 'link'], { ...io, signal: stop.signal });
    assert.is(id(), home);
    ctx.ip('link', 'set', 'inproc0', 'mtu', '1280');
    await waitFor(() => /inproc0: .* mtu 1280 /.test(out), 'the mtu change on the monitor');
    stop.abort();
    assert.is(await running, 0, err);
    assert.is(err, '');
    assert.is(id(), home);
  } finally {
    await sleeper.kill();
  }
});

k('monitor (the binary): link, address, route and neighbour events as ip monitor prints them; -j lines; SIGINT exits 0', async (ctx) => {
  const start = (...args) => {
    const child = spawn('nsenter', [`--net=${ctx.ns.procPath}`, process.execPath, MAIN, 'ip', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const m = { child, out: '', err: '', exited: once(child, 'exit') };
    child.stdout.on('data', (d) => (m.out += d));
    child.stderr.on('data', (d) => (m.err += d));
    return m;
  };
  const text = start('monitor');
  const json = start('-j', 'monitor', 'link', 'address');
  try {
    // Subscribed once a probe change shows up on both.
    let mtu = 65536;
    await waitFor(
      () => {
        ctx.ip('link', 'set', 'lo', 'mtu', String((mtu = mtu === 65536 ? 65535 : 65536)));
        return text.out.includes('1: lo:') && json.out.includes('"ifname":"lo"');
      },
      'both monitors to see a probe',
      15000,
    );
    ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ctx.ip('link', 'set', 'v0', 'up'); // up without carrier: routes through it are linkdown
    ctx.ip('addr', 'add', '10.0.0.1/24', 'dev', 'v0');
    ctx.ip('route', 'add', '10.9.0.0/16', 'via', '10.0.0.2', 'dev', 'v0');
    ctx.ip('neigh', 'add', '10.0.0.3', 'lladdr', '02:00:00:00:00:03', 'dev', 'v0');
    ctx.ip('route', 'del', '10.9.0.0/16');
    ctx.ip('link', 'del', 'v0');
    await waitFor(() => text.out.includes('Deleted 2: v1') || text.out.includes('Deleted 3: v1'), 'the veth deletion on the text monitor');
    const lines = text.out.split('\n');
    assert.ok(
      lines.some((l) => /^\d+: v0@v1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default$/.test(l)),
      text.out,
    );
    assert.ok(
      lines.some((l) => /^\d+: v0    inet 10\.0\.0\.1\/24 scope global v0$/.test(l)),
      text.out,
    );
    assert.ok(lines.includes('10.9.0.0/16 via 10.0.0.2 dev v0 linkdown'), text.out);
    assert.ok(lines.includes('Deleted 10.9.0.0/16 via 10.0.0.2 dev v0 linkdown'), text.out);
    assert.ok(lines.includes('10.0.0.3 dev v0 lladdr 02:00:00:00:00:03 PERMANENT'), text.out);
    assert.ok(
      lines.some((l) => /^Deleted \d+: v0@NONE: /.test(l)),
      text.out,
    );
    await waitFor(() => /"deleted":true,"ifindex":\d+,"link":null,"ifname":"v1"/.test(json.out), 'the veth deletion on the JSON monitor');
    const events = json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const addr = events.find((e) => e.addr_info);
    assert.equal(addr.addr_info[0].local, '10.0.0.1');
    assert.is(addr.ifname, 'v0');
    assert.ok(
      events.every((e) => e.ifindex !== undefined),
      'only link and address events',
    );
    assert.ok(
      events.some((e) => e.deleted === true && e.addr_info),
      'the address deletion',
    );
  } finally {
    for (const m of [text, json]) if (m.child.exitCode === null) m.child.kill('SIGINT');
  }
  const [code] = await text.exited;
  assert.is(code, 0, text.err);
  assert.is((await json.exited)[0], 0, json.err);
  assert.is(text.err + json.err, '');
});

k.run();
