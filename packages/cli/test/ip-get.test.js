// `nsrun ip route get` and `nsrun ip neigh get`, next to iproute2's ip in the test's namespace
// (text and -j), with the failures a user meets (no route, no entry, bad input).
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { ipRun, nip, nsrun, sameAsIp, sameJson, sameText } from './helpers/ip-compare.js';

const k = kernelSuite('nsrun ip route get / neigh get');

/** v0 (10.0.0.1/24, 2001:db8::1/64) to v1; a default route; table 100 chosen by fwmark 7 and by uid 4242. */
function topology(ctx) {
  ctx.sh('sysctl -qw net.ipv4.ip_forward=1');
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('link', 'add', 'u0', 'type', 'veth', 'peer', 'name', 'u1');
  for (const l of ['v0', 'v1', 'u0', 'u1']) ctx.ip('link', 'set', l, 'up');
  ctx.ip('addr', 'add', '10.0.0.1/24', 'dev', 'v0');
  ctx.ip('addr', 'add', '10.1.0.1/24', 'dev', 'u0');
  ctx.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  ctx.ip('route', 'add', 'default', 'via', '10.0.0.254', 'metric', '10');
  ctx.ip('route', 'add', '192.0.2.0/24', 'via', '10.1.0.254', 'table', '100');
  ctx.ip('rule', 'add', 'fwmark', '7', 'table', '100');
  ctx.ip('rule', 'add', 'uidrange', '4242-4242', 'table', '100');
}

k('route get: connected, via the default route, local, own address, from, oif, mark and uid rules, iif (text and -j)', async (ctx) => {
  topology(ctx);
  const connected = await sameAsIp(ctx, 'route', 'get', '10.0.0.5');
  assert.equal(connected, [{ dst: '10.0.0.5', dev: 'v0', prefsrc: '10.0.0.1', flags: [], uid: 0, cache: [] }]);
  const far = await sameAsIp(ctx, 'route', 'get', '192.0.2.9');
  assert.equal([far[0].gateway, far[0].dev], ['10.0.0.254', 'v0']);
  const local = await sameAsIp(ctx, 'route', 'get', '127.0.0.1');
  assert.equal([local[0].type, local[0].cache], ['local', ['local']]);
  await sameAsIp(ctx, 'route', 'get', '10.0.0.1');
  await sameAsIp(ctx, 'route', 'get', 'to', '10.0.0.5', 'from', '10.0.0.1');
  await sameAsIp(ctx, 'route', 'get', '10.0.0.5', 'oif', 'u0');
  const marked = await sameAsIp(ctx, 'route', 'get', '192.0.2.9', 'mark', '7');
  assert.equal([marked[0].gateway, marked[0].dev, marked[0].table, marked[0].mark], ['10.1.0.254', 'u0', '100', 7]);
  const byUid = await sameAsIp(ctx, 'route', 'get', '192.0.2.9', 'uid', '4242');
  assert.equal([byUid[0].gateway, byUid[0].uid], ['10.1.0.254', 4242]);
  const forwarded = await sameAsIp(ctx, 'route', 'get', '192.0.2.9', 'from', '10.1.0.7', 'iif', 'u0');
  assert.is(forwarded[0].iif, 'u0');
  await sameAsIp(ctx, 'route', 'get', '192.0.2.9', 'fibmatch');
  await sameAsIp(ctx, '-d', 'route', 'get', '10.0.0.5');
  await sameText(ctx, ['-o', 'route', 'get', '10.0.0.5']);
});

k('route get IPv6: on-link, the loopback, -6 with an address of the family', async (ctx) => {
  topology(ctx);
  await sameAsIp(ctx, 'route', 'get', '2001:db8::5');
  await sameAsIp(ctx, '-6', 'route', 'get', '::1');
  await sameAsIp(ctx, 'route', 'get', '2001:db8::1');
});

