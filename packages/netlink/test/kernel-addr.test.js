// Addresses against the real kernel, observed through addrList and `ip -j addr show`.
import * as assert from 'uvu/assert';
import { NetlinkError, ValidationError, linkAdd, linkIndex, linkSetUp, addrAdd, addrReplace, addrDel, addrList } from '@nsrun/netlink';
import { IFA_F_NODAD, IFA_F_SECONDARY, IFA_F_PERMANENT, IFA_F_TENTATIVE, RT_SCOPE_UNIVERSE, RT_SCOPE_HOST } from '@nsrun/netlink/constants';
import { kernelSuite, rejection } from '@nsrun/test-helpers/kernel';

/** `ip -j addr show dev NAME`'s addr_info entries. */
const ipAddrs = (ctx, dev) => ctx.ip('-j', 'addr', 'show', 'dev', dev)[0]?.addr_info ?? [];

/** Two veth pairs, down (no link-local addresses appear while a link is down). */
async function links(ctx) {
  await linkAdd(ctx.nl, { name: 'a0', kind: 'veth', peer: { name: 'a1' } });
  await linkAdd(ctx.nl, { name: 'b0', kind: 'veth', peer: { name: 'b1' } });
  return { a0: await linkIndex(ctx.nl, 'a0'), b0: await linkIndex(ctx.nl, 'b0') };
}

const k = kernelSuite('kernel addresses');

k('addrAdd IPv4: listed by us and by ip -j with prefix length, scope, label and permanent flag', async (ctx) => {
  const { a0 } = await links(ctx);
  await addrAdd(ctx.nl, 'a0', '10.0.0.1/24');
  const [a] = await addrList(ctx.nl, { link: 'a0' });
  assert.is(a.family, 4);
  assert.is(a.index, a0);
  assert.is(a.address, '10.0.0.1');
  assert.is(a.prefixlen, 24);
  assert.is(a.scope, RT_SCOPE_UNIVERSE);
  assert.is(a.label, 'a0');
  assert.ok(a.flags & IFA_F_PERMANENT);
  assert.is(a.validLft, 0xffffffff);
  assert.is(a.broadcast, undefined);
  const [ip] = ipAddrs(ctx, 'a0');
  assert.equal([ip.family, ip.local, ip.prefixlen, ip.scope, ip.label], ['inet', '10.0.0.1', 24, 'global', 'a0']);
  // A loopback-range address defaults to host scope, as iproute2 does.
  await addrAdd(ctx.nl, 'lo', '127.0.0.2/8');
  const lo = (await addrList(ctx.nl, { link: 'lo', family: 4 })).find((x) => x.address === '127.0.0.2');
  assert.is(lo.scope, RT_SCOPE_HOST);
});

k('addrAdd IPv6 with noDad: not tentative, IFA_F_NODAD set, ip -j says nodad', async (ctx) => {
  await links(ctx);
  await linkSetUp(ctx.nl, 'a0');
  await linkSetUp(ctx.nl, 'a1');
  await addrAdd(ctx.nl, 'a0', '2001:db8::1/64', { noDad: true });
  const a = (await addrList(ctx.nl, { link: 'a0', family: 6 })).find((x) => x.address === '2001:db8::1');
  assert.ok(a, 'listed');
  assert.is(a.family, 6);
  assert.is(a.prefixlen, 64);
  assert.ok(a.flags & IFA_F_NODAD);
  assert.not.ok(a.flags & IFA_F_TENTATIVE);
  const ip = ipAddrs(ctx, 'a0').find((x) => x.local === '2001:db8::1');
  assert.is(ip.family, 'inet6');
  assert.is(ip.prefixlen, 64);
  assert.is(ip.nodad, true);
  assert.is(ip.tentative, undefined);
  // Written in a non-canonical form, it is the same address.
  const e = await rejection(addrAdd(ctx.nl, 'a0', '2001:0db8:0:0::1/64', { noDad: true }), 'same address, other spelling');
  assert.is(e.code, 'EEXIST');
});

