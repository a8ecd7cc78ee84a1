// `nsrun ip -br | -d | -s | -o` and the link/address show filters, each next to iproute2's
// ip on the same objects: text line by line and -j value by value (every key, in ip's order).
import * as assert from 'uvu/assert';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { maskMoving, nip, nsrun, quiet, sameAsIp, sameJson, sameText } from './helpers/ip-compare.js';

const k = kernelSuite('nsrun ip show options');

/** br0 with port v0 (peer v1), v1 with addresses, a down veth pair, all up but w0/w1. */
function topology(ctx, { v6 = true } = {}) {
  ctx.ip('link', 'add', 'br0', 'type', 'bridge');
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1');
  ctx.ip('link', 'set', 'v0', 'master', 'br0');
  for (const l of ['br0', 'v0', 'v1']) ctx.ip('link', 'set', l, 'up');
  ctx.ip('link', 'set', 'w1', 'group', '5');
  ctx.ip('addr', 'add', '10.0.0.1/24', 'dev', 'br0');
  ctx.ip('addr', 'add', '10.0.0.2/24', 'dev', 'br0', 'label', 'br0:x');
  ctx.ip('addr', 'add', '192.168.7.1', 'peer', '192.168.7.2', 'dev', 'v1');
  if (v6) ctx.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v1', 'nodad');
}

/**
 * iproute2 6.1 prints an empty object for each link its user-space filters (up, group,
 * KIND_slave) leave out of a -j listing ("[{},{},{...}]"); nsrun ip leaves them out entirely.
 */
const withoutEmpty = (v) => maskMoving(v).filter((o) => Object.keys(o).length > 0);

k('-br link and -br address (text and -j): padded name@peer, state, address or addresses; -4 / -6 filters', async (ctx) => {
  topology(ctx);
  const links = await sameAsIp(ctx, '-br', 'link');
  assert.equal(Object.keys(links.find((l) => l.ifname === 'v0')), ['link', 'ifname', 'operstate', 'address', 'flags']);
  const addrs = await sameAsIp(ctx, '-br', 'address');
  assert.equal(
    addrs
      .find((l) => l.ifname === 'br0')
      .addr_info.map((a) => `${a.local}/${a.prefixlen}`)
      .filter((a) => a.startsWith('10.')),
    ['10.0.0.1/24', '10.0.0.2/24'],
  );
  // The name (with its peer) padded to 16, the state to 14, as ip's "%-16s %-14s ".
  const line = nip(ctx, '-br', 'link', 'show', 'v0');
  assert.is(line.slice(0, 17), `${'v0@v1'.padEnd(16)} `);
  assert.match(line.slice(17, 32), /^[A-Z]+ +$/);
  assert.match(line.slice(32), /^[0-9a-f:]{17} <[A-Z_,-]+>\n$/);
  await sameAsIp(ctx, '-br', '-4', 'address');
  await sameAsIp(ctx, '-br', '-6', 'address');
  await sameAsIp(ctx, '-br', 'address', 'show', 'dev', 'v1');
  await sameText(ctx, ['-brief', 'link', 'show', 'up']);
  await sameJson(ctx, ['-brief', 'link', 'show', 'up'], withoutEmpty);
});