k('route get failures: no route (ENETUNREACH, exit 1, nothing on stdout), bad input refused (exit 2)', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  let r = nsrun(ctx, ['ip', 'route', 'get', '192.0.2.9']);
  assert.equal([r.status, r.stdout], [1, '']);
  assert.is(r.stderr, 'nsrun: routeGet 192.0.2.9: ENETUNREACH (Network is unreachable)\n');
  assert.is(ipRun(ctx, ['route', 'get', '192.0.2.9']).status, 2, 'ip fails too');
  r = nsrun(ctx, ['ip', 'route', 'get', '10.0.0.0/24']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /^nsrun: ip route get: "10\.0\.0\.0\/24": a route is looked up for one address \(\/32 or none\)\n/);
  r = nsrun(ctx, ['ip', 'route', 'get', '10.0.0.5', 'oif', 'nosuch']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^nsrun: linkGet nosuch: ENODEV/);
  r = nsrun(ctx, ['ip', 'route', 'get']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /missing destination address/);
  r = nsrun(ctx, ['ip', '-6', 'route', 'get', '10.0.0.5']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /IPv4 but IPv6 is required/);
});

k('neigh get: IPv4 and IPv6 entries as ip prints them; -j is a JSON array of the entry (ip 6.1 printed text there)', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'v0');
  ctx.ip('neigh', 'add', '2001:db8::9', 'lladdr', '02:00:00:00:00:0a', 'dev', 'v0', 'nud', 'reachable');
  ctx.ip('neigh', 'add', 'proxy', '10.0.0.50', 'dev', 'v0');
  await sameText(ctx, ['neigh', 'get', '10.0.0.9', 'dev', 'v0']);
  await sameText(ctx, ['neigh', 'get', 'to', '2001:db8::9', 'dev', 'v0']);
  await sameText(ctx, ['neigh', 'get', 'proxy', '10.0.0.50', 'dev', 'v0']);
  // The entry as ip -j lists it (neigh show names the device unless filtered by one).
  const listed = ctx.ip('-j', 'neigh', 'show').filter((n) => n.dst === '10.0.0.9');
  const got = JSON.parse(nip(ctx, '-j', 'neigh', 'get', '10.0.0.9', 'dev', 'v0'));
  assert.equal(got, listed);
  assert.equal(got, [{ dst: '10.0.0.9', dev: 'v0', lladdr: '02:00:00:00:00:09', state: ['PERMANENT'] }]);
  const ipJ = ipRun(ctx, ['-j', 'neigh', 'get', '10.0.0.9', 'dev', 'v0']).stdout;
  let ipParsed;
  try {
    ipParsed = JSON.parse(ipJ);
  } catch {
    ipParsed = undefined; // iproute2 6.1: text
  }
  if (ipParsed !== undefined) assert.equal(got, ipParsed, 'a newer ip prints the same array');
  else assert.is(ipJ.trim(), '10.0.0.9 dev v0 lladdr 02:00:00:00:00:09 PERMANENT');
  const v6 = JSON.parse(nip(ctx, '-j', 'neigh', 'get', '2001:db8::9', 'dev', 'v0'));
  assert.equal(
    v6.map((n) => [n.dst, n.dev, n.lladdr]),
    [['2001:db8::9', 'v0', '02:00:00:00:00:0a']],
  );
  const proxy = JSON.parse(nip(ctx, '-j', 'neigh', 'get', 'proxy', '10.0.0.50', 'dev', 'v0'));
  assert.equal(
    proxy,
    ctx.ip('-j', 'neigh', 'show', 'proxy').filter((n) => n.dst === '10.0.0.50'),
  );
  // -s: the cache times, as ip prints them.
  await sameJson(ctx, ['-s', 'neigh', 'show', 'dev', 'v0'], (v) => v.map(({ used, confirmed, updated, ...rest }) => rest));
});

k('neigh get failures: no entry (ENOENT, exit 1), no such device, missing dev (exit 2)', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  let r = nsrun(ctx, ['ip', 'neigh', 'get', '10.0.0.9', 'dev', 'v0']);
  assert.equal([r.status, r.stdout], [1, '']);
  assert.match(r.stderr, /^nsrun: neighGet 10\.0\.0\.9 dev v0: ENOENT \(No such file or directory\)/);
  assert.not.equal(spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, 'ip', 'neigh', 'get', '10.0.0.9', 'dev', 'v0']).status, 0, 'ip fails too');
  r = nsrun(ctx, ['ip', 'neigh', 'get', '10.0.0.9', 'dev', 'nosuch']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^nsrun: linkGet nosuch: ENODEV/);
  r = nsrun(ctx, ['ip', 'neigh', 'get', '10.0.0.9']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /^nsrun: ip neigh get: an address and "dev DEV" are required\n/);
});

k.run();
