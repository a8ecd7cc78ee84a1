// routeGet, neighGet, namespace ids, link counters and the noMaster filter against the kernel,
// each observed through iproute2's ip -j in the same namespace.
import * as assert from 'uvu/assert';
import { NetNs } from '@nsrun/sys';
import { routeGet, neighGet, nsidGet, nsidSet, nsidList, linkGet, linkList, decodeLinkStats, NetlinkError } from '@nsrun/netlink';
import { RTM_F_CLONED, RTN_LOCAL, RT_TABLE_MAIN, AF_INET6 } from '@nsrun/netlink/constants';
import { findAttr } from '@nsrun/netlink/wire';
import { kernelSuite, rejection } from '@nsrun/test-helpers/kernel';

const k = kernelSuite('lookups of one object');

function topology(ctx) {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('link', 'set', 'v0', 'up');
  ctx.ip('link', 'set', 'v1', 'up');
  ctx.ip('addr', 'add', '10.0.0.1/24', 'dev', 'v0');
  ctx.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  ctx.ip('route', 'add', 'default', 'via', '10.0.0.254');
  ctx.ip('route', 'add', '192.0.2.0/24', 'via', '10.0.0.253', 'table', '100');
  ctx.ip('rule', 'add', 'fwmark', '7', 'table', '100');
}

k('routeGet: the route ip route get shows (connected, via, local, by mark, IPv6), a clone with the asking uid', async (ctx) => {
  topology(ctx);
  const v0 = (await linkGet(ctx.nl, 'v0')).index;
  const c = await routeGet(ctx.nl, { to: '10.0.0.5' });
  const ip = ctx.ip('-j', 'route', 'get', '10.0.0.5')[0];
  assert.equal([c.dst, c.oif, c.prefsrc, c.gateway], [`${ip.dst}/32`, v0, ip.prefsrc, undefined]);
  assert.ok(c.flags & RTM_F_CLONED);
  assert.is(findAttr(c.message.attrs, 'uid').value, 0);
  assert.is(c.table, RT_TABLE_MAIN);
  const far = await routeGet(ctx.nl, { to: '198.51.100.1' });
  assert.is(far.gateway, '10.0.0.254');
  const local = await routeGet(ctx.nl, { to: '127.0.0.1' });
  assert.is(local.type, RTN_LOCAL);
  const marked = await routeGet(ctx.nl, { to: '192.0.2.9', mark: 7 });
  assert.equal([marked.gateway, marked.table, findAttr(marked.message.attrs, 'mark').value], ['10.0.0.253', 100, 7]);
  assert.equal(ctx.ip('-j', 'route', 'get', '192.0.2.9', 'mark', '7')[0].table, '100');
  const byOif = await routeGet(ctx.nl, { to: '10.0.0.5', oif: 'v0', from: '10.0.0.1' });
  assert.equal([byOif.oif, findAttr(byOif.message.attrs, 'src').value], [v0, '10.0.0.1']);
  const six = await routeGet(ctx.nl, { to: '2001:db8::5' });
  assert.equal([six.message.family, six.oif], [AF_INET6, v0]);
  const e = await rejection(routeGet(ctx.nl, { to: '10.0.0.5', oif: 'nosuch' }), 'an unknown oif');
  assert.is(e.code, 'ENODEV');
});

k('routeGet without a route: NetlinkError ENETUNREACH naming the lookup', async (ctx) => {
  const e = await rejection(routeGet(ctx.nl, { to: '198.51.100.1' }), 'no route');
  assert.instance(e, NetlinkError);
  assert.is(e.code, 'ENETUNREACH');
  assert.match(e.message, /^routeGet 198\.51\.100\.1: ENETUNREACH/);
});

k('neighGet: one entry by device and address (also a proxy entry); ENOENT when there is none', async (ctx) => {
  topology(ctx);
  ctx.ip('neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'v0');
  ctx.ip('neigh', 'add', 'proxy', '10.0.0.50', 'dev', 'v0');
  const n = await neighGet(ctx.nl, { dev: 'v0', dst: '10.0.0.9' });
  assert.equal([n.dst, n.lladdr, n.states, n.index], ['10.0.0.9', '02:00:00:00:00:09', ['permanent'], (await linkGet(ctx.nl, 'v0')).index]);
  const p = await neighGet(ctx.nl, { dev: 'v0', dst: '10.0.0.50', proxy: true });
  assert.is(p.dst, '10.0.0.50');
  const e = await rejection(neighGet(ctx.nl, { dev: 'v0', dst: '10.0.0.8' }), 'no entry');
  assert.is(e.code, 'ENOENT');
  assert.match(e.message, /^neighGet 10\.0\.0\.8 dev v0: ENOENT/);
});

k('namespace ids: none at first, set, chosen by the kernel, listed as ip netns list-id lists them; a second id is EEXIST', async (ctx) => {
  const a = NetNs.create();
  const b = NetNs.create();
  try {
    assert.is(await nsidGet(ctx.nl, { fd: a.fd }), -1);
    await nsidSet(ctx.nl, { fd: a.fd }, 42);
    assert.is(await nsidGet(ctx.nl, { fd: a.fd }), 42);
    await nsidSet(ctx.nl, { fd: b.fd }, -1);
    const auto = await nsidGet(ctx.nl, { fd: b.fd });
    assert.ok(auto >= 0 && auto !== 42, `kernel-chosen id ${auto}`);
    const listed = (await nsidList(ctx.nl)).map((x) => x.nsid).sort((x, y) => x - y);
    assert.equal(
      listed,
      ctx
        .ip('-j', 'netns', 'list-id')
        .map((x) => x.nsid)
        .sort((x, y) => x - y),
    );
    assert.equal(
      listed,
      [auto, 42].sort((x, y) => x - y),
    );
    const e = await rejection(nsidSet(ctx.nl, { fd: a.fd }, 43), 'a second id');
    assert.is(e.code, 'EEXIST');
  } finally {
    a.close();
    b.close();
  }
});

k('link counters: IFLA_STATS64 of linkGet and linkList, decoded, as ip -s shows them', async (ctx) => {
  ctx.sh('ping -q -c 3 -i 0.01 127.0.0.1 >/dev/null 2>&1 || true');
  const lo = await linkGet(ctx.nl, 'lo');
  const s = decodeLinkStats(findAttr(lo.message.attrs, 'stats64').value);
  const ip = ctx.ip('-s', '-j', 'link', 'show', 'lo')[0].stats64;
  assert.equal([s.rxPackets, s.rxBytes, s.txPackets, s.txBytes].map(Number), [ip.rx.packets, ip.rx.bytes, ip.tx.packets, ip.tx.bytes]);
  assert.ok(s.rxPackets >= 6n);
  const listed = (await linkList(ctx.nl)).find((l) => l.name === 'lo');
  assert.equal(decodeLinkStats(findAttr(listed.message.attrs, 'stats64').value), s);
});

k('linkList { noMaster }: the links without a master, filtered by the kernel, as ip link show nomaster', async (ctx) => {
  ctx.ip('link', 'add', 'br0', 'type', 'bridge');
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('link', 'set', 'v0', 'master', 'br0');
  const names = (await linkList(ctx.nl, { noMaster: true })).map((l) => l.name);
  assert.equal(
    names,
    ctx.ip('-j', 'link', 'show', 'nomaster').map((l) => l.ifname),
  );
  assert.not.ok(names.includes('v0'));
  const e = await rejection(linkList(ctx.nl, { noMaster: true, master: 2 }), 'master and noMaster');
  assert.is(e.field, 'filter');
});

k.run();
