// Links against the real kernel: every operation observed through our API and through `ip -j`.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetNs } from '@nsrun/sys';
import {
  RtnlClient,
  NetlinkError,
  ValidationError,
  linkAdd,
  linkGet,
  linkFind,
  linkIndex,
  linkIndexMap,
  linkList,
  linkSet,
  linkSetUp,
  linkSetDown,
  linkSetMtu,
  linkSetName,
  linkSetAddress,
  linkSetMaster,
  linkSetNoMaster,
  linkSetGroup,
  linkSetNetns,
  linkDel,
  linkDelGroup,
} from '@nsrun/netlink';
import { IFF_UP } from '@nsrun/netlink/constants';
import { kernelSuite, ipIn, skip, rejection } from '@nsrun/test-helpers/kernel';

/** The error a promise rejects with; fails the test when it resolves. */

/** `ip -j [-d] link show dev NAME` in ns, or undefined when there is no such link. */
function ipLink(ctx, name, details = false) {
  const all = ctx.ip('-j', ...(details ? ['-d'] : []), 'link', 'show');
  return all.find((l) => l.ifname === name);
}

/** Polls `cond` (async) every 10 ms until it is true; fails after `ms`. */
async function waitFor(cond, what, ms = 3000) {
  for (const until = Date.now() + ms; !(await cond()); await sleep(10)) {
    if (Date.now() > until) assert.unreachable(`timed out after ${ms} ms waiting for ${what}`);
  }
}

const names = (links) => links.map((l) => l.name).sort();

/** A child in a network namespace of its own (`unshare --net sleep 30`), once it is in it. */
async function childInOwnNetns() {
  const child = spawn('unshare', ['--net', 'sleep', '30'], { stdio: 'ignore' });
  const exited = once(child, 'exit');
  // unshare(1) moves itself, then execs sleep: once the child is `sleep`, its netns is final.
  for (const until = Date.now() + 5000; ; await sleep(10)) {
    let comm = '';
    try {
      comm = readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim();
    } catch {}
    if (comm === 'sleep') break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      assert.unreachable('the unshare child did not exec sleep within 5 s');
    }
  }
  return {
    pid: child.pid,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

const k = kernelSuite('kernel links');

k('bridge: created, found by name and by index; ip -j agrees on index, name, kind, mtu, mac', async (ctx) => {
  const created = await linkAdd(ctx.nl, { name: 'br0', kind: 'bridge', mtu: 1400 });
  const l = await linkGet(ctx.nl, 'br0');
  // linkAdd resolves to the kernel's echo of the new link.
  assert.is(created?.index, l.index);
  assert.is(created?.name, 'br0');
  assert.is(created?.kind, 'bridge');
  assert.is(l.name, 'br0');
  assert.is(l.kind, 'bridge');
  assert.is(l.mtu, 1400);
  assert.is(l.up, false);
  assert.match(l.address, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  const byIndex = await linkGet(ctx.nl, l.index);
  assert.is(byIndex.name, 'br0');
  assert.is(byIndex.index, l.index);
  const ip = ipLink(ctx, 'br0', true);
  assert.is(ip.ifindex, l.index);
  assert.is(ip.mtu, 1400);
  assert.is(ip.address, l.address);
  assert.is(ip.linkinfo.info_kind, 'bridge');
});

k('veth with a named peer: both ends exist, each names the other in IFLA_LINK', async (ctx) => {
  await linkAdd(ctx.nl, { name: 've0', kind: 'veth', peer: { name: 've1', mtu: 1450 } });
  const a = await linkGet(ctx.nl, 've0');
  const b = await linkGet(ctx.nl, 've1');
  assert.is(a.kind, 'veth');
  assert.is(b.kind, 'veth');
  assert.is(a.link, b.index);
  assert.is(b.link, a.index);
  assert.is(b.mtu, 1450);
  assert.is(ipLink(ctx, 've0').link, 've1');
  assert.is(ipLink(ctx, 've1').link, 've0');
});

k('veth peer created straight inside another netns ({ netns: NetNs }), found there by a client bound to it', async (ctx) => {
  const other = NetNs.create();
  const oc = RtnlClient.open({ netns: other });
  try {
    await linkAdd(ctx.nl, { name: 'out0', kind: 'veth', peer: { name: 'in0', netns: other } });
    assert.is(await linkFind(ctx.nl, 'in0'), undefined, 'the peer is not in our netns');
    const here = await linkGet(ctx.nl, 'out0');
    const there = await linkGet(oc, 'in0');
    assert.is(there.kind, 'veth');
    assert.is(there.link, here.index, "the peer's IFLA_LINK is our end's index");
    assert.ok(there.linkNetnsid !== undefined && here.linkNetnsid !== undefined, 'both ends carry IFLA_LINK_NETNSID');
    assert.ok(
      ipIn(other, '-j', 'link', 'show').some((l) => l.ifname === 'in0'),
      'ip in the other netns sees in0',
    );
    assert.not.ok(ctx.ip('-j', 'link', 'show').some((l) => l.ifname === 'in0'));
  } finally {
    oc.close();
    other.close();
  }
});

k('veth peer created inside the netns of a process ({ pid }), found there by a client bound to it', async (ctx) => {
  const child = await childInOwnNetns();
  const ns = NetNs.fromPid(child.pid);
  const cc = RtnlClient.open({ netns: ns });
  try {
    await linkAdd(ctx.nl, { name: 'toPid', kind: 'veth', peer: { name: 'inPid', netns: { pid: child.pid } } });
    assert.is(await linkFind(ctx.nl, 'inPid'), undefined);
    const there = await linkGet(cc, 'inPid');
    assert.is(there.kind, 'veth');
    assert.equal(names(await linkList(cc)), ['inPid', 'lo']);
    assert.ok(ipIn(ns, '-j', 'link', 'show').some((l) => l.ifname === 'inPid'));
  } finally {
    cc.close();
    ns.close();
    await child.kill();
  }
});

k('macvlan on a veth: kind, lower link and mode as ip -d shows them', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'low0', kind: 'veth', peer: { name: 'low1' } });
  const low = await linkIndex(ctx.nl, 'low0');
  await linkAdd(ctx.nl, { name: 'mv0', kind: 'macvlan', link: low, mode: 'bridge' });
  const mv = await linkGet(ctx.nl, 'mv0');
  assert.is(mv.kind, 'macvlan');
  assert.is(mv.link, low);
  const ip = ipLink(ctx, 'mv0', true);
  assert.is(ip.link, 'low0');
  assert.is(ip.linkinfo.info_kind, 'macvlan');
  assert.is(ip.linkinfo.info_data.mode, 'bridge');
});

