// Our decoding of full link / address / route dumps agrees with the `netlink` package's
// (node_netlink 0.3.0) decoders, run on the very bytes our client received.
//
// Where node_netlink decodes differently, and why (asserted below where it matters):
// - Enumerations come as names ('ETHER', 'KERNEL', 'UNICAST', 'LINK'), flag words as objects of
//   booleans ({ up: true, ... }); we keep the kernel's numbers. Compared after mapping back.
// - Addresses are raw Buffers (IFLA_ADDRESS, IFA_LOCAL, RTA_DST, RTA_GATEWAY...); we give text.
// - IFLA_LINK is a raw Buffer (its generated table has no type for it); IFLA_LINKINFO is a raw
//   Buffer (ifla.parseInfo decodes one level; INFO_DATA stays raw); we decode kind data.
// - RTA_MULTIPATH is a raw Buffer (it walks neither the rtnexthop array nor the hops' attributes).
// - rtm_table is the 8-bit header field (252, RT_TABLE_COMPAT, for ids over 255) next to
//   attrs.table; our Route.table is the full id.
// - Attributes missing from its generated tables are dropped: getObject() pushes them onto
//   `obj.__unparsed?.` which is never created, so e.g. IFLA_GRO_MAX_SIZE, IFLA_TSO_MAX_SIZE and
//   IFLA_ALLMULTI vanish; we keep every attribute (unknown ones as bytes).
import * as assert from 'uvu/assert';
import nl from 'netlink';
import { linkAdd, linkIndex, linkSetUp, addrAdd, routeAdd, linkList, addrList, routeList } from '@nsrun/netlink';
import { RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, IFLA_GRO_MAX_SIZE } from '@nsrun/netlink/constants';
import { splitMessages } from '@nsrun/netlink/wire';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

/** Runs `fn` and returns its result and the payloads of every `type` message the socket received. */
async function withPayloads(c, type, fn) {
  const sock = c.socket;
  const receive = sock.receive;
  const payloads = [];
  sock.receive = (...a) => {
    const d = receive.apply(sock, a);
    if (d) for (const m of splitMessages(Buffer.from(d.data))) if (m.type === type) payloads.push(m.buf.subarray(m.start, m.end));
    return d;
  };
  try {
    return { result: await fn(), payloads };
  } finally {
    delete sock.receive;
  }
}

