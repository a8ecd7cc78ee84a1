// randomBytes: getrandom(2) through libc.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from '@nsrun/sys';

test('n bytes, different each time; n outside 0..256 refused before any call', () => {
  assert.is(randomBytes(6).length, 6);
  assert.is(randomBytes(0).length, 0);
  const seen = new Set(Array.from({ length: 200 }, () => randomBytes(6).toString('hex')));
  assert.is(seen.size, 200, '48 random bits do not repeat in 200 draws');
  const ones = [...randomBytes(256)].reduce((n, b) => n + b.toString(2).split('1').length - 1, 0);
  assert.ok(ones > 900 && ones < 1150, `about half of 2048 bits set: ${ones}`);
  for (const n of [-1, 257, 1.5, NaN]) assert.throws(() => randomBytes(n), RangeError);
});

test.run();
