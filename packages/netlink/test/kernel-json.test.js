// JSON.stringify of what the operations return, against the kernel: a bridge port's link carries
// 64-bit attributes (IFLA_BRPORT_*_TIMER, IFLA_BRPORT_MULTICAST_*), read as bigint, which
// JSON.stringify refuses ("Do not know how to serialize a BigInt"). Each object's toJSON gives
// them as numbers when they fit in a double exactly, as decimal strings when not.
import * as assert from 'uvu/assert';
import { linkAdd, linkGet, linkList, linkSet, routeList, addrList, addrAdd } from '@nsrun/netlink';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

const k = kernelSuite('JSON of links, addresses and routes');

/** Every bigint anywhere in `v` (a path each). */
function bigints(v, path = '$', out = []) {
  if (typeof v === 'bigint') out.push(path);
  else if (Array.isArray(v)) v.forEach((x, i) => bigints(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) for (const [key, x] of Object.entries(v)) bigints(x, `${path}.${key}`, out);
  return out;
}

k('a bridge port, the bridge, addresses and routes stringify; 64-bit values as numbers', async (ctx) => {
  await linkAdd(ctx.nl, { kind: 'bridge', name: 'br0' });
  await linkAdd(ctx.nl, { kind: 'veth', name: 'v0', peer: { name: 'v1' } });
  const br = await linkGet(ctx.nl, 'br0');
  await linkSet(ctx.nl, 'v0', { master: br.index, up: true });
  await linkSet(ctx.nl, 'br0', { up: true });
  await addrAdd(ctx.nl, 'br0', '10.9.0.1/24');
  const port = await linkGet(ctx.nl, 'v0');
  // The case that threw: the port's own message holds bigints (the timers of IFLA_PROTINFO /
  // IFLA_INFO_SLAVE_DATA).
  assert.ok(bigints(port.message).length > 0, 'the bridge port has no 64-bit attribute: the test would prove nothing');
  /** @type {any[]} the objects, each as the operation returns it (views with their toJSON) */
  const all = [port, br, ...(await linkList(ctx.nl)), ...(await addrList(ctx.nl)), ...(await routeList(ctx.nl, { table: 'all' }))];
  for (const x of all) {
    const text = JSON.stringify(x);
    const back = JSON.parse(text);
    assert.is(back.name ?? back.dst ?? back.address ?? 'x', x.name ?? x.dst ?? x.address ?? 'x');
    assert.equal(bigints(x.toJSON?.() ?? x), [], `${text.slice(0, 80)}: bigints left in toJSON()`);
  }
  // A value read back as the kernel sent it: the port's timers are small, so numbers.
  const json = JSON.parse(JSON.stringify(port));
  const paths = bigints(port.message);
  const first = paths[0].replace(/^\$/, '');
  const read = (o) =>
    first
      .split(/\.|\[|\]/)
      .filter(Boolean)
      .reduce((a, key) => a[key], o);
  assert.is(read(json.message), Number(read(port.message)));
});

k.run();