k('vxlan: id, port, remote and local as we decode them and as ip -d shows them', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'vx0', kind: 'vxlan', id: 4242, port: 4789, remote: '192.0.2.9', local: '192.0.2.1', ttl: 9 });
  const l = await linkGet(ctx.nl, 'vx0');
  assert.is(l.kind, 'vxlan');
  const info = l.message.attrs.find((a) => a.type === 'linkinfo').value;
  const data = Object.fromEntries(info.find((a) => a.type === 'data').value.map((a) => [a.type, a.value]));
  assert.is(data.id, 4242);
  assert.is(data.port, 4789);
  assert.is(data.group, '192.0.2.9');
  assert.is(data.local, '192.0.2.1');
  assert.is(data.ttl, 9);
  const ip = ipLink(ctx, 'vx0', true).linkinfo.info_data;
  assert.is(ip.id, 4242);
  assert.is(ip.port, 4789);
  assert.is(ip.remote, '192.0.2.9');
  assert.is(ip.local, '192.0.2.1');
  assert.is(ip.ttl, 9);
});

k('vlan on a veth: works, or the kernel answers that it has no 8021q (then skipped with its text)', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'trunk0', kind: 'veth', peer: { name: 'trunk1' } });
  const parent = await linkIndex(ctx.nl, 'trunk0');
  try {
    await linkAdd(ctx.nl, { name: 'trunk0.5', kind: 'vlan', link: parent, id: 5 });
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'EOPNOTSUPP') {
      // The kernel's own words, e.g. "Unknown device type": no 8021q module here.
      assert.match(e.message, /^linkAdd trunk0\.5 \(vlan\): EOPNOTSUPP/);
      skip(`vlan: this kernel has no 8021q: ${e.message} (kernelMessage: ${JSON.stringify(e.kernelMessage)})`);
      return;
    }
    throw e;
  }
  const v = await linkGet(ctx.nl, 'trunk0.5');
  assert.is(v.kind, 'vlan');
  assert.is(v.link, parent);
  assert.is(ipLink(ctx, 'trunk0.5', true).linkinfo.info_data.id, 5);
});

