// Address codec against real bytes: iproute2 RTM_NEWADDR requests (IPv4 and IPv6) and a kernel
// address dump (lo and v1, IPv4 and IPv6), all in ./fixtures (see capture.js there). Every
// fixture is decoded and checked field by field, and must re-encode to the same bytes.
// Expected values were read off the annotated fixture files, not produced by this codec.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  RTM_NEWADDR,
  NLMSG_DONE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_EXCL,
  NLM_F_CREATE,
  NLM_F_MULTI,
  IFA_LOCAL,
  IFA_ADDRESS,
  AF_INET,
  AF_INET6,
  IFA_F_PERMANENT,
  IFA_F_NODAD,
  IFA_F_TENTATIVE,
  RT_SCOPE_UNIVERSE,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
} from '@nsrun/netlink/constants';
import { Writer, findAttr } from '@nsrun/netlink/wire';
import { decodeMessages, encodeMessages, decodeAddr, encodeAddr, addrSchema } from '@nsrun/netlink/messages';
import { decodeAs, load, roundTripSuite } from './fixtures/load.js';

const NEW_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
const REQ_SEQ = 1795943684;
const DUMP = { type: RTM_NEWADDR, flags: NLM_F_MULTI, seq: 0x102, pid: 1 };
const FOREVER = 0xffffffff; // ifa_cacheinfo lifetime of a permanent address

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

// ---- decodeMessages: requests ---------------------------------------------------------------

const requests = suite('decodeMessages: iproute2 address requests');

