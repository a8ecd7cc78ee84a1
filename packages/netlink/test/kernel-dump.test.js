// Dumps against the real kernel: completeness across many datagrams, NLM_F_DUMP_INTR under
// concurrent changes, and errors the kernel reports at the end of a dump.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  NetlinkError,
  DumpInterruptedError,
  linkAdd,
  linkIndex,
  routeRequest,
  addrAddRequest,
  routeList,
  addrList,
  linkList,
  linkAddRequest,
} from '@nsrun/netlink';
import { RTM_GETADDR, RTM_GETNEIGH, AF_INET } from '@nsrun/netlink/constants';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';

/** Counts the datagrams the client's socket receives while `fn` runs. */
async function countingDatagrams(c, fn) {
  const sock = c.socket;
  const receive = sock.receive;
  let n = 0;
  sock.receive = (...a) => {
    const d = receive.apply(sock, a);
    if (d) n++;
    return d;
  };
  try {
    return { result: await fn(), datagrams: n };
  } finally {
    delete sock.receive; // back to the prototype's method
  }
}

/** The address dump request, raw, so that no retry hides an interruption. */
const addrDump = { type: RTM_GETADDR, what: 'addr dump', body: (w) => void w.u8(AF_INET).u8(0).u8(0).u8(0).u32(0) };

const k = kernelSuite('kernel dumps');

k('a dump of 2000 IPv4 and 1000 IPv6 routes spans many datagrams and is complete', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'r0', kind: 'veth', up: true, peer: { name: 'r1' } });
  const dev = await linkIndex(ctx.nl, 'r0');
  const reqs = [];
  for (let i = 0; i < 2000; i++) reqs.push(routeRequest('routeAdd', { dst: `10.${(i >> 8) + 1}.${i & 255}.0/24`, dev, metric: i + 1 })); // metric 0: IPv4 sends no RTA_PRIORITY at all
  for (let i = 0; i < 1000; i++) reqs.push(routeRequest('routeAdd', { dst: `2001:db8:${i.toString(16)}::/48`, dev }));
  assert.equal(
    (await ctx.nl.bulk(reqs)).filter(Boolean).map((e) => e.message),
    [],
  );

  const { result: v4, datagrams } = await countingDatagrams(ctx.nl, () => routeList(ctx.nl, { family: 4 }));
  // The kernel fills each dump datagram up to our receive buffer's size (256 KiB), so several, not hundreds.
  assert.ok(datagrams > 1, `${datagrams} datagrams`);
  assert.is(v4.length, 2000);
  const dsts = new Set(v4.map((r) => r.dst));
  assert.is(dsts.size, 2000, 'no route twice');
  for (let i = 0; i < 2000; i += 97) assert.ok(dsts.has(`10.${(i >> 8) + 1}.${i & 255}.0/24`), `route ${i}`);
  assert.equal(
    v4.map((r) => r.metric).sort((a, b) => a - b),
    [...Array(2000).keys()].map((i) => i + 1),
  );
  assert.is(ctx.ip('-j', '-4', 'route', 'show').length, 2000);

  const v6 = (await routeList(ctx.nl, { family: 6 })).filter((r) => r.dst.startsWith('2001:db8:'));
  assert.is(new Set(v6.map((r) => r.dst)).size, 1000);
  assert.is(ctx.ip('-j', '-6', 'route', 'show').filter((r) => r.dst.startsWith('2001:db8:')).length, 1000);
});

k('a dump of 2000 addresses and 600 links is complete and agrees with ip -j', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'br0', kind: 'bridge' });
  const br = await linkIndex(ctx.nl, 'br0');
  const reqs = [];
  for (let i = 0; i < 2000; i++) reqs.push(addrAddRequest(br, `10.${(i >> 8) + 1}.${i & 255}.1/32`));
  for (let i = 0; i < 300; i++) reqs.push(linkAddRequest({ name: `p${i}`, kind: 'veth', peer: { name: `q${i}` } }));
  assert.equal(
    (await ctx.nl.bulk(reqs)).filter(Boolean).map((e) => e.message),
    [],
  );
  const { result: addrs, datagrams } = await countingDatagrams(ctx.nl, () => addrList(ctx.nl, { link: br }));
  assert.ok(datagrams > 1, `${datagrams} datagrams`);
  assert.is(new Set(addrs.map((a) => a.address)).size, 2000);
  assert.is(ctx.ip('-j', 'addr', 'show', 'dev', 'br0')[0].addr_info.length, 2000);
  const links = await linkList(ctx.nl);
  assert.is(links.length, 602);
  assert.equal(
    links.map((l) => l.index).sort((a, b) => a - b),
    ctx
      .ip('-j', 'link', 'show')
      .map((l) => l.ifindex)
      .sort((a, b) => a - b),
  );
});