k('linkGet of a missing name or index is NetlinkError ENODEV naming the lookup; linkFind gives undefined', async (ctx) => {
  for (const ref of ['nosuch0', 4242]) {
    const e = await rejection(linkGet(ctx.nl, ref), `linkGet ${ref}`);
    assert.instance(e, NetlinkError);
    assert.is(e.code, 'ENODEV');
    assert.is(e.errno, 19);
    assert.is(e.request.typeName, 'RTM_GETLINK');
    assert.ok(e.message.startsWith(`linkGet ${typeof ref === 'number' ? `#${ref}` : ref}: ENODEV`), e.message);
    assert.is(await linkFind(ctx.nl, ref), undefined);
  }
  assert.is((await linkFind(ctx.nl, 'lo')).index, 1);
});

k('linkList: every link as ip -j lists them; kernel-side filters {kind} and {master}', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'br0', kind: 'bridge' });
  const br = await linkIndex(ctx.nl, 'br0');
  await linkAdd(ctx.nl, { name: 'a0', kind: 'veth', master: br, peer: { name: 'a1' } });
  await linkAdd(ctx.nl, { name: 'b0', kind: 'veth', peer: { name: 'b1' } });
  await linkSetMaster(ctx.nl, 'b1', 'br0');
  const all = await linkList(ctx.nl);
  const ip = ctx.ip('-j', 'link', 'show');
  assert.equal(all.map((l) => [l.index, l.name]).sort(), ip.map((l) => [l.ifindex, l.ifname]).sort());
  assert.equal(names(await linkList(ctx.nl, { kind: 'veth' })), ['a0', 'a1', 'b0', 'b1']);
  assert.equal(names(await linkList(ctx.nl, { kind: 'bridge' })), ['br0']);
  const ports = await linkList(ctx.nl, { master: br });
  assert.equal(names(ports), ['a0', 'b1']);
  assert.ok(ports.every((l) => l.master === br && l.slaveKind === 'bridge'));
  assert.equal(
    ip
      .filter((l) => l.master === 'br0')
      .map((l) => l.ifname)
      .sort(),
    ['a0', 'b1'],
  );
  // linkIndexMap: the same names and indexes, with the same kernel-side filters.
  assert.equal([...(await linkIndexMap(ctx.nl)).entries()].sort(), ip.map((l) => [l.ifname, l.ifindex]).sort());
  assert.equal([...(await linkIndexMap(ctx.nl, { kind: 'veth' })).keys()].sort(), ['a0', 'a1', 'b0', 'b1']);
  assert.equal([...(await linkIndexMap(ctx.nl, { master: br })).keys()].sort(), ['a0', 'b1']);
});

k('linkSet up / down: IFF_UP and what ip -j shows', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'u0', kind: 'veth', peer: { name: 'u1' } });
  await linkSetUp(ctx.nl, 'u0');
  let l = await linkGet(ctx.nl, 'u0');
  assert.ok(l.up);
  assert.ok(l.flags & IFF_UP);
  assert.ok(ipLink(ctx, 'u0').flags.includes('UP'));
  await linkSetUp(ctx.nl, 'u1');
  // Both ends up: carrier. The kernel's linkwatch work sets operstate a moment later.
  await waitFor(async () => (await linkGet(ctx.nl, 'u0')).operstate === 'UP', 'operstate UP on u0');
  await linkSetDown(ctx.nl, 'u0');
  l = await linkGet(ctx.nl, 'u0');
  assert.not.ok(l.up);
  assert.is(l.operstate, 'DOWN');
  assert.not.ok(ipLink(ctx, 'u0').flags.includes('UP'));
  // up: true at creation.
  await linkAdd(ctx.nl, { name: 'br9', kind: 'bridge', up: true });
  assert.ok((await linkGet(ctx.nl, 'br9')).up);
});

k('linkSet mtu, name (rename), address, group: each seen by us and by ip -j', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'm0', kind: 'veth', peer: { name: 'm1' } });
  const index = await linkIndex(ctx.nl, 'm0');
  await linkSetMtu(ctx.nl, 'm0', 9000);
  assert.is((await linkGet(ctx.nl, index)).mtu, 9000);
  assert.is(ipLink(ctx, 'm0').mtu, 9000);
  await linkSetAddress(ctx.nl, index, '02:aa:bb:cc:dd:ee');
  assert.is((await linkGet(ctx.nl, index)).address, '02:aa:bb:cc:dd:ee');
  assert.is(ipLink(ctx, 'm0').address, '02:aa:bb:cc:dd:ee');
  await linkSetGroup(ctx.nl, 'm0', 77);
  assert.is((await linkGet(ctx.nl, index)).group, 77);
  assert.is(ipLink(ctx, 'm0').group, '77');
  await linkSetName(ctx.nl, 'm0', 'renamed0');
  assert.is(await linkFind(ctx.nl, 'm0'), undefined);
  const r = await linkGet(ctx.nl, 'renamed0');
  assert.is(r.index, index, 'a rename keeps the index');
  assert.is(ipLink(ctx, 'renamed0').ifindex, index);
  assert.is(ipLink(ctx, 'm0'), undefined);
  // Several changes in one request.
  await linkSet(ctx.nl, index, { mtu: 1280, up: true, name: 'final0' });
  const f = await linkGet(ctx.nl, index);
  assert.equal([f.name, f.mtu, f.up], ['final0', 1280, true]);
});

