#!/usr/bin/env node
// nsrun group deletion: `group-delete.js N` in a fresh netns creates N veth pairs b{i}a/b{i}b
// with b{i}a in link group 1, both ends up (as in W1), then times one linkDelGroup(1): the
// kernel unregisters every pair in one batch (one RCU grace period) instead of one per
// RTM_DELLINK as in W5. Prints {"impl":"nsrun","N":..,"w1_ms":..,"del_group_ms":..}.
import { performance } from 'node:perf_hooks';
import { RtnlClient, linkAddRequest, linkSetRequest, linkDelGroup } from '@nsrun/netlink';
import { guardNetns, sizes } from './guard.js';

const WHO = 'nsrun group-delete';
guardNetns(WHO);
const { N } = sizes(WHO, [process.argv[2], '0']);
const GROUP = 1;

function check(step, results) {
  const bad = results.find((e) => e !== undefined);
  if (bad) {
    process.stderr.write(`${WHO}: ${step}: ${bad.message}\n`);
    process.exit(1);
  }
}

const c = RtnlClient.open();
const out = { impl: 'nsrun', N };
let t = performance.now();
const creates = [];
const ups = [];
for (let i = 0; i < N; i++) {
  creates.push(linkAddRequest({ name: `b${i}a`, kind: 'veth', up: true, group: GROUP, peer: { name: `b${i}b` } }));
  ups.push(linkSetRequest(`b${i}b`, { up: true }));
}
check('linkAdd', await c.bulk(creates));
check('linkSet up', await c.bulk(ups));
out.w1_ms = Math.round((performance.now() - t) * 1e3) / 1e3;
t = performance.now();
await linkDelGroup(c, GROUP);
out.del_group_ms = Math.round((performance.now() - t) * 1e3) / 1e3;
c.close();
process.stdout.write(JSON.stringify(out) + '\n');
