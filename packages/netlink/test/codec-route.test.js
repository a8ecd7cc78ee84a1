// Route codec against real bytes: iproute2 RTM_NEWROUTE requests (gateway + metric + table,
// blackhole, multipath), a kernel dump of table main, and a 100-route dump that the kernel split
// over three datagrams, all in ./fixtures (see capture.js there). Every fixture is decoded and
// checked field by field, and must re-encode to the same bytes. Expected values were read off
// the annotated fixture files, not produced by this codec.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  RTM_NEWROUTE,
  NLMSG_DONE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_EXCL,
  NLM_F_CREATE,
  NLM_F_MULTI,
  NLM_F_DUMP_FILTERED,
  RTA_DST,
  AF_INET,
  RT_TABLE_MAIN,
  RTPROT_BOOT,
  RTPROT_KERNEL,
  RT_SCOPE_UNIVERSE,
  RT_SCOPE_LINK,
  RTN_UNICAST,
  RTN_BLACKHOLE,
} from '@nsrun/netlink/constants';
import { Writer, findAttr } from '@nsrun/netlink/wire';
import { decodeMessages, encodeMessages, decodeRoute, encodeRoute, routeSchema } from '@nsrun/netlink/messages';
import { checkBinaryPrefix, routeRequest, routeRequests, ValidationError } from '@nsrun/netlink';
import { decodeAs, load, roundTripSuite } from './fixtures/load.js';

const NEW_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
const REQ_SEQ = 1795943684;
const DUMP_FLAGS = NLM_F_MULTI | NLM_F_DUMP_FILTERED; // strict checking: the kernel filtered by table

/**
 * The value of the first attribute of `type`; fails when there is none.
 * @template {{ type: string }} A
 * @template {A['type']} N
 * @param {readonly A[]} attrs
 * @param {N} type
 * @returns {Extract<A, { type: N }> extends { value: infer V } ? V : never}
 */
function val(attrs, type) {
  const a = findAttr(attrs, type);
  assert.ok(a, `no ${type} attribute`);
  return /** @type {any} */ (a).value;
}
const hex = (b) => Buffer.from(b).toString('hex');
const rtmsg = (over) => ({
  family: AF_INET,
  dstLen: 16,
  srcLen: 0,
  tos: 0,
  table: RT_TABLE_MAIN,
  protocol: RTPROT_BOOT,
  scope: RT_SCOPE_UNIVERSE,
  type: RTN_UNICAST,
  flags: 0,
  ...over,
});
const one = (name) => {
  const ms = decodeAs('route', load(name));
  assert.is(ms.length, 1);
  return ms[0];
};

// ---- decodeMessages: requests ---------------------------------------------------------------

const requests = suite('decodeMessages: iproute2 route requests');

