// RtnlClient.bulk against the real kernel: hundreds of pipelined requests, a few failing on
// purpose, each answer attributed to exactly its own request.
import * as assert from 'uvu/assert';
import { NetlinkError, linkAddRequest, addrAddRequest, linkList, addrList } from '@nsrun/netlink';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

const N = 500;

/**
 * 500 veth pairs (e0..e499 / f0..f499) with duplicates slipped in at known positions, then an
 * address on each e-end with a duplicate and an address on a missing link. Checks every
 * result and the kernel's state, for the given bulk options.
 */
async function run(ctx, opts) {
  const reqs = [];
  for (let i = 0; i < N; i++) reqs.push(linkAddRequest({ name: `e${i}`, kind: 'veth', peer: { name: `f${i}` } }));
  // Duplicates: a name made earlier in this bulk, a peer name made earlier, a name made at the very end.
  const bad = new Map([
    [7, linkAddRequest({ name: 'e3', kind: 'veth', peer: { name: 'x3' } })],
    [250, linkAddRequest({ name: 'y250', kind: 'veth', peer: { name: 'f100' } })],
    [N + 2, linkAddRequest({ name: 'e499', kind: 'bridge' })],
  ]);
  for (const [at, req] of [...bad].sort((a, b) => a[0] - b[0])) reqs.splice(at, 0, req);

  // Count the datagrams bulk sends.
  const sock = ctx.nl.socket;
  const send = sock.send.bind(sock);
  let datagrams = 0;
  sock.send = (data) => {
    datagrams++;
    return send(data);
  };
  const res = await ctx.nl.bulk(reqs, opts);
  assert.is(res.length, reqs.length);
  if (opts.perDatagram) assert.is(datagrams, Math.ceil(reqs.length / Math.min(opts.perDatagram, reqs.length)), 'datagrams sent');
  else assert.ok(datagrams >= 1 && datagrams < reqs.length / 8, `${datagrams} datagrams for ${reqs.length} requests`);
  for (const [i, r] of res.entries()) {
    if (!bad.has(i)) {
      assert.is(r, undefined, `request ${i} (${reqs[i].what}) should succeed, got ${r?.message}`);
      continue;
    }
    assert.instance(r, NetlinkError, `request ${i}`);
    assert.is(r.code, 'EEXIST');
    assert.is(r.request.what, reqs[i].what, `failure ${i} names its own request`);
    assert.ok(r.message.startsWith(`${reqs[i].what}: EEXIST`), r.message);
  }
  assert.equal(res.map((r, i) => (r ? [i, r.request.what] : null)).filter(Boolean), [
    [7, 'linkAdd e3 (veth)'],
    [250, 'linkAdd y250 (veth)'],
    [N + 2, 'linkAdd e499 (bridge)'],
  ]);

  const links = await linkList(ctx.nl, { kind: 'veth' });
  assert.is(links.length, 2 * N, 'every good veth pair, nothing from the failed ones');
  const byName = new Map(links.map((l) => [l.name, l.index]));
  for (const n of ['x3', 'y250']) assert.not.ok(byName.has(n), `${n} not created`);
  assert.is(ctx.ip('-j', 'link', 'show', 'type', 'veth').length, 2 * N);

  const areqs = [];
  for (let i = 0; i < N; i++) areqs.push(addrAddRequest(byName.get(`e${i}`), `10.${100 + (i >> 8)}.${i & 255}.1/24`));
  const abad = new Map([
    [123, addrAddRequest(byName.get('e5'), '10.100.5.1/24')],
    [400, addrAddRequest(0x7ffffff0, '10.200.0.1/24')],
  ]);
  for (const [at, req] of [...abad].sort((a, b) => a[0] - b[0])) areqs.splice(at, 0, req);
  const ares = await ctx.nl.bulk(areqs, opts);
  const failed = ares.map((r, i) => (r ? [i, r.code, r.request.what] : null)).filter(Boolean);
  assert.equal(failed, [
    [123, 'EEXIST', areqs[123].what],
    [400, 'ENODEV', areqs[400].what],
  ]);
  assert.ok(areqs[123].what.startsWith('addrAdd 10.100.5.1/24 dev #'));
  assert.ok(ares[400].kernelMessage, 'the kernel explained the missing device');
  // lo (up in every test netns) has 127.0.0.1 besides.
  const addrs = (await addrList(ctx.nl, { family: 4 })).filter((a) => a.index !== 1);
  assert.is(addrs.length, N);
  const ipAddrs = ctx
    .ip('-j', '-4', 'addr', 'show')
    .filter((l) => l.ifname !== 'lo')
    .flatMap((l) => l.addr_info);
  assert.is(ipAddrs.length, N);
  assert.ok(
    ipAddrs.some((a) => a.local === '10.101.243.1'),
    'the last address (e499)',
  );
}

const k = kernelSuite('kernel bulk');

k('500 veths + 500 addresses with default datagram packing; failures attributed to their own request', async (ctx) => {
  await run(ctx, {});
});

k('the same with perDatagram: 7 (many small datagrams, failures across their edges)', async (ctx) => {
  await run(ctx, { perDatagram: 7 });
});

k('the same with perDatagram: 10000 (as many per datagram as fit)', async (ctx) => {
  await run(ctx, { perDatagram: 10000 });
});

k('an all-failing bulk: every request answered, in order', async (ctx) => {
  const reqs = [];
  for (let i = 0; i < 200; i++) reqs.push(addrAddRequest(0x7ffffff0 - i, `10.0.${i}.1/24`));
  for (const opts of [{}, { perDatagram: 3 }]) {
    const res = await ctx.nl.bulk(reqs, opts);
    assert.ok(res.every((r, i) => r instanceof NetlinkError && r.code === 'ENODEV' && r.request.what === reqs[i].what));
  }
  assert.equal(await ctx.nl.bulk([]), []);
});

k.run();
