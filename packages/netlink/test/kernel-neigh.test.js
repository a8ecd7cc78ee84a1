// Neighbour (ARP / NDP) entries against the real kernel, observed through neighList and `ip -j neigh show`.
import * as assert from 'uvu/assert';
import { NetlinkError, ValidationError, linkAdd, linkIndex, linkSetUp, addrAdd, neighAdd, neighDel, neighList } from '@nsrun/netlink';
import { NUD_PERMANENT, NUD_REACHABLE } from '@nsrun/netlink/constants';
import { kernelSuite, rejection } from '@nsrun/test-helpers/kernel';

/** n0 and m0, up, with IPv4 and IPv6 addresses. */
async function setup(ctx) {
  for (const [a, b] of [
    ['n0', 'n1'],
    ['m0', 'm1'],
  ]) {
    await linkAdd(ctx.nl, { name: a, kind: 'veth', up: true, peer: { name: b } });
    await linkSetUp(ctx.nl, b);
  }
  await addrAdd(ctx.nl, 'n0', '10.0.0.1/24');
  await addrAdd(ctx.nl, 'n0', '2001:db8::1/64', { noDad: true });
  await addrAdd(ctx.nl, 'm0', '10.0.1.1/24');
  return { n0: await linkIndex(ctx.nl, 'n0'), m0: await linkIndex(ctx.nl, 'm0') };
}

/** Our permanent entries only: the kernel may add its own (IPv6 router solicitation, DAD) at any time. */
const permanent = (list) => list.filter((n) => n.state & NUD_PERMANENT);
const ipPermanent = (ctx, ...args) => ctx.ip('-j', 'neigh', 'show', ...args).filter((n) => n.state?.includes('PERMANENT'));

const k = kernelSuite('kernel neighbours');

k('neighAdd permanent, IPv4 and IPv6: listed by us and by ip -j', async (ctx) => {
  const { n0 } = await setup(ctx);
  await neighAdd(ctx.nl, { dev: 'n0', dst: '10.0.0.7', lladdr: '02:00:00:00:00:07' });
  await neighAdd(ctx.nl, { dev: n0, dst: '2001:db8::7', lladdr: '02:00:00:00:00:08' });
  const ours = permanent(await neighList(ctx.nl));
  assert.equal(ours.map((n) => [n.family, n.index, n.dst, n.lladdr, n.states]).sort(), [
    [4, n0, '10.0.0.7', '02:00:00:00:00:07', ['permanent']],
    [6, n0, '2001:db8::7', '02:00:00:00:00:08', ['permanent']],
  ]);
  const ip = ipPermanent(ctx);
  assert.equal(ip.map((n) => [n.dst, n.dev, n.lladdr]).sort(), [
    ['10.0.0.7', 'n0', '02:00:00:00:00:07'],
    ['2001:db8::7', 'n0', '02:00:00:00:00:08'],
  ]);
  assert.equal(
    permanent(await neighList(ctx.nl, { family: 6 })).map((n) => n.dst),
    ['2001:db8::7'],
  );
  assert.equal(
    permanent(await neighList(ctx.nl, { family: 4 })).map((n) => n.dst),
    ['10.0.0.7'],
  );
});

// Was a BUG: neighList put the link index in ndmsg.ndm_ifindex, which the kernel refuses in a
// strict dump request (EINVAL "Invalid values in header for neighbor dump request"); the filter
// is the NDA_IFINDEX attribute. Fixed in ops/neigh.ts neighList.
k('neighList({ dev }) lists only that link’s entries (filtered by the kernel)', async (ctx) => {
  const { m0 } = await setup(ctx);
  await neighAdd(ctx.nl, { dev: 'n0', dst: '10.0.0.7', lladdr: '02:00:00:00:00:07' });
  await neighAdd(ctx.nl, { dev: 'm0', dst: '10.0.1.7', lladdr: '02:00:00:00:01:07' });
  const onM0 = await neighList(ctx.nl, { dev: 'm0' });
  assert.ok(
    onM0.every((n) => n.index === m0),
    'only m0',
  );
  assert.equal(
    permanent(onM0).map((n) => n.dst),
    ['10.0.1.7'],
  );
  assert.equal(
    ipPermanent(ctx, 'dev', 'm0').map((n) => n.dst),
    ['10.0.1.7'],
  );
  assert.equal(
    permanent(await neighList(ctx.nl, { dev: 'n0', family: 4 })).map((n) => n.dst),
    ['10.0.0.7'],
  );
});

