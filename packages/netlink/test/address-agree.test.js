// Every address parser of the toolkit gives the same answer for the same text: the wire
// encoder's parseIP, validate's checkAddress, nf's address matches and the runner's textToIp.
// (The review found `010.1.2.3` read as 10.1.2.3 by one and refused by the others.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAddress } from '@nsrun/netlink';
import { parseIP } from '@nsrun/netlink/wire';
import { match } from '@nsrun/netlink/nf';

const accepts = (fn) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

const V4 = [
  '10.1.2.3',
  '0.0.0.0',
  '255.255.255.255',
  '010.1.2.3',
  '1.2.3',
  '1.2.3.4.5',
  '256.1.1.1',
  '1.2.3.04',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '1..2.3',
  '01.2.3.4',
  '0.0.0.00',
];
const V6 = [
  '::',
  '::1',
  'fe80::1',
  '2001:db8::1',
  '::ffff:1.2.3.4',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  ':::1',
  '1::2::3',
  'fe80::1%eth0',
  '::ffff:01.2.3.4',
  'g::1',
  '12345::1',
];

test('IPv4 and IPv6: parseIP, checkAddress and match.ipDaddr/ip6Daddr agree on every text', () => {
  for (const text of [...V4, ...V6]) {
    const wire = accepts(() => parseIP(text));
    const validate = accepts(() => checkAddress('a', text));
    assert.is(wire, validate, `${JSON.stringify(text)}: parseIP ${wire}, checkAddress ${validate}`);
    const nf = accepts(() => (text.includes(':') ? match.ip6Daddr(text) : match.ipDaddr(text)));
    assert.is(nf, validate, `${JSON.stringify(text)}: match ${nf}, checkAddress ${validate}`);
  }
  assert.not.ok(accepts(() => parseIP('010.1.2.3')));
  assert.ok(accepts(() => parseIP('10.1.2.3')));
});

test('the same bytes where they accept', () => {
  for (const text of [...V4, ...V6]) {
    if (!accepts(() => checkAddress('a', text))) continue;
    const a = checkAddress('a', text);
    const want = a.family === 4 ? Buffer.from([a.v4 >>> 24, (a.v4 >>> 16) & 255, (a.v4 >>> 8) & 255, a.v4 & 255]) : a.bytes;
    assert.equal([...parseIP(text)], [...want], text);
  }
});

test.run();