k('-o link, -o address (one record per address, "INDEX: DEV" first; -j: addr_info with index and dev), -o route with next hops, -o neigh', async (ctx) => {
  topology(ctx);
  ctx.ip('route', 'add', '10.5.0.0/16', 'nexthop', 'via', '10.0.0.7', 'dev', 'br0', 'nexthop', 'via', '10.0.0.8', 'dev', 'br0', 'weight', '3');
  ctx.ip('neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'br0');
  const text = await sameText(ctx, ['-o', 'link']);
  assert.ok(
    text.split('\n').every((l) => l === '' || /^\d+: .*\\    link\//.test(l)),
    text,
  );
  await sameAsIp(ctx, '-o', 'address');
  await sameAsIp(ctx, '-o', '-4', 'address', 'show', 'dev', 'br0');
  const multipath = await sameText(ctx, ['-o', 'route', 'show', '10.5.0.0/16']);
  assert.match(
    multipath,
    /^10\.5\.0\.0\/16 \\\tnexthop via 10\.0\.0\.7 dev br0 weight 1 (linkdown )?\\\tnexthop via 10\.0\.0\.8 dev br0 weight 3( linkdown)?\n$/,
  );
  await sameAsIp(ctx, '-oneline', 'neigh');
});

k('-d link: bridge and bridge port data, veth, lo (min/max mtu, addrgenmode, queues, gso/tso/gro); -d address, -d route', async (ctx) => {
  topology(ctx);
  ctx.ip('link', 'set', 'v1', 'alias', 'the peer of v0');
  const all = await sameAsIp(ctx, '-d', 'link');
  const br0 = all.find((l) => l.ifname === 'br0');
  assert.is(br0.linkinfo.info_kind, 'bridge');
  assert.is(br0.linkinfo.info_data.hello_timer, '*', 'timers are masked (they move)');
  assert.match(br0.linkinfo.info_data.bridge_id, /^8000\.[0-9a-f:]+$/);
  const v0 = all.find((l) => l.ifname === 'v0');
  assert.equal([v0.linkinfo.info_kind, v0.linkinfo.info_slave_kind, v0.linkinfo.info_slave_data.state], ['veth', 'bridge', 'forwarding']);
  assert.is(all.find((l) => l.ifname === 'v1').ifalias, 'the peer of v0');
  assert.is(all.find((l) => l.ifname === 'lo').min_mtu, 0);
  await sameAsIp(ctx, '-d', 'link', 'show', 'dev', 'v0');
  await sameAsIp(ctx, '-d', '-o', 'link', 'show', 'dev', 'br0');
  await sameAsIp(ctx, '-d', 'address');
  await sameAsIp(ctx, '-d', 'route', 'show', 'table', 'all');
});

k('-d link: vxlan (IPv4 remote, IPv6 group, external), macvlan and macvtap as ip prints them', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip(
    'link',
    'add',
    'vx0',
    'type',
    'vxlan',
    'id',
    '42',
    'dstport',
    '4789',
    'remote',
    '10.1.1.1',
    'local',
    '10.0.0.1',
    'dev',
    'v0',
    'ttl',
    '5',
    'tos',
    '0x10',
    'nolearning',
  );
  ctx.ip('link', 'add', 'vx6', 'type', 'vxlan', 'id', '43', 'group', 'ff05::100', 'dev', 'v0', 'dstport', '4790', 'srcport', '1000', '2000', 'noudpcsum');
  ctx.ip('link', 'add', 'vx2', 'type', 'vxlan', 'external', 'dstport', '4791');
  ctx.ip('link', 'add', 'link', 'v1', 'name', 'mv0', 'type', 'macvlan', 'mode', 'private');
  ctx.ip('link', 'add', 'link', 'v1', 'name', 'mvt0', 'type', 'macvtap', 'mode', 'vepa');
  const all = await sameAsIp(ctx, '-d', 'link');
  const data = (n) => all.find((l) => l.ifname === n).linkinfo.info_data;
  assert.equal(
    [data('vx0').id, data('vx0').remote, data('vx0').local, data('vx0').link, data('vx0').ttl, data('vx0').learning],
    [42, '10.1.1.1', '10.0.0.1', 'v0', 5, false],
  );
  assert.equal([data('vx6').group6, data('vx6').port_range], ['ff05::100', { low: 1000, high: 2000 }]);
  assert.is(data('vx2').external, true);
  assert.equal([data('mv0').mode, data('mvt0').mode], ['private', 'vepa']);
  await sameAsIp(ctx, '-d', 'link', 'show', 'type', 'vxlan');
});

k('-s and -s -s: stats64 counters and error counters (link and address), column widths as ip sizes them', async (ctx) => {
  quiet(ctx);
  topology(ctx, { v6: false });
  // Traffic, so that the columns widen: pings over lo.
  ctx.sh('ping -q -c 20 -i 0.01 -s 1400 127.0.0.1 >/dev/null 2>&1 || true');
  const lo = (await sameAsIp(ctx, '-s', 'link', 'show', 'lo'))[0];
  assert.ok(lo.stats64.rx.packets >= 20, `lo counted the pings (${lo.stats64.rx.packets} packets)`);
  assert.equal(Object.keys(lo.stats64.rx), ['bytes', 'packets', 'errors', 'dropped', 'over_errors', 'multicast']);
  const lo2 = (await sameAsIp(ctx, '-s', '-s', 'link', 'show', 'lo'))[0];
  assert.ok('carrier_changes' in lo2.stats64.tx && 'missed_errors' in lo2.stats64.rx);
  await sameAsIp(ctx, '-s', 'link');
  await sameAsIp(ctx, '-s', '-s', 'link');
  await sameAsIp(ctx, '-s', 'address');
  await sameAsIp(ctx, '-s', '-o', 'link', 'show', 'br0');
  await sameText(ctx, ['-s', '-s', '-d', 'link', 'show', 'v0']);
});

k('link show type KIND / type KIND_slave / master DEV / nomaster / up / group N; address show master / type; alias', async (ctx) => {
  topology(ctx);
  ctx.ip('link', 'set', 'w0', 'alias', 'spare pair');
  for (const args of [['type', 'veth'], ['type', 'bridge'], ['type', 'bridge_slave'], ['master', 'br0'], ['nomaster'], ['up'], ['group', '5'], ['dev', 'w0']]) {
    await sameText(ctx, ['link', 'show', ...args]);
    await sameJson(ctx, ['link', 'show', ...args], withoutEmpty);
  }
  await sameAsIp(ctx, 'address', 'show', 'master', 'br0');
  await sameAsIp(ctx, 'address', 'show', 'type', 'veth');
  assert.equal(
    (await sameJson(ctx, ['link', 'show', 'master', 'br0'])).map((l) => l.ifname),
    ['v0'],
  );
  const r = nsrun(ctx, ['ip', 'link', 'show', 'master', 'br0', 'nomaster']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /^nsrun: ip link show: give either "master DEV" or "nomaster"\nTry "nsrun ip link show help"\.\n$/);
});

k('a link with its peer in another namespace: link-netnsid in -j, "link-netns NAME" in text once the namespace has a name and an id', async (ctx) => {
  const name = `nsrun-show-${process.pid}`;
  ctx.ip('link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
  nip(ctx, 'netns', 'add', name);
  try {
    ctx.ip('link', 'set', 'p1', 'netns', name);
    const [p0] = await sameAsIp(ctx, 'link', 'show', 'p0');
    assert.is(typeof p0.link_netnsid, 'number');
    assert.match(nip(ctx, 'link', 'show', 'p0'), / link-netns nsrun-show-\d+\n$/);
    await sameText(ctx, ['-o', 'link', 'show', 'p0']);
    await sameAsIp(ctx, '-br', 'link', 'show', 'p0');
  } finally {
    nip(ctx, 'netns', 'del', name);
  }
});

k.run();