const mac = (b) => (b === undefined ? undefined : [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
function ip(b) {
  if (b === undefined) return undefined;
  if (b.length === 4) return [...b].join('.');
  const words = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i));
  // The canonical form (RFC 5952): the longest run (2+) of zero words becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
const num = (enumeration, v) => (typeof v === 'string' ? enumeration[v] : v);

const k = kernelSuite('kernel crosscheck');

/** A bridge with veth ports, a macvlan, a vxlan, IPv4 and IPv6 addresses, routes in several tables. */
async function populate(c) {
  await linkAdd(c, { name: 'br0', kind: 'bridge', up: true });
  const br = await linkIndex(c, 'br0');
  await linkAdd(c, { name: 'v0', kind: 'veth', up: true, master: br, peer: { name: 'v1', mtu: 1400 } });
  await linkAdd(c, { name: 'w0', kind: 'veth', up: true, group: 5, peer: { name: 'w1' } });
  await linkSetUp(c, 'v1');
  await linkSetUp(c, 'w1');
  await linkAdd(c, { name: 'mv0', kind: 'macvlan', link: await linkIndex(c, 'w1'), mode: 'bridge', address: '02:00:00:00:aa:01' });
  await linkAdd(c, { name: 'vx0', kind: 'vxlan', id: 7, port: 4789, remote: '192.0.2.9', local: '192.0.2.1' });
  await addrAdd(c, 'br0', '10.0.0.1/24', { broadcast: true });
  await addrAdd(c, 'br0', '10.0.0.2/24', { label: 'br0:two' });
  await addrAdd(c, 'w0', '10.0.1.1/24');
  await addrAdd(c, 'w0', '2001:db8::1/64', { noDad: true });
  await addrAdd(c, 'w0', '2001:db8:0:1::1/64', { noDad: true, validLft: 3600, preferredLft: 1800 });
  await routeAdd(c, { dst: 'default', gateway: '10.0.0.254' });
  await routeAdd(c, { dst: '10.10.0.0/16', gateway: '10.0.1.2', metric: 20, protocol: 'static' });
  await routeAdd(c, { dst: '10.11.0.0/16', gateway: '10.0.0.3', table: 100 });
  await routeAdd(c, { dst: '10.12.0.0/16', gateway: '10.0.0.3', table: 1000 });
  await routeAdd(c, { dst: '10.13.0.0/16', type: 'blackhole' });
  await routeAdd(c, {
    dst: '10.14.0.0/16',
    nexthops: [
      { gateway: '10.0.0.5', weight: 2 },
      { gateway: '10.0.1.5', weight: 4 },
    ],
  });
  await routeAdd(c, { dst: '2001:db8:5::/48', gateway: '2001:db8::5' });
  await routeAdd(c, { dst: '2001:db8:6::/48', type: 'unreachable' });
}

k('links: index, name, type, mtu, flags, master, kind, address, link, group agree', async (ctx) => {
  await populate(ctx.nl);
  const { result: links, payloads } = await withPayloads(ctx.nl, RTM_NEWLINK, () => linkList(ctx.nl));
  assert.is(payloads.length, links.length);
  assert.ok(links.length >= 8);
  for (const [i, ours] of links.entries()) {
    const { data, attrs } = nl.rt.parseLinkMessage(payloads[i]);
    const info = attrs.linkinfo ? nl.ifla.parseInfo(attrs.linkinfo) : {};
    const theirs = {
      index: data.index,
      name: attrs.ifname,
      type: num(nl.rt.LinkType, data.type),
      mtu: attrs.mtu,
      flags: nl.rt.formatDeviceFlags(data.flags),
      master: attrs.master,
      kind: info.kind,
      slaveKind: info.slaveKind,
      address: mac(attrs.address),
      broadcast: mac(attrs.broadcast),
      group: attrs.group ?? 0,
      link: attrs.link?.readUInt32LE(0),
      linkNetnsid: attrs.linkNetnsid,
      txqlen: attrs.txqlen,
    };
    const mine = Object.fromEntries(Object.keys(theirs).map((f) => [f, ours[f]]));
    assert.equal(mine, theirs, `link ${ours.name}`);
  }
  const byName = Object.fromEntries(links.map((l) => [l.name, l]));
  assert.is(byName.v0.master, byName.br0.index);
  assert.is(byName.mv0.kind, 'macvlan');
  assert.is(byName.mv0.address, '02:00:00:00:aa:01');
  assert.is(byName.w0.group, 5);
  // IFLA_GRO_MAX_SIZE: we keep it; node_netlink's tables do not know it and drop it.
  const vIndex = links.findIndex((l) => l.name === 'v0');
  assert.ok(
    byName.v0.message.attrs.some((a) => a.type === 'groMaxSize' || a.code === IFLA_GRO_MAX_SIZE),
    'we keep IFLA_GRO_MAX_SIZE',
  );
  const theirV0 = nl.rt.parseLinkMessage(payloads[vIndex]).attrs;
  assert.not.ok('groMaxSize' in theirV0 || '__unparsed' in theirV0, 'node_netlink drops attributes it does not know');
});

k('addresses: family, prefixlen, index, scope, local, address, broadcast, label, flags, lifetimes agree', async (ctx) => {
  await populate(ctx.nl);
  const { result: addrs, payloads } = await withPayloads(ctx.nl, RTM_NEWADDR, () => addrList(ctx.nl));
  assert.is(payloads.length, addrs.length);
  assert.ok(addrs.length >= 6);
  for (const [i, ours] of addrs.entries()) {
    const { data, attrs } = nl.rt.parseAddressMessage(payloads[i]);
    // IFA_FLAGS (32 bits), when present, supersedes the 8-bit header field.
    const flags = nl.rt.formatAddressFlags(attrs.flags ?? data.flags);
    const theirs = {
      family: data.family === 10 ? 6 : 4,
      prefixlen: data.prefixlen,
      index: data.index,
      scope: data.scope,
      address: ip(attrs.local ?? attrs.address),
      peer: ip(attrs.address),
      broadcast: ip(attrs.broadcast),
      label: attrs.label,
      flags,
      validLft: attrs.cacheInfo?.ifaValid,
      preferredLft: attrs.cacheInfo?.ifaPrefered,
    };
    const mine = Object.fromEntries(Object.keys(theirs).map((f) => [f, ours[f]]));
    assert.equal(mine, theirs, `address ${ours.address}`);
  }
  const finite = addrs.find((a) => a.address === '2001:db8:0:1::1');
  assert.ok(finite.validLft <= 3600 && finite.preferredLft <= 1800);
});

k('routes: dst, gateway, oif, table, priority, type, protocol, scope agree; multipath hop by hop', async (ctx) => {
  await populate(ctx.nl);
  const { result: routes, payloads } = await withPayloads(ctx.nl, RTM_NEWROUTE, () => routeList(ctx.nl, { table: 'all' }));
  assert.is(payloads.length, routes.length);
  assert.ok(routes.length >= 15);
  for (const [i, ours] of routes.entries()) {
    const { data, attrs } = nl.rt.parseRouteMessage(payloads[i]);
    const theirs = {
      family: data.family === 10 ? 6 : 4,
      dstLen: data.dstLen,
      dst: attrs.dst === undefined ? 'default' : `${ip(attrs.dst)}/${data.dstLen}`,
      gateway: ip(attrs.gateway),
      oif: attrs.oif,
      prefsrc: ip(attrs.prefsrc),
      metric: attrs.priority,
      table: attrs.table ?? data.table,
      protocol: num(nl.rt.RouteProtocol, data.protocol),
      scope: num(nl.rt.RouteScope, data.scope),
      type: num(nl.rt.RouteType, data.type),
    };
    const mine = Object.fromEntries(Object.keys(theirs).map((f) => [f, ours[f]]));
    assert.equal(mine, theirs, `route ${ours.dst} table ${ours.table}`);
    if (ours.table > 255) assert.is(data.table, 252, 'rtm_table says RT_TABLE_COMPAT for ids over 255');
    if (attrs.multipath) {
      // node_netlink leaves RTA_MULTIPATH raw: walk it with its rtnexthop parser and compare.
      const hops = [];
      for (let p = 0; p < attrs.multipath.length;) {
        const h = nl.rt.parseRouteNextHop(attrs.multipath.subarray(p, p + 8));
        const hopAttrs = nl.rt.parseRouteAttrs(attrs.multipath.subarray(p + 8, p + h.len));
        hops.push({ gateway: ip(hopAttrs.gateway), oif: h.ifindex, weight: h.hops + 1 });
        p += (h.len + 3) & ~3;
      }
      assert.equal(
        ours.nexthops.map((h) => ({ gateway: h.gateway, oif: h.oif, weight: h.weight })),
        hops,
        `hops of ${ours.dst}`,
      );
    } else {
      assert.is(ours.nexthops, undefined);
    }
  }
  const mp = routes.find((r) => r.dst === '10.14.0.0/16');
  assert.equal(
    mp.nexthops.map((h) => h.weight),
    [2, 4],
  );
  assert.ok(routes.some((r) => r.table === 1000 && r.dst === '10.12.0.0/16'));
});

k.run();