k('linkSet master / nomaster: the port joins and leaves the bridge', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'br0', kind: 'bridge' });
  await linkAdd(ctx.nl, { name: 'p0', kind: 'veth', peer: { name: 'p1' } });
  const br = await linkIndex(ctx.nl, 'br0');
  await linkSetMaster(ctx.nl, 'p0', 'br0');
  const l = await linkGet(ctx.nl, 'p0');
  assert.is(l.master, br);
  assert.is(l.slaveKind, 'bridge');
  assert.is(ipLink(ctx, 'p0').master, 'br0');
  await linkSetNoMaster(ctx.nl, 'p0');
  assert.is((await linkGet(ctx.nl, 'p0')).master, undefined);
  assert.is(ipLink(ctx, 'p0').master, undefined);
  await linkSet(ctx.nl, 'p0', { master: br });
  assert.is((await linkGet(ctx.nl, 'p0')).master, br);
  await linkSet(ctx.nl, 'p0', { master: null });
  assert.is((await linkGet(ctx.nl, 'p0')).master, undefined);
});

k('linkSet netns by pid and by fd (NetNs): the link leaves our netns and is found in the other', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'n0', kind: 'veth', peer: { name: 'n1' } });
  const child = await childInOwnNetns();
  const byPid = NetNs.fromPid(child.pid);
  const pc = RtnlClient.open({ netns: byPid });
  const byFd = NetNs.create();
  const fc = RtnlClient.open({ netns: byFd });
  try {
    await linkSetNetns(ctx.nl, 'n0', { pid: child.pid });
    await linkSetNetns(ctx.nl, 'n1', byFd);
    assert.equal(names(await linkList(ctx.nl)), ['lo']);
    assert.equal(names(await linkList(pc)), ['lo', 'n0']);
    assert.equal(names(await linkList(fc)), ['lo', 'n1']);
    assert.ok(ipIn(byPid, '-j', 'link', 'show').some((l) => l.ifname === 'n0'));
    assert.ok(ipIn(byFd, '-j', 'link', 'show').some((l) => l.ifname === 'n1'));
    // A raw { fd } (our netns handle's) moves it back.
    await linkSet(fc, 'n1', { netns: { fd: ctx.ns.fd } });
    assert.equal(names(await linkList(ctx.nl)), ['lo', 'n1']);
  } finally {
    pc.close();
    fc.close();
    byPid.close();
    byFd.close();
    await child.kill();
  }
});

k('linkDel deletes one link (a veth takes its peer along) and nothing else', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'd0', kind: 'veth', peer: { name: 'd1' } });
  await linkAdd(ctx.nl, { name: 'keep0', kind: 'bridge' });
  await linkDel(ctx.nl, 'd0');
  assert.equal(names(await linkList(ctx.nl)), ['keep0', 'lo']);
  await linkDel(ctx.nl, await linkIndex(ctx.nl, 'keep0'));
  assert.equal(
    ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
    ['lo'],
  );
  const e = await rejection(linkDel(ctx.nl, 'd0'), 'second linkDel');
  assert.is(e.code, 'ENODEV');
  assert.match(e.message, /^linkDel d0: ENODEV/);
});

k('linkDelGroup deletes every link of the group and nothing else', async (ctx) => {
  for (let i = 0; i < 5; i++) await linkAdd(ctx.nl, { name: `g${i}`, kind: 'bridge', group: 9 });
  await linkAdd(ctx.nl, { name: 'gv0', kind: 'veth', group: 9, peer: { name: 'gv1', group: 10 } });
  await linkAdd(ctx.nl, { name: 'other0', kind: 'bridge', group: 8 });
  await linkAdd(ctx.nl, { name: 'plain0', kind: 'bridge' });
  await linkDelGroup(ctx.nl, 9);
  // gv1 (group 10) goes too: deleting a veth end deletes its peer.
  assert.equal(names(await linkList(ctx.nl)), ['lo', 'other0', 'plain0']);
  assert.equal(
    ctx
      .ip('-j', 'link', 'show')
      .map((l) => l.ifname)
      .sort(),
    ['lo', 'other0', 'plain0'],
  );
  const e = await rejection(linkDelGroup(ctx.nl, 9), 'linkDelGroup of an empty group');
  assert.is(e.code, 'ENODEV');
  assert.match(e.message, /^linkDelGroup 9: ENODEV/);
});