k('DumpInterruptedError under concurrent changes (an `ip -batch` child churning addresses)', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'br0', kind: 'bridge' });
  const br = await linkIndex(ctx.nl, 'br0');
  const reqs = [];
  for (let i = 0; i < 2000; i++) reqs.push(addrAddRequest(br, `10.${(i >> 8) + 1}.${i & 255}.1/32`));
  assert.equal((await ctx.nl.bulk(reqs)).filter(Boolean).length, 0);

  let batch = '';
  for (let i = 0; i < 30000; i++) {
    const a = `10.250.${(i >> 8) & 255}.${i & 255}/32`;
    batch += `addr add ${a} dev br0\naddr del ${a} dev br0\n`;
  }
  const child = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'ip', '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = once(child, 'exit');
  let done = false;
  exited.then(() => (done = true));
  child.stdin.on('error', () => {});
  child.stdin.end(batch);

  let interrupted;
  let clean = 0;
  const tries = 2000;
  const until = Date.now() + 20_000;
  try {
    for (let i = 0; i < tries && !done && Date.now() < until && !interrupted; i++) {
      try {
        await ctx.nl.dump(addrDump, (m) => m.type, { retries: 0 });
        clean++;
      } catch (e) {
        if (!(e instanceof DumpInterruptedError)) throw e;
        interrupted = e;
      }
      await new Promise((r) => setImmediate(r)); // let the exit event through
    }
    if (!interrupted) {
      skip(
        `DumpInterruptedError not provoked: ${clean} address dumps ran clean while ip -batch churned (${done ? 'the child finished' : 'time or try limit'})`,
      );
      return;
    }
    assert.is(interrupted.name, 'DumpInterruptedError');
    assert.is(interrupted.attempts, 1);
    assert.is(interrupted.request.what, 'addr dump');
    assert.ok(Array.isArray(interrupted.partial) && interrupted.partial.length > 0, 'the partial result is kept');
    assert.match(interrupted.message, /NLM_F_DUMP_INTR/);
    assert.ok(interrupted.message.startsWith('addr dump: '), interrupted.message);
    // With retries the dump is re-run: it either comes back whole or says how many attempts it made.
    try {
      const all = await ctx.nl.dump(addrDump, (m) => m.type, { retries: 3 });
      assert.ok(all.length >= 2000);
    } catch (e) {
      if (!(e instanceof DumpInterruptedError)) throw e;
      assert.is(e.attempts, 4);
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  // Quiet again: the dump is whole (the child, killed mid-way, may have left one 10.250 address).
  const after = (await addrList(ctx.nl, { link: br })).filter((a) => !a.address.startsWith('10.250.'));
  assert.is(after.length, 2000);
});

// Was a BUG: a dump the kernel refuses ends in NLMSG_DONE carrying a negative status and, with
// NLM_F_ACK_TLVS, the extended-ACK text; RtnlClient.requestSync built the NetlinkError from the
// status alone, so kernelMessage was lost. Fixed in client.ts (the DONE attributes are decoded).
k("a refused dump is NetlinkError EINVAL with the kernel's text", async (ctx) => {
  // ndm_ifindex set in a strict neighbour dump request: the kernel refuses the header.
  const bad = { type: RTM_GETNEIGH, what: 'neigh dump (ifindex in header)', body: (w) => void w.u8(AF_INET).u8(0).u16(0).i32(1).u16(0).u8(0).u8(0) };
  let e;
  try {
    await ctx.nl.dump(bad, () => 1);
  } catch (x) {
    e = x;
  }
  assert.instance(e, NetlinkError);
  assert.is(e.code, 'EINVAL');
  assert.ok(e.message.startsWith('neigh dump (ifindex in header): EINVAL'), e.message);
  assert.is(e.kernelMessage, 'Invalid values in header for neighbor dump request');
  assert.ok(e.message.includes(e.kernelMessage));
});

k.run();
