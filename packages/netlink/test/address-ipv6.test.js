// The IPv6 parser (wire/ip-text.ts, which parseIP, checkAddress, checkPrefix and every encoder
// use; parseIP here) against two references on the same texts: inet_pton(3) for which texts are addresses
// (Node's net.isIPv6 is libuv's inet_pton, the BIND code glibc's comes from), and ip-address
// (the parser validate.ts used before) for their bytes. The texts: hand-picked edge cases, and
// every address of a few group patterns written in each of its compressed and dotted forms,
// with one character changed, dropped or doubled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isIPv6 } from 'node:net';
import { Address6 } from 'ip-address';
import { checkAddress, checkPrefix } from '@nsrun/netlink';
import { parseIP } from '@nsrun/netlink/wire';

/** The 16 bytes, or undefined where parseIP refuses the text (or reads IPv4). */
const ipv6Bytes = (t) => {
  try {
    const b = parseIP(t);
    return b.length === 16 ? b : undefined;
  } catch {
    return undefined;
  }
};

const EDGES = [
  '::',
  '::1',
  '1::',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7::8',
  '1:2:3:4:5:6::7:8',
  '1:2:3:4:5:6:7:8:9',
  ':1::2',
  '1::2:',
  ':::',
  ':::1',
  '1:::2',
  '1::2::3',
  '::ffff:1.2.3.4',
  '::1.2.3.4',
  '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  '1.2.3.4::',
  '::1.2.3.4:1',
  '::ffff:01.2.3.4',
  '::ffff:1.2.3',
  '::ffff:256.1.1.1',
  'fe80::1%eth0',
  '2001:db8::/32',
  '[::1]',
  ' ::1',
  '::1 ',
  'g::1',
  '12345::1',
  '00000::1',
  '0000::1',
  'ABCD:ef01::',
  '',
  ':',
  '1:2',
];

function* variants() {
  const patterns = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1],
    [0xfe80, 0, 0, 0, 0x1, 0x2ff, 0xfe00, 0x1234],
    [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304],
    [1, 0, 2, 0, 0, 3, 0, 4],
    [0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff],
  ];
  for (const g of patterns) {
    const full = g.map((x) => x.toString(16));
    const forms = [full.join(':'), g.map((x) => x.toString(16).padStart(4, '0')).join(':')];
    // `::` in place of every run of zero groups (one or more)
    for (let i = 0; i < 8; i++)
      for (let j = i + 1; j <= 8; j++) if (g.slice(i, j).every((x) => x === 0)) forms.push(`${full.slice(0, i).join(':')}::${full.slice(j).join(':')}`);
    // the last two groups as a dotted quad
    for (const f of [...forms]) {
      const parts = f.split(':');
      if (parts.length >= 3 && !f.endsWith('::')) {
        const hi = g[6];
        const lo = g[7];
        forms.push(`${parts.slice(0, -2).join(':')}:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
      }
    }
    for (const f of forms) {
      yield f;
      yield f.toUpperCase();
      for (let k = 0; k < f.length; k++) {
        yield f.slice(0, k) + f.slice(k + 1);
        yield f.slice(0, k) + f[k] + f.slice(k);
        yield `${f.slice(0, k)}:${f.slice(k + 1)}`;
      }
    }
  }
}

const texts = [...new Set([...EDGES, ...variants()])];

// Node's isIPv6 also takes a zone (fe80::1%eth0), which inet_pton(3) does not; nsrun refuses one
// (the kernel takes a link index, not a zone), as it did.
test(`accepts exactly what inet_pton accepts (${texts.length} texts)`, () => {
  const wrong = texts.filter((t) => (ipv6Bytes(t) !== undefined) !== (isIPv6(t) && !t.includes('%')));
  assert.equal(
    wrong.map((t) => `${JSON.stringify(t)}: ours ${ipv6Bytes(t) !== undefined}, inet_pton ${isIPv6(t)}`),
    [],
  );
});

test('the bytes ip-address gives, for every address', () => {
  let n = 0;
  for (const t of texts) {
    const ours = ipv6Bytes(t);
    if (ours === undefined) continue;
    n++;
    assert.ok(Address6.isValid(t), `${t}: ip-address refuses it`);
    assert.is(ours.toString('hex'), new Address6(t).canonicalForm().replace(/:/g, ''), t);
  }
  assert.ok(n > 100, `only ${n} addresses in the corpus`);
});

test('checkAddress and checkPrefix: the same bytes, the RFC 5952 text, and the old refusals', () => {
  const a = checkAddress('a', '2001:0DB8:0:0:0:0:0:1');
  assert.equal(a, { family: 6, address: '2001:db8::1', bytes: Buffer.from('20010db8000000000000000000000001', 'hex') });
  assert.is(checkAddress('a', '::ffff:1.2.3.4').address, '::ffff:1.2.3.4');
  // With a family asked for, the type says which (v4 is a number, bytes a Buffer: the test's
  // type check fails on a checkAddress that returns the union).
  /** @type {number} */
  const v4 = checkAddress('a', '10.1.2.3', 4).v4;
  assert.is(v4, 0x0a010203);
  /** @type {Buffer} */
  const bytes = checkAddress('a', '::1', 6).bytes;
  assert.is(bytes.length, 16);
  const p = checkPrefix('p', '2001:db8::/32');
  assert.is(p.family, 6);
  assert.is(p.prefixlen, 32);
  assert.throws(() => checkAddress('a', 'fe80::1%eth0'), /is not a valid IPv4 or IPv6 address/);
  assert.throws(() => checkAddress('a', '2001:db8::/32'), /without a prefix length/);
  assert.throws(() => checkPrefix('p', '1::2::3/64'), /is not a valid IPv4 or IPv6 address/);
});

test.run();