k('addrReplace is idempotent and updates lifetimes in place', async (ctx) => {
  await links(ctx);
  await addrReplace(ctx.nl, 'a0', '10.0.0.1/24');
  await addrReplace(ctx.nl, 'a0', '10.0.0.1/24');
  assert.is((await addrList(ctx.nl, { link: 'a0' })).length, 1);
  await addrReplace(ctx.nl, 'a0', '10.0.0.1/24', { validLft: 3000, preferredLft: 2000 });
  const [a] = await addrList(ctx.nl, { link: 'a0' });
  assert.not.ok(a.flags & IFA_F_PERMANENT, 'a finite lifetime is not permanent');
  assert.ok(a.validLft <= 3000 && a.validLft > 2900, `valid ${a.validLft}`);
  assert.ok(a.preferredLft <= 2000 && a.preferredLft > 1900, `preferred ${a.preferredLft}`);
  const [ip] = ipAddrs(ctx, 'a0');
  assert.ok(ip.valid_life_time <= 3000 && ip.valid_life_time > 2900);
  assert.is(ipAddrs(ctx, 'a0').length, 1);
  await addrReplace(ctx.nl, 'a0', '2001:db8::1/64', { noDad: true });
  await addrReplace(ctx.nl, 'a0', '2001:db8::1/64', { noDad: true });
  assert.is((await addrList(ctx.nl, { link: 'a0', family: 6 })).length, 1);
});

k('addrDel removes exactly that address; deleting it again is EADDRNOTAVAIL with the kernel text', async (ctx) => {
  await links(ctx);
  await addrAdd(ctx.nl, 'a0', '10.0.0.1/24');
  await addrAdd(ctx.nl, 'a0', '10.0.2.1/24');
  await addrAdd(ctx.nl, 'a0', '2001:db8::1/64', { noDad: true });
  await addrDel(ctx.nl, 'a0', '10.0.0.1/24');
  assert.equal((await addrList(ctx.nl, { link: 'a0' })).map((a) => a.address).sort(), ['10.0.2.1', '2001:db8::1']);
  assert.equal(
    ipAddrs(ctx, 'a0')
      .map((a) => a.local)
      .sort(),
    ['10.0.2.1', '2001:db8::1'],
  );
  await addrDel(ctx.nl, 'a0', '2001:db8::1/64');
  for (const cidr of ['10.0.0.1/24', '2001:db8::1/64']) {
    const e = await rejection(addrDel(ctx.nl, 'a0', cidr), `second addrDel ${cidr}`);
    assert.instance(e, NetlinkError);
    assert.is(e.code, 'EADDRNOTAVAIL');
    assert.ok(e.kernelMessage && /not found/i.test(e.kernelMessage), String(e.kernelMessage));
    assert.ok(e.message.startsWith(`addrDel ${cidr} dev a0:`), e.message);
  }
  assert.equal(
    ipAddrs(ctx, 'a0').map((a) => a.local),
    ['10.0.2.1'],
  );
});

k('deleting a primary IPv4 address takes its secondaries along unless promote_secondaries is set', async (ctx) => {
  await links(ctx);
  await addrAdd(ctx.nl, 'a0', '10.0.0.1/24');
  await addrAdd(ctx.nl, 'a0', '10.0.0.2/24');
  const second = (await addrList(ctx.nl, { link: 'a0' })).find((a) => a.address === '10.0.0.2');
  assert.ok(second.flags & IFA_F_SECONDARY, 'the second address of a subnet is a secondary');
  assert.is(ipAddrs(ctx, 'a0').find((a) => a.local === '10.0.0.2').secondary, true);
  const promote = ctx.sh('cat /proc/sys/net/ipv4/conf/a0/promote_secondaries').trim();
  await addrDel(ctx.nl, 'a0', '10.0.0.1/24');
  const left = (await addrList(ctx.nl, { link: 'a0' })).map((a) => a.address);
  assert.equal(left, promote === '1' ? ['10.0.0.2'] : [], `promote_secondaries=${promote}`);
});

k('addrList filters by family and by link (the kernel filters); the whole list matches ip -j', async (ctx) => {
  const { a0, b0 } = await links(ctx);
  await addrAdd(ctx.nl, 'a0', '10.0.0.1/24');
  await addrAdd(ctx.nl, 'a0', '2001:db8:a::1/64', { noDad: true });
  await addrAdd(ctx.nl, b0, '10.0.1.1/24');
  await addrAdd(ctx.nl, b0, '2001:db8:b::1/64', { noDad: true });
  const all = await addrList(ctx.nl);
  const ip = ctx.ip('-j', 'addr', 'show').flatMap((l) => l.addr_info.map((a) => [l.ifindex, a.local, a.prefixlen]));
  assert.equal(all.map((a) => [a.index, a.address, a.prefixlen]).sort(), ip.sort());
  const v4 = await addrList(ctx.nl, { family: 4 });
  assert.ok(v4.length >= 2 && v4.every((a) => a.family === 4));
  const v6 = await addrList(ctx.nl, { family: 6 });
  assert.ok(v6.length >= 2 && v6.every((a) => a.family === 6));
  assert.equal((await addrList(ctx.nl, { link: a0 })).map((a) => a.address).sort(), ['10.0.0.1', '2001:db8:a::1']);
  assert.equal(
    (await addrList(ctx.nl, { link: 'b0', family: 6 })).map((a) => a.address),
    ['2001:db8:b::1'],
  );
  assert.equal(await addrList(ctx.nl, { link: 'b1' }), []);
});

