// Which subnets a bridge may not have (0/8, 127/8, 224/4, 240/4), to the last address at each
// edge. No privileges needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// state/ is not exported from the package's main index: import the built file itself.
const { parseGateway, unusableRange } = await import(new URL('./state/index.js', import.meta.resolve('@nsrun/runner')).href);
const why = (cidr) => unusableRange(parseGateway(cidr));

test('unusableRange: names the range a subnet touches, for any overlap', () => {
  for (const [cidr, range] of [
    ['0.0.0.1/8', '0.0.0.0/8 is "this network"'],
    ['0.255.255.1/24', '0.0.0.0/8 is "this network"'],
    ['127.1.0.1/16', '127.0.0.0/8 is loopback'],
    ['127.255.255.253/30', '127.0.0.0/8 is loopback'],
    ['224.0.0.1/24', '224.0.0.0/4 is multicast'],
    ['239.255.255.253/30', '224.0.0.0/4 is multicast'],
    ['240.0.0.1/8', '240.0.0.0/4 is reserved'],
    ['255.255.255.253/30', '240.0.0.0/4 is reserved'],
  ])
    assert.ok(why(cidr)?.startsWith(range), `${cidr}: ${why(cidr)}`);
  // A /8 is the widest subnet nsrun takes, so touching a range means lying inside it; the check
  // is an overlap all the same.
  for (const cidr of ['1.0.0.1/8', '126.255.255.1/24', '128.0.0.1/8', '223.255.255.1/24', '10.10.10.1/24', '192.168.0.1/16', '172.16.0.1/12']) {
    assert.is(why(cidr), undefined, cidr);
  }
});

test.run();