k('neighAdd of an existing entry is EEXIST; with replace it updates lladdr and state', async (ctx) => {
  await setup(ctx);
  await neighAdd(ctx.nl, { dev: 'n0', dst: '10.0.0.7', lladdr: '02:00:00:00:00:07' });
  const e = await rejection(neighAdd(ctx.nl, { dev: 'n0', dst: '10.0.0.7', lladdr: '02:00:00:00:00:99' }), 'duplicate neighAdd');
  assert.instance(e, NetlinkError);
  assert.is(e.code, 'EEXIST');
  assert.is(e.request.typeName, 'RTM_NEWNEIGH');
  assert.ok(e.message.startsWith('neighAdd 10.0.0.7 lladdr 02:00:00:00:00:99 dev n0:'), e.message);
  await neighAdd(ctx.nl, { dev: 'n0', dst: '10.0.0.7', lladdr: '02:00:00:00:00:99', replace: true });
  let [n] = (await neighList(ctx.nl, { dev: 'n0', family: 4 })).filter((x) => x.dst === '10.0.0.7');
  assert.equal([n.lladdr, n.states], ['02:00:00:00:00:99', ['permanent']]);
  assert.is(ctx.ip('-j', 'neigh', 'show', '10.0.0.7')[0].lladdr, '02:00:00:00:00:99');
  await neighAdd(ctx.nl, { dev: 'n0', dst: '10.0.0.7', lladdr: '02:00:00:00:00:98', state: 'reachable', replace: true });
  [n] = (await neighList(ctx.nl, { dev: 'n0', family: 4 })).filter((x) => x.dst === '10.0.0.7');
  assert.is(n.lladdr, '02:00:00:00:00:98');
  assert.ok(n.state & NUD_REACHABLE);
  assert.ok(ctx.ip('-j', 'neigh', 'show', '10.0.0.7')[0].state.includes('REACHABLE'));
});

k('neighDel removes the entry; a missing one is ENOENT', async (ctx) => {
  await setup(ctx);
  await neighAdd(ctx.nl, { dev: 'n0', dst: '10.0.0.7', lladdr: '02:00:00:00:00:07' });
  await neighAdd(ctx.nl, { dev: 'n0', dst: '10.0.0.8', lladdr: '02:00:00:00:00:08' });
  await neighAdd(ctx.nl, { dev: 'n0', dst: '2001:db8::7', lladdr: '02:00:00:00:00:09' });
  await neighDel(ctx.nl, { dev: 'n0', dst: '10.0.0.7' });
  await neighDel(ctx.nl, { dev: 'n0', dst: '2001:db8::7' });
  assert.equal(
    permanent(await neighList(ctx.nl)).map((n) => n.dst),
    ['10.0.0.8'],
  );
  assert.equal(
    ipPermanent(ctx).map((n) => n.dst),
    ['10.0.0.8'],
  );
  for (const dst of ['10.0.0.7', '2001:db8::7']) {
    const e = await rejection(neighDel(ctx.nl, { dev: 'n0', dst }), `second neighDel ${dst}`);
    assert.instance(e, NetlinkError);
    assert.is(e.code, 'ENOENT');
    assert.ok(e.message.startsWith(`neighDel ${dst} dev n0:`), e.message);
  }
});

k('ValidationErrors: no lladdr, a bad MAC, a bad address, an unknown state; nothing is added', async (ctx) => {
  await setup(ctx);
  /** @type {[import('@nsrun/netlink').NeighSpec, string][]} */
  const cases = [
    [{ dev: 'n0', dst: '10.0.0.7' }, 'neighbour.lladdr'],
    [{ dev: 'n0', dst: '10.0.0.7', lladdr: '02:00:00:00:00' }, 'neighbour.lladdr'],
    [{ dev: 'n0', dst: '10.0.0.300', lladdr: '02:00:00:00:00:07' }, 'neighbour.dst'],
    // @ts-expect-error: no state 'sleepy' (refused at run time too)
    [{ dev: 'n0', dst: '10.0.0.7', lladdr: '02:00:00:00:00:07', state: 'sleepy' }, 'neighbour.state'],
  ];
  for (const [spec, field] of cases) {
    const e = await rejection(neighAdd(ctx.nl, spec), JSON.stringify(spec));
    assert.instance(e, ValidationError, e.message);
    assert.is(e.field, field);
  }
  assert.equal(permanent(await neighList(ctx.nl)), []);
});

k.run();
