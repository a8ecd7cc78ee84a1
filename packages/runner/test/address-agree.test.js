// The runner's IPv4 parser (leases, records) answers as @nsrun/netlink's checkAddress does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAddress } from '@nsrun/netlink';
import { textToIp } from '../dist/state/leases.js';

const accepts = (fn) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

test('textToIp and checkAddress agree on IPv4 texts, and on the value', () => {
  for (const text of ['10.1.2.3', '0.0.0.0', '255.255.255.255', '010.1.2.3', '1.2.3', '256.1.1.1', '1.2.3.04', ' 1.2.3.4', '1..2.3', '::1']) {
    const v = accepts(() => checkAddress('a', text, 4));
    assert.is(
      accepts(() => textToIp(text)),
      v,
      text,
    );
    if (!v) continue;
    const a = checkAddress('a', text, 4); // family 4 asked for, but the type is still the union
    assert.is(textToIp(text), a.family === 4 ? a.v4 : undefined, text);
  }
});

test.run();
