// RtnlClient.bulk fed by a generator, against the real kernel: the requests are read as they are
// sent (not all first), one result per request, and a failure among thousands is named by its
// own request with the errno and the kernel's text while the others are applied.
import * as assert from 'uvu/assert';
import { NetlinkError, ValidationError, linkAdd, linkIndex, routeRequest } from '@nsrun/netlink';
import { kernelSuite, rejection } from '@nsrun/test-helpers/kernel';

const R = 5000;
const k = kernelSuite('kernel bulk from a generator');

k(`${R} routes from a generator; an unreachable gateway and a duplicate among them`, async (ctx) => {
  await linkAdd(ctx.nl, { name: 'r0', kind: 'bridge', up: true });
  const dev = await linkIndex(ctx.nl, 'r0');
  /** @type {Map<number, import('@nsrun/netlink').RouteSpec>} */
  const bad = new Map([
    [2500, { dst: '10.100.0.0/16', gateway: '192.0.2.1' }], // no route to the gateway
    [4000, { dst: '198.18.0.10/32', dev, scope: 'link' }], // made earlier in this bulk
  ]);
  let yielded = 0;
  const whats = [];
  function* routes() {
    let j = 0;
    for (let i = 0; j < R; i++) {
      let spec = bad.get(i);
      if (spec === undefined) {
        spec = { dst: `198.18.${j >> 8}.${j & 255}/32`, dev, scope: 'link' };
        j++;
      }
      const req = routeRequest('routeAdd', spec);
      whats.push(req.what);
      yielded++;
      yield req;
    }
  }
  // What the generator had given when each datagram left.
  const sock = ctx.nl.socket;
  const send = sock.send.bind(sock);
  const atSend = [];
  sock.send = (data) => {
    atSend.push(yielded);
    return send(data);
  };
  const res = await ctx.nl.bulk(routes());
  const total = R + bad.size;
  assert.is(res.length, total, 'one result per request');
  assert.ok(atSend.length > 1, `${atSend.length} datagrams`);
  assert.ok(atSend[0] < total, `the first datagram left after ${atSend[0]} of ${total} requests were built`);

  const failed = res.map((e, i) => (e ? [i, e.code] : null)).filter(Boolean);
  assert.equal(failed, [
    [2500, 'ENETUNREACH'],
    [4000, 'EEXIST'],
  ]);
  const gw = res[2500];
  assert.instance(gw, NetlinkError);
  assert.is(gw.request.what, 'routeAdd 10.100.0.0/16 via 192.0.2.1');
  assert.is(gw.request.what, whats[2500]);
  assert.match(gw.kernelMessage ?? '', /gateway/i);
  assert.is(gw.message, `routeAdd 10.100.0.0/16 via 192.0.2.1: ENETUNREACH (Network is unreachable): ${gw.kernelMessage}`);
  assert.is(res[4000].request.what, `routeAdd 198.18.0.10/32 dev #${dev}`);

  const shown = ctx.ip('-j', 'route', 'show', 'table', 'main', 'dev', 'r0');
  assert.is(shown.length, R, 'every good route, and only those');
  assert.ok(
    shown.some((r) => r.dst === '198.18.19.135'),
    'the last one',
  );
  assert.not.ok(shown.some((r) => r.dst === '10.100.0.0/16'));
});

k('a request that cannot be built ends the bulk: those before it are applied, then its error is thrown', async (ctx) => {
  await linkAdd(ctx.nl, { name: 'r0', kind: 'bridge', up: true });
  const dev = await linkIndex(ctx.nl, 'r0');
  function* routes() {
    for (let j = 0; j < 3000; j++) yield routeRequest('routeAdd', { dst: `198.18.${j >> 8}.${j & 255}/32`, dev, scope: 'link' });
    yield routeRequest('routeAdd', { dst: '198.18.300.1/32', dev });
    throw new Error('not reached');
  }
  const e = await rejection(ctx.nl.bulk(routes()), 'bulk');
  assert.instance(e, ValidationError);
  assert.is(e.field, 'route.dst');
  assert.match(String(e.value), /^198\.18\.300\.1/);
  assert.is(ctx.ip('-j', 'route', 'show', 'table', 'main', 'dev', 'r0').length, 3000, 'the 3000 built before it');
  // The client goes on working.
  assert.equal(await ctx.nl.bulk([routeRequest('routeAdd', { dst: '198.19.0.0/16', dev })]), [undefined]);
});

k('an empty generator sends nothing', async (ctx) => {
  let sent = 0;
  const sock = ctx.nl.socket;
  const send = sock.send.bind(sock);
  sock.send = (data) => {
    sent++;
    return send(data);
  };
  assert.equal(await ctx.nl.bulk((function* () {})()), []);
  assert.is(sent, 0);
});

k.run();