requests('ip route add 10.9.0.0/16 via 10.1.2.1 dev v0 metric 50 table 100', () => {
  const m = one('req-route-add-table');
  assert.equal(m.header, { type: RTM_NEWROUTE, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  // Table 100 fits rtm_table, so iproute2 sends no RTA_TABLE.
  assert.equal(m.body, {
    ...rtmsg({ table: 100 }),
    attrs: [
      { type: 'dst', value: '10.9.0.0' },
      { type: 'gateway', value: '10.1.2.1' },
      { type: 'priority', value: 50 },
      { type: 'oif', value: 4 },
    ],
  });
});

requests('ip route add blackhole 10.8.0.0/16', () => {
  const m = one('req-route-add-blackhole');
  assert.equal(m.header, { type: RTM_NEWROUTE, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  assert.equal(m.body, { ...rtmsg({ type: RTN_BLACKHOLE }), attrs: [{ type: 'dst', value: '10.8.0.0' }] });
  assert.is(RTN_BLACKHOLE, 6);
});

requests('ip route add 10.7.0.0/16 nexthop via 10.1.2.1 weight 1 nexthop via 10.1.2.2 weight 2', () => {
  const m = one('req-route-add-multipath');
  assert.equal(m.header, { type: RTM_NEWROUTE, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  assert.equal(m.body, {
    ...rtmsg(),
    attrs: [
      { type: 'dst', value: '10.7.0.0' },
      {
        type: 'multipath',
        value: [
          // rtnh_hops is weight - 1
          { flags: 0, hops: 0, ifindex: 4, attrs: [{ type: 'gateway', value: '10.1.2.1' }] },
          { flags: 0, hops: 1, ifindex: 4, attrs: [{ type: 'gateway', value: '10.1.2.2' }] },
        ],
      },
    ],
  });
});

requests.run();

// ---- decodeMessages: dump of table main -----------------------------------------------------

const dump = suite('decodeMessages: kernel dump of table main');

dump('four routes, each with RTA_TABLE 254', () => {
  const ms = decodeAs('route', load('dump-route-main-1'));
  assert.is(ms.length, 4);
  for (const m of ms) {
    assert.is(m.kind, 'route');
    assert.equal(m.header, { type: RTM_NEWROUTE, flags: DUMP_FLAGS, seq: 0x103, pid: 1 });
    assert.is(m.body.table, RT_TABLE_MAIN);
    assert.is(val(m.body.attrs, 'table'), RT_TABLE_MAIN);
    assert.equal(
      m.body.attrs.filter((a) => a.type === 'unknown'),
      [],
    );
  }
  assert.equal(
    ms.map((m) => `${val(m.body.attrs, 'dst')}/${m.body.dstLen}`),
    ['10.1.2.0/24', '10.7.0.0/16', '10.8.0.0/16', '10.9.0.0/16'],
  );
});

dump('the connected route the kernel made for 10.1.2.3/24', () => {
  const r = decodeAs('route', load('dump-route-main-1'))[0].body;
  assert.equal(r, {
    ...rtmsg({ dstLen: 24, protocol: RTPROT_KERNEL, scope: RT_SCOPE_LINK }),
    attrs: [
      { type: 'table', value: 254 },
      { type: 'dst', value: '10.1.2.0' },
      { type: 'prefsrc', value: '10.1.2.3' },
      { type: 'oif', value: 3 },
    ],
  });
});

dump('multipath route: two hops on v1 (index 3) with weights 1 and 2', () => {
  const r = decodeAs('route', load('dump-route-main-1'))[1].body;
  assert.equal({ ...r, attrs: undefined }, { ...rtmsg(), attrs: undefined });
  const hops = val(r.attrs, 'multipath');
  assert.is(hops.length, 2);
  assert.equal(
    hops.map((h) => [h.ifindex, h.hops + 1, h.flags, val(h.attrs, 'gateway')]),
    [
      [3, 1, 0, '10.1.2.1'],
      [3, 2, 0, '10.1.2.2'],
    ],
  );
});

dump('blackhole route: type RTN_BLACKHOLE, no gateway or device', () => {
  const r = decodeAs('route', load('dump-route-main-1'))[2].body;
  assert.is(r.type, RTN_BLACKHOLE);
  assert.equal(r.attrs, [
    { type: 'table', value: 254 },
    { type: 'dst', value: '10.8.0.0' },
  ]);
});

dump('gateway route with metric 50', () => {
  const r = decodeAs('route', load('dump-route-main-1'))[3].body;
  assert.equal(r.attrs, [
    { type: 'table', value: 254 },
    { type: 'dst', value: '10.9.0.0' },
    { type: 'priority', value: 50 },
    { type: 'gateway', value: '10.1.2.1' },
    { type: 'oif', value: 3 },
  ]);
});

dump('NLMSG_DONE follows in its own datagram', () => {
  assert.equal(decodeMessages(load('dump-route-main-2')), [
    { kind: 'done', header: { type: NLMSG_DONE, flags: DUMP_FLAGS, seq: 0x103, pid: 1 }, body: { error: 0, attrs: [] } },
  ]);
});

dump.run();

// ---- a dump split across datagrams ----------------------------------------------------------

const split = suite('decodeMessages: a 100-route dump split over three datagrams');
const SPLIT = ['dump-route-split-1', 'dump-route-split-2', 'dump-route-split-3'];

split('72 routes, then 28, then NLMSG_DONE', () => {
  const parts = SPLIT.map((f) => decodeMessages(load(f)));
  assert.equal(
    parts.map((p) => p.length),
    [72, 28, 1],
  );
  assert.equal(
    SPLIT.map((f) => load(f).length),
    [3744, 1456, 20],
  );
  assert.ok(parts[0].every((m) => m.kind === 'route') && parts[1].every((m) => m.kind === 'route'));
  assert.is(parts[2][0].kind, 'done');
  assert.equal(parts[2][0].body, { error: 0, attrs: [] });
  assert.ok(parts.flat().every((m) => m.header.seq === 0x105 && m.header.pid === 1 && m.header.flags === DUMP_FLAGS));
});

split('together: exactly the 100 routes 10.100.0.0/24 ... 10.100.99.0/24 of table 200, in order', () => {
  const routes = SPLIT.flatMap((f) => decodeMessages(load(f))).filter((m) => m.kind === 'route');
  assert.is(routes.length, 100);
  assert.equal(
    routes.map((m) => val(m.body.attrs, 'dst')),
    Array.from({ length: 100 }, (_, i) => `10.100.${i}.0`),
  );
  for (const { body } of routes) {
    assert.equal({ ...body, attrs: undefined }, { ...rtmsg({ dstLen: 24, table: 200, scope: RT_SCOPE_LINK }), attrs: undefined });
    assert.equal(
      body.attrs.map((a) => a.type),
      ['table', 'dst', 'oif'],
    );
    assert.is(val(body.attrs, 'table'), 200);
    assert.is(val(body.attrs, 'oif'), 3);
  }
});

split.run();

// ---- round trip -----------------------------------------------------------------------------

roundTripSuite('route', /^(req-route-|dump-route-)/, 8);

// ---- decodeRoute / encodeRoute --------------------------------------------------------------

const body = suite('decodeRoute / encodeRoute');

body('each route of the main dump, decoded in place and re-encoded alone', () => {
  const bytes = load('dump-route-main-1');
  let n = 0;
  for (let off = 0; off < bytes.length; off += bytes.readUInt32LE(off), n++) {
    const end = off + bytes.readUInt32LE(off);
    const r = decodeRoute(bytes, off + 16, end);
    assert.ok(r.attrs.every((a) => routeSchema.byName.has(a.type)));
    const w = new Writer();
    encodeRoute(w, r);
    assert.is(hex(w.toBuffer()), hex(bytes.subarray(off + 16, end)), `message at ${off}`);
  }
  assert.is(n, 4);
});

body('a payload shorter than struct rtmsg is a DecodeError', () => {
  assert.throws(
    () => decodeRoute(load('req-route-add-blackhole'), 16, 27),
    (e) => e.name === 'DecodeError' && e.offset === 16,
  );
});

body.run();

// ---- building requests ----------------------------------------------------------------------

const build = suite("Writer / encodeMessages: requests built from scratch equal iproute2's bytes");

build('encodeMessages: ip route add 10.9.0.0/16 via 10.1.2.1 dev v0 metric 50 table 100', () => {
  const expected = load('req-route-add-table');
  const out = encodeMessages([
    {
      kind: 'route',
      header: { type: RTM_NEWROUTE, flags: NEW_FLAGS, seq: expected.readUInt32LE(8), pid: 0 },
      body: {
        ...rtmsg({ table: 100 }),
        attrs: [
          { type: 'dst', value: '10.9.0.0' },
          { type: 'gateway', value: '10.1.2.1' },
          { type: 'priority', value: 50 },
          { type: 'oif', value: 4 },
        ],
      },
    },
  ]);
  assert.is(hex(out), hex(expected));
});

build('encodeMessages: the multipath request', () => {
  const expected = load('req-route-add-multipath');
  const out = encodeMessages([
    {
      kind: 'route',
      header: { type: RTM_NEWROUTE, flags: NEW_FLAGS, seq: expected.readUInt32LE(8), pid: 0 },
      body: {
        ...rtmsg(),
        attrs: [
          { type: 'dst', value: '10.7.0.0' },
          {
            type: 'multipath',
            value: [
              { flags: 0, hops: 0, ifindex: 4, attrs: [{ type: 'gateway', value: '10.1.2.1' }] },
              { flags: 0, hops: 1, ifindex: 4, attrs: [{ type: 'gateway', value: '10.1.2.2' }] },
            ],
          },
        ],
      },
    },
  ]);
  assert.is(hex(out), hex(expected));
});

build('Writer: ip route add blackhole 10.8.0.0/16', () => {
  const expected = load('req-route-add-blackhole');
  const w = new Writer();
  const at = w.beginMessage(RTM_NEWROUTE, NEW_FLAGS, expected.readUInt32LE(8), 0);
  w.u8(AF_INET).u8(16).u8(0).u8(0).u8(RT_TABLE_MAIN).u8(RTPROT_BOOT).u8(RT_SCOPE_UNIVERSE).u8(RTN_BLACKHOLE).u32(0);
  w.attrBytes(RTA_DST, Buffer.from([10, 8, 0, 0]));
  w.endMessage(at);
  assert.is(hex(w.toBuffer()), hex(expected));
});

build.run();

// ---- routeRequest: text and numbers -----------------------------------------------------------

const builder = suite('routeRequest: the destination as text or as numbers, the same bytes');

/** A request's bytes as iproute2 sends it: NLM_F_REQUEST | NLM_F_ACK and this seq. */
function requestBytes(req, seq = REQ_SEQ) {
  const w = new Writer();
  const at = w.beginMessage(req.type, NLM_F_REQUEST | NLM_F_ACK | (req.flags ?? 0), seq, 0);
  req.body(w);
  w.endMessage(at);
  return w.toBuffer();
}

builder("rebuilds iproute2's `ip route add blackhole 10.8.0.0/16` from text, a u32 and 4 bytes", () => {
  const expected = load('req-route-add-blackhole');
  for (const dst of ['10.8.0.0/16', { address: 0x0a080000, prefixlen: 16 }, { address: new Uint8Array([10, 8, 0, 0]), prefixlen: 16 }]) {
    const req = routeRequest('routeAdd', { dst, type: 'blackhole' });
    assert.is(hex(requestBytes(req)), hex(expected), JSON.stringify(dst));
    assert.is(req.what, 'routeAdd blackhole 10.8.0.0/16');
  }
});

builder('a host route by its number alone is /32; IPv6 from 16 bytes, /128 when no length is given', () => {
  const dev = 7;
  /** @type {[string, import('@nsrun/netlink').BinaryPrefix][]} */
  const cases = [
    ['198.18.0.1/32', { address: 0xc6120001 }],
    ['198.18.0.1', { address: new Uint8Array([198, 18, 0, 1]), prefixlen: 32 }],
    ['0.0.0.0/0', { address: 0, prefixlen: 0 }],
    ['2001:db8:30::/48', { address: Buffer.from('20010db8003000000000000000000000', 'hex'), prefixlen: 48 }],
    ['2001:db8::1', { address: Buffer.from('20010db8000000000000000000000001', 'hex') }],
  ];
  for (const [text, binary] of cases) {
    const a = routeRequest('routeAdd', { dst: text, dev, scope: 'link' });
    const b = routeRequest('routeAdd', { dst: binary, dev, scope: 'link' });
    assert.is(hex(requestBytes(b)), hex(requestBytes(a)), text);
    const [m] = decodeAs('route', requestBytes(b));
    assert.is(`${val(m.body.attrs, 'dst') ?? '0.0.0.0'}/${m.body.dstLen}`, text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
    assert.ok(b.what.startsWith('routeAdd '), b.what);
  }
  // The caller may reuse its buffer: the request keeps a copy.
  const bytes = Buffer.from('20010db8000000000000000000000001', 'hex');
  const req = routeRequest('routeAdd', { dst: { address: bytes }, dev });
  bytes.fill(0);
  assert.is(req.what, 'routeAdd 2001:db8::1/128 dev #7');
});

builder('refused as text is: each ValidationError names route.dst and the prefix in text', () => {
  const six = Buffer.from('20010db8000000000000000000000001', 'hex');
  /** @type {[unknown, string][]} */
  const cases = [
    [{ address: 0x0a000001, prefixlen: 8 }, 'invalid route.dst "10.0.0.1/8": has host bits set; the network is 10.0.0.0/8'],
    [{ address: six, prefixlen: 64 }, 'invalid route.dst "2001:db8::1/64": has host bits set; the network is 2001:db8::/64'],
    [{ address: 0x0a000000, prefixlen: 33 }, 'invalid route.dst "10.0.0.0/33": prefix length must be a number from 0 to 32'],
    [{ address: six, prefixlen: 1.5 }, 'invalid route.dst "2001:db8::1/1.5": prefix length must be a number from 0 to 128'],
    [{ address: 2 ** 32 }, 'invalid route.dst 4294967296: must be an IPv4 address as a u32 (0 to 0xffffffff)'],
    [{ address: -1 }, 'invalid route.dst -1: must be an IPv4 address as a u32 (0 to 0xffffffff)'],
    [
      { address: new Uint8Array(5) },
      'invalid route.dst "Uint8Array(5 bytes)": must be an IPv4 address as a u32, or the 4 or 16 bytes of an address (a Uint8Array)',
    ],
    [
      { address: new Uint16Array(2) },
      'invalid route.dst "Uint16Array(4 bytes)": must be an IPv4 address as a u32, or the 4 or 16 bytes of an address (a Uint8Array)',
    ],
    [{ address: '10.0.0.0' }, 'invalid route.dst "10.0.0.0": must be an IPv4 address as a u32, or the 4 or 16 bytes of an address (a Uint8Array)'],
    [{ address: 10n }, 'invalid route.dst 10n: must be an IPv4 address as a u32, or the 4 or 16 bytes of an address (a Uint8Array)'],
    [{ address: NaN }, 'invalid route.dst "NaN": must be an IPv4 address as a u32 (0 to 0xffffffff)'],
    [{ address: Infinity }, 'invalid route.dst "Infinity": must be an IPv4 address as a u32 (0 to 0xffffffff)'],
    // The 4 bytes themselves, not in { address }.
    [
      new Uint8Array([10, 0, 0, 0]),
      'invalid route.dst "Uint8Array(4 bytes)": must be { address, prefixlen? }: an IPv4 address as a u32, or the 4 or 16 bytes of an address',
    ],
  ];
  for (const [dst, message] of cases) {
    const e = (() => {
      try {
        routeRequest('routeAdd', { dst: /** @type {any} */ (dst), dev: 1 });
      } catch (err) {
        return err;
      }
    })();
    assert.instance(e, ValidationError, message);
    assert.is(e.field, 'route.dst');
    assert.is(e.message, message);
  }
  // A length that is not a number is named as the length.
  assert.throws(
    () => routeRequest('routeAdd', { dst: { address: 0, prefixlen: /** @type {any} */ ('8') }, dev: 1 }),
    (e) => e instanceof ValidationError && e.field === 'route.dst.prefixlen' && e.message === 'invalid route.dst.prefixlen "8": must be a number from 0 to 32',
  );
  assert.throws(
    () => checkBinaryPrefix('dst', /** @type {any} */ (null)),
    (e) => e instanceof ValidationError && e.message.startsWith('invalid dst null: must be { address, prefixlen? }'),
  );
  // The family asked for, and the gateway's, must match the destination's.
  assert.throws(() => routeRequest('routeAdd', { dst: { address: six }, family: 4, dev: 1 }), /route.dst "2001:db8::1": is IPv6 but IPv4 is required here/);
  assert.throws(
    () => routeRequest('routeAdd', { dst: { address: 0x0a000000, prefixlen: 8 }, gateway: '2001:db8::2' }),
    (e) => e.field === 'route.gateway',
  );
});

builder('routeRequests: the bytes and words of routeRequest for each destination; the spec checked once', () => {
  const spec = { gateway: '10.1.2.1', metric: 50, table: 1000, mtu: 1400 };
  const dsts = [
    '10.9.0.0/16',
    { address: 0x0a0a0000, prefixlen: 16 },
    { address: new Uint8Array([10, 11, 0, 0]), prefixlen: 16 },
    'default',
    '10.12.0.7',
    0x0a0d0001,
  ];
  const reqs = [...routeRequests('routeReplace', spec, dsts, 'v0')];
  assert.is(reqs.length, dsts.length);
  dsts.forEach((dst, i) => {
    const one = routeRequest('routeReplace', { ...spec, dst: typeof dst === 'number' ? { address: dst } : dst }, 'v0');
    assert.is(hex(requestBytes(reqs[i], i)), hex(requestBytes(one, i)), JSON.stringify(dst));
    assert.is(reqs[i].what, one.what);
    assert.is(reqs[i].type, one.type);
    assert.is(reqs[i].flags, one.flags);
  });
  assert.is(reqs[1].what, 'routeReplace 10.10.0.0/16 via 10.1.2.1 table 1000');
  assert.is(reqs[5].what, 'routeReplace 10.13.0.1/32 via 10.1.2.1 table 1000');
  // A number first, too; and as a number only IPv4 (a u32), refused for an IPv6 sequence.
  assert.is(
    hex(requestBytes([...routeRequests('routeAdd', { dev: 2 }, [0xc6120001])][0])),
    hex(requestBytes(routeRequest('routeAdd', { dst: '198.18.0.1/32', dev: 2 }))),
  );
  assert.throws(
    () => [...routeRequests('routeAdd', { dev: 2 }, ['2001:db8::/32', 7])],
    (e) => e instanceof ValidationError && /is IPv4 but IPv6 is required/.test(e.message),
  );
  assert.throws(
    () => [...routeRequests('routeAdd', { dev: 2 }, ['10.0.0.0/8', 2 ** 32])],
    (e) => e instanceof ValidationError && e.field === 'route.dst',
  );
  // IPv6 and multipath: the attributes after RTA_DST are copied whole.
  const six = {
    nexthops: [
      { gateway: '2001:db8::2', dev: 4, weight: 3 },
      { gateway: '2001:db8::3', dev: 5 },
    ],
    type: /** @type {const} */ ('unicast'),
  };
  const sixDsts = ['2001:db8:1::/48', { address: Buffer.from('20010db8000200000000000000000000', 'hex'), prefixlen: 48 }];
  [...routeRequests('routeAdd', six, sixDsts)].forEach((r, i) => {
    assert.is(hex(requestBytes(r)), hex(requestBytes(routeRequest('routeAdd', { ...six, dst: sixDsts[i] }))));
  });
  assert.equal([...routeRequests('routeAdd', spec, [])], []);
});

builder('routeRequests: a refused destination ends the sequence with its ValidationError; one family for all', () => {
  assert.is(typeof routeRequests('routeAdd', { dev: 3 }, [])[Symbol.iterator], 'function', 'an iterable (bulk takes it)');
  const it = routeRequests('routeAdd', { dev: 3 }, ['10.0.0.0/8', { address: 0x0b000000, prefixlen: 8 }, '2001:db8::/32', '12.0.0.0/8']);
  assert.ok(it.next().value);
  assert.ok(it.next().value);
  assert.throws(
    () => it.next(),
    (e) => e instanceof ValidationError && e.field === 'route.dst' && /IPv6 but IPv4 is required/.test(e.message),
  );
  assert.ok(it.next().done, 'nothing after the refused one');
  // 'default' is the default route of the sequence's family, whichever place it has.
  const six = [...routeRequests('routeAdd', { dev: 7 }, ['2001:db8::/32', 'default'])][1];
  assert.is(hex(requestBytes(six)), hex(requestBytes(routeRequest('routeAdd', { dst: 'default', dev: 7, family: 6 }))));
  assert.is(six.what, 'routeAdd default dev #7');
  assert.throws(
    () => [...routeRequests('routeAdd', { dev: 7 }, ['default', '2001:db8::/32'])],
    (e) => e instanceof ValidationError && /is IPv6 but IPv4 is required/.test(e.message),
  );
  assert.is(
    hex(requestBytes([...routeRequests('routeAdd', { dev: 7, family: 6 }, ['default', '2001:db8::/32'])][1])),
    hex(requestBytes(routeRequest('routeAdd', { dst: '2001:db8::/32', dev: 7 }))),
  );
  // The spec must be an object, and is read as it was given.
  assert.throws(
    () => routeRequests('routeDel', /** @type {any} */ (null), ['10.0.0.0/8']),
    (e) => e instanceof ValidationError && e.field === 'route' && e.message === 'invalid route null: must be an object',
  );
  const spec = { dev: 3, table: 100 };
  const later = routeRequests('routeAdd', spec, ['10.0.0.0/8', '11.0.0.0/8']);
  spec.table = 200;
  assert.equal(
    [...later].map((r) => r.what),
    ['routeAdd 10.0.0.0/8 dev #3 table 100', 'routeAdd 11.0.0.0/8 dev #3 table 100'],
  );
  // The destinations' iterator is closed by a break, and by a refused destination.
  const source = () => {
    const state = { closed: false };
    const gen = (function* () {
      try {
        yield* ['10.0.0.0/8', '11.0.0.0/8', '2001:db8::/32', '12.0.0.0/8'];
      } finally {
        state.closed = true;
      }
    })();
    return { gen, state };
  };
  const a = source();
  for (const r of routeRequests('routeAdd', { dev: 3 }, a.gen)) if (r) break;
  assert.ok(a.state.closed, 'closed by a break');
  const b = source();
  assert.throws(
    () => [...routeRequests('routeAdd', { dev: 3 }, b.gen)],
    (e) => e instanceof ValidationError,
  );
  assert.ok(b.state.closed, 'closed by the refused destination');
  // The spec is checked with the first destination: a bad spec is refused at once.
  assert.throws(
    () => routeRequests('routeAdd', { dev: 3, table: 0 }, ['10.0.0.0/8']).next(),
    (e) => e instanceof ValidationError && e.field === 'route.table',
  );
  assert.throws(
    () => [...routeRequests('routeAdd', { dev: 3 }, ['10.0.0.0/8', { address: 0x0a000001, prefixlen: 8 }])],
    (e) => e instanceof ValidationError && e.message === 'invalid route.dst "10.0.0.1/8": has host bits set; the network is 10.0.0.0/8',
  );
});

builder.run();
