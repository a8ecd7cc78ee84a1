// No leak: 10,000 request cycles and 100 netns-bound handles opened and closed leave the fd
// count where it started (and memory bounded).
//
// Each part first runs a short warm-up of exactly the same work, so fds that are opened once and
// kept (ffi-rs loading libc, libuv's lazy internals) exist before the baseline is taken; after
// that the count must come back to the baseline exactly.
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { NetNs } from '@nsrun/sys';
import { RtnlClient, NetlinkError } from '@nsrun/netlink';
import { RTM_GETLINK } from '@nsrun/netlink/constants';
import { decodeLink } from '@nsrun/netlink/messages';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

const fdCount = () => readdirSync('/proc/self/fd').length;
const MB = 1024 * 1024;

/** RTM_GETLINK for one interface index: struct ifinfomsg (16 bytes) with ifi_index set. */
const getLink = (index) => ({
  type: RTM_GETLINK,
  what: `linkGet index ${index}`,
  body: (w) => {
    w.u8(0).u8(0).u16(0).i32(index).u32(0).u32(0); // family, pad, type, index, flags, change
  },
});
const decode = (m) => decodeLink(m.buf, m.start, m.end);
const ifname = (link) => link.attrs.find((a) => a.type === 'ifname')?.value;

/** `n` GETLINK round trips for lo (index 1); checks every answer. */
async function requestCycles(client, n) {
  const req = getLink(1);
  for (let i = 0; i < n; i++) {
    const links = await client.request(req, decode);
    if (links.length !== 1 || links[0].index !== 1 || ifname(links[0]) !== 'lo') {
      assert.unreachable(`cycle ${i}: unexpected answer ${JSON.stringify(links)}`);
    }
  }
}

/** `n` requests the kernel refuses (no such index): the error path must not leak either. */
async function failingCycles(client, n) {
  const req = getLink(999999);
  for (let i = 0; i < n; i++) {
    try {
      await client.request(req, decode);
      assert.unreachable('GETLINK of a missing index succeeded');
    } catch (e) {
      if (!(e instanceof NetlinkError) || e.code !== 'ENODEV') throw e;
    }
  }
}

const k = kernelSuite('leak');

k('10,000 request cycles on one client: fd count unchanged, rss bounded', async (ctx) => {
  await requestCycles(ctx.nl, 100); // warm-up
  await failingCycles(ctx.nl, 10);
  const fds = fdCount();
  await requestCycles(ctx.nl, 10_000);
  assert.is(fdCount(), fds, 'fds after 10,000 request cycles');

  // A second round must not keep growing memory: everything per request is garbage.
  const rss = process.memoryUsage().rss;
  await requestCycles(ctx.nl, 10_000);
  await failingCycles(ctx.nl, 1_000);
  const grown = process.memoryUsage().rss - rss;
  assert.ok(grown < 50 * MB, `rss grew by ${(grown / MB).toFixed(1)} MB over the second 10,000 cycles`);
  assert.is(fdCount(), fds, 'fds after the second round and 1,000 refused requests');
  console.log(`# leak: ${fds} fds before and after 21,000 requests; rss ${(grown / MB).toFixed(1)} MB over the second round`);
});

k('1,000 clients opened and closed in a netns: fd count unchanged', (ctx) => {
  const cycle = () => {
    const c = RtnlClient.open({ netns: ctx.ns });
    const links = c.requestSync(getLink(1), decode);
    assert.is(ifname(links[0]), 'lo');
    c.close();
    assert.ok(c.closed);
  };
  cycle(); // warm-up
  const fds = fdCount();
  for (let i = 0; i < 1_000; i++) cycle();
  assert.is(fdCount(), fds, 'fds after 1,000 clients');
});

k('100 NetNs.create() + RtnlClient.open({netns}) closed again: fd count unchanged', () => {
  const cycle = () => {
    const ns = NetNs.create();
    const c = RtnlClient.open({ netns: ns });
    const links = c.requestSync(getLink(1), decode);
    assert.is(ifname(links[0]), 'lo', 'the client talks to the new namespace');
    c.close();
    ns.close();
  };
  cycle(); // warm-up
  const fds = fdCount();
  // While open, each pair holds exactly two fds: the namespace and the socket.
  const open = [];
  for (let i = 0; i < 10; i++) {
    const ns = NetNs.create();
    open.push([ns, RtnlClient.open({ netns: ns })]);
  }
  assert.is(fdCount(), fds + 20, 'two fds per open namespace + client');
  for (const [ns, c] of open) {
    c.close();
    ns.close();
  }
  assert.is(fdCount(), fds);
  for (let i = 0; i < 100; i++) cycle();
  assert.is(fdCount(), fds, 'fds after 100 namespaces with clients');
  console.log(`# leak: ${fds} fds before and after 100 namespace + client pairs`);
});

k.run();