k('a duplicate add is EEXIST, its message naming the operation and the object', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'dup0', kind: 'bridge' });
  const e = await rejection(linkAdd(ctx.nl, { name: 'dup0', kind: 'bridge' }), 'duplicate linkAdd');
  assert.instance(e, NetlinkError);
  assert.is(e.code, 'EEXIST');
  assert.is(e.errno, 17);
  assert.is(e.request.typeName, 'RTM_NEWLINK');
  assert.is(e.request.what, 'linkAdd dup0 (bridge)');
  assert.ok(e.message.startsWith('linkAdd dup0 (bridge): EEXIST (File exists)'), e.message);
  // A veth whose peer name is taken fails the same way.
  const v = await rejection(linkAdd(ctx.nl, { name: 'fresh0', kind: 'veth', peer: { name: 'dup0' } }), 'veth onto a taken name');
  assert.is(v.code, 'EEXIST');
  assert.is(await linkFind(ctx.nl, 'fresh0'), undefined, 'nothing half-made');
});

k("EINVAL with the kernel's extended-ACK text: an mtu the device refuses", async (ctx) => {
  await linkAdd(ctx.nl, { name: 'e0', kind: 'veth', peer: { name: 'e1' } });
  // 65536 passes our range check (it is loopback's mtu) but veth's maximum is 65535.
  const e = await rejection(linkSetMtu(ctx.nl, 'e0', 65536), 'mtu 65536 on a veth');
  assert.instance(e, NetlinkError);
  assert.is(e.code, 'EINVAL');
  assert.type(e.kernelMessage, 'string');
  assert.ok(e.kernelMessage.length > 0, 'the kernel explained');
  assert.match(e.kernelMessage, /mtu/i);
  assert.ok(e.message.includes(e.kernelMessage), e.message);
  assert.ok(e.message.startsWith('linkSet e0 mtu 65536: EINVAL'), e.message);
  assert.is((await linkGet(ctx.nl, 'e0')).mtu, 1500, 'unchanged');
  // Also when the mtu comes with the creation request.
  const c = await rejection(linkAdd(ctx.nl, { name: 'br0', kind: 'bridge', mtu: 65536 }), 'bridge mtu 65536');
  assert.is(c.code, 'EINVAL');
  assert.ok(c.kernelMessage && c.message.includes(c.kernelMessage), c.message);
  assert.is(await linkFind(ctx.nl, 'br0'), undefined);
});

k('ValidationError for a 16-byte name, a name with "/", mtu 20: nothing is sent, nothing created', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'base0', kind: 'veth', peer: { name: 'base1' } });
  const before = (await linkList(ctx.nl)).map((l) => [l.index, l.name, l.mtu]);
  /** @type {[() => Promise<unknown>, string, unknown][]} */
  const cases = [
    [() => linkAdd(ctx.nl, { name: 'abcdefghijklmnop', kind: 'bridge' }), 'link.name', 'abcdefghijklmnop'],
    [() => linkAdd(ctx.nl, { name: 'a/b', kind: 'bridge' }), 'link.name', 'a/b'],
    [() => linkAdd(ctx.nl, { name: 'x0', kind: 'bridge', mtu: 20 }), 'link.mtu', 20],
    [() => linkAdd(ctx.nl, { name: 'y0', kind: 'veth', peer: { name: 'y'.repeat(16) } }), 'link.peer.name', 'y'.repeat(16)],
    [() => linkSetMtu(ctx.nl, 'base0', 20), 'mtu', 20],
    [() => linkSetName(ctx.nl, 'base0', 'a/b'), 'name', 'a/b'],
    [() => linkGet(ctx.nl, 'abcdefghijklmnop'), 'link', 'abcdefghijklmnop'],
  ];
  for (const [run, field, value] of cases) {
    let e;
    try {
      await run();
    } catch (x) {
      e = x;
    }
    assert.instance(e, ValidationError, `${field} ${JSON.stringify(value)}`);
    assert.is(e.field, field);
    assert.is(e.value, value);
    assert.type(e.reason, 'string');
    assert.ok(e.message.includes(field), e.message);
  }
  assert.equal(
    (await linkList(ctx.nl)).map((l) => [l.index, l.name, l.mtu]),
    before,
  );
  assert.equal(
    ctx
      .ip('-j', 'link', 'show')
      .map((l) => l.ifname)
      .sort(),
    ['base0', 'base1', 'lo'],
  );
});

k.run();