k('broadcast: true derives the broadcast address; a label is kept', async (ctx) => {
  await links(ctx);
  await addrAdd(ctx.nl, 'a0', '10.1.2.3/20', { broadcast: true, label: 'a0:web' });
  await addrAdd(ctx.nl, 'a0', '10.9.0.1/24', { broadcast: '10.9.0.254' });
  const list = await addrList(ctx.nl, { link: 'a0' });
  const web = list.find((a) => a.address === '10.1.2.3');
  assert.is(web.broadcast, '10.1.15.255');
  assert.is(web.label, 'a0:web');
  assert.is(list.find((a) => a.address === '10.9.0.1').broadcast, '10.9.0.254');
  const ip = ipAddrs(ctx, 'a0');
  const ipWeb = ip.find((a) => a.local === '10.1.2.3');
  assert.is(ipWeb.broadcast, '10.1.15.255');
  assert.is(ipWeb.label, 'a0:web');
  assert.is(ip.find((a) => a.local === '10.9.0.1').broadcast, '10.9.0.254');
});

k('a duplicate addrAdd is EEXIST with the kernel text, IPv4 and IPv6', async (ctx) => {
  await links(ctx);
  await addrAdd(ctx.nl, 'a0', '10.0.0.1/24');
  await addrAdd(ctx.nl, 'a0', '2001:db8::1/64', { noDad: true });
  /** @type {[string, import('@nsrun/netlink').AddrOptions][]} */
  const dups = [
    ['10.0.0.1/24', {}],
    ['2001:db8::1/64', { noDad: true }],
  ];
  for (const [cidr, o] of dups) {
    const e = await rejection(addrAdd(ctx.nl, 'a0', cidr, o), `duplicate ${cidr}`);
    assert.instance(e, NetlinkError);
    assert.is(e.code, 'EEXIST');
    assert.is(e.request.typeName, 'RTM_NEWADDR');
    assert.ok(e.kernelMessage && /already assigned/i.test(e.kernelMessage), String(e.kernelMessage));
    assert.ok(e.message.startsWith(`addrAdd ${cidr} dev a0:`) && e.message.includes(e.kernelMessage), e.message);
  }
  // On a missing link: the name lookup fails first.
  const e = await rejection(addrAdd(ctx.nl, 'nosuch0', '10.0.0.1/24'), 'no such link');
  assert.is(e.code, 'ENODEV');
});

k('ValidationErrors (prefix 33, "/abc", family mismatches): nothing is added', async (ctx) => {
  await links(ctx);
  await addrAdd(ctx.nl, 'a0', '10.0.0.1/24');
  const before = ctx.ip('-j', 'addr', 'show');
  /** @type {[() => Promise<unknown>, string][]} */
  const cases = [
    [() => addrAdd(ctx.nl, 'a0', '10.0.0.5/33'), 'address'],
    [() => addrAdd(ctx.nl, 'a0', '10.0.0.5/abc'), 'address'],
    [() => addrAdd(ctx.nl, 'a0', '2001:db8::5/129'), 'address'],
    [() => addrAdd(ctx.nl, 'a0', '10.0.0.256/24'), 'address'],
    [() => addrAdd(ctx.nl, 'a0', '10.0.0.5/24', { peer: '2001:db8::1' }), 'peer'],
    [() => addrAdd(ctx.nl, 'a0', '2001:db8::5/64', { broadcast: '10.0.0.255' }), 'broadcast'],
    [() => addrAdd(ctx.nl, 'a0', '10.0.0.5/24', { broadcast: '2001:db8::ff' }), 'broadcast'],
    [() => addrReplace(ctx.nl, 'a0', '10.0.0.5/33'), 'address'],
    [() => addrDel(ctx.nl, 'a0', '10.0.0.1/abc'), 'address'],
    // @ts-expect-error: no family 5 (refused at run time too)
    [() => addrList(ctx.nl, { family: 5 }), 'family'],
  ];
  for (const [run, field] of cases) {
    let e;
    try {
      await run();
    } catch (x) {
      e = x;
    }
    assert.instance(e, ValidationError, `${field}: ${e?.message}`);
    assert.is(e.field, field, e.message);
    assert.ok(e.reason.length > 0);
  }
  assert.equal(ctx.ip('-j', 'addr', 'show'), before);
  assert.equal(
    (await addrList(ctx.nl, { link: 'a0' })).map((a) => `${a.address}/${a.prefixlen}`),
    ['10.0.0.1/24'],
  );
});

k.run();
