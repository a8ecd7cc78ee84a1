#!/usr/bin/env node
// nsrun: the rtnetlink benchmark workloads done with @nsrun/netlink, following the contract of
// the peer harness (a set of rtnetlink benchmarks of iproute2, pyroute2, Go vishvananda/netlink,
// C libmnl and node_netlink, kept outside this repository): `bench-impl.js N R` inside a fresh netns, one JSON line on stdout.
//
//   W1  N veth pairs b{i}a/b{i}b, both ends up      bulk linkAdd with up: true (b{i}a comes up
//                                                   as it is created), each asking the kernel
//                                                   to echo the created link (NLM_F_ECHO): its
//                                                   ifindex comes back with it, kept for W2/W3;
//                                                   then bulk linkSet up of the peers by name
//                                                   (the kernel resolves IFLA_IFNAME: no
//                                                   lookups). N + N requests.
//   W2  b{i}a gets 100.64.x.y/32                    bulk addrAdd from a generator (built as
//                                                   they are sent), with W1's indexes: no
//                                                   lookup, as Go's W2 reuses the links its W1
//                                                   filled in (a GETLINK per link there). A
//                                                   kernel that does not echo a new link
//                                                   (before Linux 6.1) leaves indexes missing:
//                                                   then one linkIndexMap dump, inside W2
//                                                   (w2_lookup_ms), finds them.
//   W3  R routes 198.18.x.y/32 dev b0a scope link   bulk routeRequests (spec checked once), the
//                                                   destinations as numbers
//   W4  dump IPv4 table main, decode, count         routeList (the kernel filters the table)
//   W5  delete the N b{i}a                          bulk linkDel by name (peers and routes go too)
//
// Each workload is timed in-process around the work only (start-up, imports and the socket are
// outside). NLBENCH_STOP_AFTER=3 stops after W3 and leaves everything in place (the harness's
// --check). Any failed request ends the program with exit code 1.
// NSRUN_BENCH_W1=plain does W1 the way the C implementation does: both ends created down, then
// one link-up request per end (N + 2N requests).
import { performance } from 'node:perf_hooks';
import { RtnlClient, linkAddRequest, linkSetRequest, linkDelRequest, linkIndexMap, addrAddRequest, routeRequests, routeList } from '@nsrun/netlink';
import { IFINFOMSG_LEN, RTM_NEWLINK } from '@nsrun/netlink/constants';
import { guardNetns, sizes } from './bench/guard.js';

const WHO = 'nsrun';
guardNetns(WHO);
const { N, R } = sizes(WHO);
const stopAfter = Number.parseInt(process.env.NLBENCH_STOP_AFTER ?? '5', 10);
const plainW1 = process.env.NSRUN_BENCH_W1 === 'plain';

const ip4 = (a, b, i) => `${a}.${b + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
/** The same address as a u32 (a BinaryPrefix's address). */
const ip4n = (a, b, i) => ((a << 24) | ((b + (i >> 16)) << 16) | (i & 0xffff)) >>> 0;
const since = (t) => Math.round((performance.now() - t) * 1e3) / 1e3;

/** Sends the requests pipelined; the first failure ends the program. */
async function bulk(c, step, reqs, opts) {
  const results = await c.bulk(reqs, opts);
  const bad = results.findIndex((e) => e !== undefined);
  if (bad >= 0) {
    const failed = results.filter((e) => e !== undefined).length;
    process.stderr.write(`${WHO}: ${step}: ${failed} of ${results.length} requests failed; first: ${results[bad].message}\n`);
    process.exit(1);
  }
}

const c = RtnlClient.open();
const extra = {};
let t;

// Every workload's requests are built as bulk reads them (generators), as the library is meant
// to be used: only the requests whose answers are pending are alive at once, and nothing built
// for one workload is left for the garbage collector to walk in the next.

// W1: create the pairs, then bring up what is still down. The kernel echoes each created
// b{i}a (the peers are not echoed) as the answer to request i: its index is the echo's
// ifinfomsg.ifi_index, read from the header (decoding the whole link, ~50 attributes, for one
// number cost 8-19 ms of W1 at N=1000).
const indexA = new Array(N).fill(undefined);
t = performance.now();
await bulk(
  c,
  'W1 linkAdd',
  (function* () {
    for (let i = 0; i < N; i++) yield linkAddRequest({ name: `b${i}a`, kind: 'veth', up: !plainW1, peer: { name: `b${i}b` } }, { echo: true });
  })(),
  {
    onReply: (i, m) => {
      if (m.type === RTM_NEWLINK && indexA[i] === undefined && m.end - m.start >= IFINFOMSG_LEN) indexA[i] = m.buf.readInt32LE(m.start + 4);
    },
  },
);
extra.w1_create_ms = since(t);
await bulk(
  c,
  'W1 linkSet up',
  (function* () {
    for (let i = 0; i < N; i++) {
      if (plainW1) yield linkSetRequest(`b${i}a`, { up: true });
      yield linkSetRequest(`b${i}b`, { up: true });
    }
  })(),
);
const w1 = since(t);

// W2: the addresses, on the indexes W1 got (a dump only for any the kernel did not echo).
t = performance.now();
if (indexA.includes(undefined)) {
  const dumped = await linkIndexMap(c, { kind: 'veth' });
  for (let i = 0; i < N; i++) indexA[i] ??= dumped.get(`b${i}a`);
  extra.w2_lookup_ms = since(t);
}
const missing = indexA.indexOf(undefined);
if (missing >= 0) throw new Error(`W2: b${missing}a is not in the link dump`);
await bulk(
  c,
  'W2 addrAdd',
  (function* () {
    for (let i = 0; i < N; i++) yield addrAddRequest(indexA[i], `${ip4(100, 64, i)}/32`);
  })(),
);
const w2 = since(t);

// W3: R host routes through b0a: routes that differ only in their destination, so routeRequests
// checks the rest once; the destinations as numbers, as Go's W3 gives net.IPv4 bytes and C's a u32.
t = performance.now();
const dev = indexA[0];
await bulk(
  c,
  'W3 routeAdd',
  routeRequests(
    'routeAdd',
    { dev, scope: 'link' },
    (function* () {
      for (let j = 0; j < R; j++) yield ip4n(198, 18, j);
    })(),
  ),
);
const w3 = since(t);

let w4 = null,
  w4Count = null,
  w5 = null;
if (stopAfter >= 4) {
  // W4: dump and decode table main.
  t = performance.now();
  const list = await routeList(c, { family: 4, table: 254 });
  // Read each route's decoded fields, as the C implementation fills its struct.
  let count = 0;
  for (const r of list) if (r.table === 254 && r.oif === indexA[0] && r.dstLen === 32) count++;
  w4 = since(t);
  w4Count = count;
}
if (stopAfter >= 5) {
  // W5: one delete per pair.
  t = performance.now();
  await bulk(
    c,
    'W5 linkDel',
    (function* () {
      for (let i = 0; i < N; i++) yield linkDelRequest(`b${i}a`);
    })(),
  );
  w5 = since(t);
}
c.close();
const out = { impl: WHO, N, R, w1_ms: w1, w2_ms: w2, w3_ms: w3, w4_ms: w4, w4_count: w4Count, w5_ms: w5, ...extra };
process.stdout.write(JSON.stringify(out) + '\n');