requests('ip addr add 10.1.2.3/24 dev v0: IFA_LOCAL then IFA_ADDRESS', () => {
  const ms = decodeAs('addr', load('req-addr-add-v4'));
  assert.is(ms.length, 1);
  assert.is(ms[0].kind, 'addr');
  assert.equal(ms[0].header, { type: RTM_NEWADDR, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  assert.equal(ms[0].body, {
    family: AF_INET,
    prefixlen: 24,
    flags: 0,
    scope: RT_SCOPE_UNIVERSE,
    index: 4,
    attrs: [
      { type: 'local', value: '10.1.2.3' },
      { type: 'address', value: '10.1.2.3' },
    ],
  });
});

requests('ip -6 addr add 2001:db8::1/64 dev v0: 16-byte addresses in RFC 5952 text', () => {
  const ms = decodeAs('addr', load('req-addr-add-v6'));
  assert.is(ms.length, 1);
  assert.equal(ms[0].header, { type: RTM_NEWADDR, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  assert.equal(ms[0].body, {
    family: AF_INET6,
    prefixlen: 64,
    flags: 0,
    scope: 0,
    index: 4,
    attrs: [
      { type: 'local', value: '2001:db8::1' },
      { type: 'address', value: '2001:db8::1' },
    ],
  });
});

requests.run();

// ---- decodeMessages: dump -------------------------------------------------------------------

const dump = suite('decodeMessages: kernel address dump (v4 + v6)');

dump("six addresses, in the kernel's order: IPv4 first", () => {
  const ms = decodeAs('addr', load('dump-addr-1'));
  assert.is(ms.length, 6);
  for (const m of ms) {
    assert.is(m.kind, 'addr');
    assert.equal(m.header, DUMP);
    assert.equal(
      m.body.attrs.filter((a) => a.type === 'unknown'),
      [],
      'every IFA_* attribute decoded',
    );
    assert.ok(m.body.attrs.every((a) => addrSchema.byName.has(a.type)));
  }
  assert.equal(
    ms.map((m) => [m.body.family, m.body.index, val(m.body.attrs, 'address'), m.body.prefixlen]),
    [
      [AF_INET, 1, '127.0.0.1', 8],
      [AF_INET, 3, '10.1.2.3', 24],
      [AF_INET6, 1, '::1', 128],
      [AF_INET6, 3, '2001:db8::1', 64],
      [AF_INET6, 3, 'fe80::ec0d:9eff:fed7:a307', 64],
      [AF_INET6, 4, 'fe80::79:53ff:fee3:29b', 64],
    ],
  );
});

dump('IPv4 10.1.2.3/24 on v1: local, label, flags, cacheinfo', () => {
  const a = decodeAs('addr', load('dump-addr-1'))[1].body;
  assert.equal({ ...a, attrs: undefined }, { family: AF_INET, prefixlen: 24, flags: IFA_F_PERMANENT, scope: RT_SCOPE_UNIVERSE, index: 3, attrs: undefined });
  assert.equal(
    a.attrs.map((x) => x.type),
    ['address', 'local', 'label', 'flags', 'cacheinfo'],
  );
  assert.is(val(a.attrs, 'local'), '10.1.2.3');
  assert.is(val(a.attrs, 'label'), 'v1');
  assert.is(val(a.attrs, 'flags'), IFA_F_PERMANENT);
  const ci = val(a.attrs, 'cacheinfo');
  assert.equal(Object.keys(ci), ['preferred', 'valid', 'cstamp', 'tstamp']);
  assert.is(ci.preferred, FOREVER);
  assert.is(ci.valid, FOREVER);
  assert.is(ci.cstamp, 290310);
  assert.is(ci.tstamp, 290310);
});

dump('lo 127.0.0.1/8 has host scope', () => {
  const a = decodeAs('addr', load('dump-addr-1'))[0].body;
  assert.is(a.scope, RT_SCOPE_HOST);
  assert.is(val(a.attrs, 'label'), 'lo');
  assert.is(val(a.attrs, 'local'), '127.0.0.1');
});

dump('IPv6: no IFA_LOCAL or label; IFA_FLAGS carries NODAD / TENTATIVE; IFA_PROTO', () => {
  const ms = decodeAs('addr', load('dump-addr-1')).map((m) => m.body);
  const [lo6, global, ll1, ll0] = ms.slice(2);
  assert.is(lo6.scope, RT_SCOPE_HOST);
  assert.is(val(lo6.attrs, 'proto'), 1); // IFAPROT_KERNEL_LO
  assert.is(findAttr(global.attrs, 'local'), undefined);
  assert.is(findAttr(global.attrs, 'label'), undefined);
  assert.is(global.flags, IFA_F_PERMANENT | IFA_F_NODAD);
  assert.is(val(global.attrs, 'flags'), IFA_F_PERMANENT | IFA_F_NODAD);
  assert.is(findAttr(global.attrs, 'proto'), undefined);
  for (const ll of [ll1, ll0]) {
    assert.is(ll.scope, RT_SCOPE_LINK);
    assert.is(ll.flags, IFA_F_PERMANENT | IFA_F_TENTATIVE);
    assert.is(val(ll.attrs, 'proto'), 3); // IFAPROT_KERNEL_LL
    assert.is(val(ll.attrs, 'cacheinfo').valid, FOREVER);
  }
});

dump('then NLMSG_DONE in a datagram of its own', () => {
  const ms = decodeMessages(load('dump-addr-2'));
  assert.equal(ms, [{ kind: 'done', header: { type: NLMSG_DONE, flags: NLM_F_MULTI, seq: 0x102, pid: 1 }, body: { error: 0, attrs: [] } }]);
});

dump.run();

// ---- round trip -----------------------------------------------------------------------------

roundTripSuite('address', /^(req-addr-|dump-addr-)/, 4);

// ---- decodeAddr / encodeAddr ----------------------------------------------------------------

const body = suite('decodeAddr / encodeAddr');

body('each message of the dump, decoded in place and re-encoded alone', () => {
  const bytes = load('dump-addr-1');
  for (let off = 0; off < bytes.length; off += bytes.readUInt32LE(off)) {
    const end = off + bytes.readUInt32LE(off);
    const a = decodeAddr(bytes, off + 16, end);
    const w = new Writer();
    encodeAddr(w, a);
    assert.is(hex(w.toBuffer()), hex(bytes.subarray(off + 16, end)), `message at ${off}`);
  }
});

body('a payload shorter than struct ifaddrmsg is a DecodeError', () => {
  assert.throws(
    () => decodeAddr(load('req-addr-add-v4'), 16, 23),
    (e) => e.name === 'DecodeError' && e.offset === 16,
  );
});

body.run();

// ---- building requests ----------------------------------------------------------------------

const build = suite("Writer / encodeMessages: requests built from scratch equal iproute2's bytes");

build('encodeMessages: ip addr add 10.1.2.3/24 dev v0 and ip -6 addr add 2001:db8::1/64 dev v0', () => {
  /** @type {[string, number, number, string][]} */
  const cases = [
    ['req-addr-add-v4', AF_INET, 24, '10.1.2.3'],
    ['req-addr-add-v6', AF_INET6, 64, '2001:db8::1'],
  ];
  for (const [f, family, prefixlen, address] of cases) {
    const expected = load(f);
    const out = encodeMessages([
      {
        kind: 'addr',
        header: { type: RTM_NEWADDR, flags: NEW_FLAGS, seq: expected.readUInt32LE(8), pid: 0 },
        body: {
          family,
          prefixlen,
          flags: 0,
          scope: 0,
          index: 4,
          attrs: [
            { type: 'local', value: address },
            { type: 'address', value: address },
          ],
        },
      },
    ]);
    assert.is(hex(out), hex(expected), f);
  }
});

build('Writer: ip addr add 10.1.2.3/24 dev v0', () => {
  const expected = load('req-addr-add-v4');
  const w = new Writer();
  const at = w.beginMessage(RTM_NEWADDR, NEW_FLAGS, expected.readUInt32LE(8), 0);
  w.u8(AF_INET).u8(24).u8(0).u8(0).u32(4);
  w.attrBytes(IFA_LOCAL, Buffer.from([10, 1, 2, 3]));
  w.attrBytes(IFA_ADDRESS, Buffer.from([10, 1, 2, 3]));
  w.endMessage(at);
  assert.is(hex(w.toBuffer()), hex(expected));
});

build.run();
