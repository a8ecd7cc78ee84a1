// `nsrun ip -batch FILE|-` next to `ip -batch`: the same file run in two fresh namespaces
// leaves the same links, addresses, routes and neighbours; failures are named by line as ip
// names them; -force runs every line, pipelined (strace counts the sends).
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { NetNs } from '@nsrun/sys';
import { ipIn, kernelSuite, settledOperstate, shIn } from '@nsrun/test-helpers/kernel';
import { MAIN, ipRun, nsrun, quiet } from './helpers/ip-compare.js';

const k = kernelSuite('nsrun ip -batch');

let dir;
k.before(() => {
  dir = mkdtempSync('/tmp/nsrun-batch-test-');
});
k.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name, text) {
  const p = `${dir}/${name}`;
  writeFileSync(p, text);
  return p;
}

const TOPOLOGY = `# a topology, as a script would write it
link add br0 type bridge stp_state 0
link add v0 address 02:00:00:00:01:00 type veth peer name v1 address 02:00:00:00:01:01
link add w0 address 02:00:00:00:02:00 type veth peer name w1 address 02:00:00:00:02:01
link set br0 address 02:00:00:00:00:01
link set v0 master br0   # a port
link set dev v0 up
link set br0 \\
    up
link set v1 up mtu 1400
link set w1 group 7
link set w0 alias "spare pair, unused"
address add 10.0.0.1/24 dev br0
address add 10.0.0.2/24 brd + dev br0 label br0:two
addr add 192.168.7.1 peer 192.168.7.2 dev v1
route add 10.9.0.0/16 via 10.0.0.254
route add 10.8.0.0/16 via 10.0.0.253 dev br0 metric 5 table 100
route add blackhole 10.7.0.0/16
route add 10.6.0.0/16 nexthop via 10.0.0.3 dev br0 weight 2 nexthop via 10.0.0.4 dev br0
route replace 10.9.0.0/16 via 10.0.0.250
route append 10.5.0.0/16 dev br0 metric 9
neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev br0
neigh replace 10.0.0.10 lladdr 02:00:00:00:00:0a dev br0 nud stale
link set w1 name spare1
address add 10.3.0.1/24 dev spare1
link add x0 type bridge
link set x0 up
link del x0

`;

/** What a namespace holds, as ip -j shows it (no IPv6: the namespaces are quiet). */
function state(ns) {
  return {
    // (UNKNOWN with carrier is UP: settledOperstate)
    links: ipIn(ns, '-j', '-d', 'link', 'show').map(({ linkinfo, ...l }) => ({ ...l, operstate: settledOperstate(l), kind: linkinfo?.info_kind })),
    // (the address listing repeats each link's operstate)
    addrs: ipIn(ns, '-j', 'address', 'show').map((l) => ({ ...l, operstate: settledOperstate(l) })),
    routes: ipIn(ns, '-j', 'route', 'show', 'table', 'all'),
    // (the kernel lists neighbours in hash order)
    neigh: ipIn(ns, '-j', 'neigh', 'show').sort((a, b) => a.dst.localeCompare(b.dst)),
  };
}

/**
 * The state once it stops moving: a bridge's operstate follows its ports when the kernel's
 * linkwatch runs, which it does at most once a second (net/core/link_watch.c), so two looks
 * further apart than that.
 */
async function settled(ns) {
  for (let prev = state(ns); ;) {
    await sleep(1100);
    const now = state(ns);
    if (JSON.stringify(now) === JSON.stringify(prev)) return now;
    prev = now;
  }
}

/**
 * Both states, once they agree or 20 s have passed: on a loaded machine linkwatch can lag
 * past one second, so either side may still look unsettled (a NO-CARRIER that goes) at first.
 */
async function agreed(ns, reference) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const want = await settled(reference);
    const got = state(ns);
    if (JSON.stringify(got) === JSON.stringify(want) || Date.now() > deadline) return { got, want };
  }
}

function fresh() {
  const ns = NetNs.create();
  shIn(ns, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; ip link set lo up');
  return ns;
}

k('a topology file: nsrun ip -batch and ip -batch leave the same links, addresses, routes and neighbours (also with -force, and from stdin)', async (ctx) => {
  const f = file('topology', TOPOLOGY);
  const reference = fresh();
  try {
    const r = spawnSync('nsenter', [`--net=${reference.procPath}`, 'ip', '-batch', f], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const want = await settled(reference);
    assert.ok(want.links.some((l) => l.ifname === 'spare1') && !want.links.some((l) => l.ifname === 'x0'));
    for (const args of [
      ['-batch', f],
      ['-force', '-batch', f],
      ['-batch', '-'],
    ]) {
      const ns = fresh();
      try {
        const got = spawnSync('nsenter', [`--net=${ns.procPath}`, process.execPath, MAIN, 'ip', ...args], {
          encoding: 'utf8',
          input: args.includes('-') ? TOPOLOGY : '',
        });
        assert.equal([got.status, got.stdout, got.stderr], [0, '', ''], args.join(' '));
        const both = await agreed(ns, reference);
        assert.equal(both.got, both.want, args.join(' '));
      } finally {
        ns.close();
      }
    }
  } finally {
    reference.close();
  }
});

const FAILING = `link add br0 type bridge
link add br0 type bridge
# the second br0 fails (line 2)
link add v0 type veth \\
  peer name v1
addr add 10.0.0.1/24 dev nosuch
addr add 10.0.0.1/24 dev br0
route add 10.9.0.0/16 via 10.7.7.7
link add v9 type veth peer name v10
`;

k(
  'failures: each named "Command failed FILE:LINE" at the lines ip names; without -force the first one stops the batch, with -force every line runs (exit 1)',
  async (ctx) => {
    quiet(ctx);
    const f = file('failing', FAILING);
    const lines = (s) => [...s.matchAll(/^Command failed (.*):(\d+)$/gm)].map((m) => `${m[1]}:${m[2]}`);
    const names = () => ctx.ip('-j', 'link', 'show').map((l) => l.ifname);

    const ip = ipRun(ctx, ['-batch', f]);
    assert.equal([ip.status, lines(ip.stderr)], [1, [`${f}:2`]], ip.stderr);
    const ipNames = names();
    ctx.ip('link', 'del', 'br0');
    let r = nsrun(ctx, ['ip', '-batch', f]);
    assert.equal([r.status, r.stdout], [1, '']);
    assert.is(r.stderr, `nsrun: linkAdd br0 (bridge): EEXIST (File exists)\nCommand failed ${f}:2\n`);
    assert.equal(names(), ipNames, 'nothing after the failing line ran');
    ctx.ip('link', 'del', 'br0');

    const ipForce = ipRun(ctx, ['-force', '-batch', f]);
    const forced = lines(ipForce.stderr);
    const ipForcedNames = names().sort();
    for (const l of ['br0', 'v0', 'v9']) ctx.ip('link', 'del', l);
    r = nsrun(ctx, ['ip', '-force', '-batch', f]);
    assert.is(r.status, 1);
    assert.equal(lines(r.stderr), forced);
    assert.equal(lines(r.stderr), [`${f}:2`, `${f}:6`, `${f}:8`]);
    assert.match(
      r.stderr,
      /^nsrun: linkAdd br0 \(bridge\): EEXIST \(File exists\)\nCommand failed [^\n]*:2\nnsrun: linkGet nosuch: ENODEV \(No such device\)\nCommand failed [^\n]*:6\nnsrun: routeAdd 10\.9\.0\.0\/16 via 10\.7\.7\.7: ENETUNREACH \(Network is unreachable\)[^\n]*\nCommand failed [^\n]*:8\n$/,
    );
    assert.equal(names().sort(), ipForcedNames, 'the lines after each failure ran');
    assert.equal(
      ctx.ip('-j', 'addr', 'show', 'dev', 'br0')[0].addr_info.map((a) => a.local),
      ['10.0.0.1'],
    );
  },
);

k('a malformed line refuses the whole batch before anything is made (exit 2, its line named); with -force it is one failing line', async (ctx) => {
  const f = file('malformed', 'link add br0 type bridge\nlink add v0 type veth peer name v1\nlink set v0 frobnicate\naddr add 10.0.0.1/24 dev br0\n');
  let r = nsrun(ctx, ['ip', '-batch', f]);
  assert.is(r.status, 2);
  assert.is(r.stderr, `nsrun: ip link set: unexpected argument "frobnicate"\nTry "nsrun ip link set help".\nCommand failed ${f}:3\n`);
  assert.equal(
    ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
    ['lo'],
    'nothing was made',
  );
  r = nsrun(ctx, ['ip', '-force', '-batch', f]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /unexpected argument "frobnicate"\n.*\nCommand failed [^\n]*:3\n$/);
  assert.equal(
    ctx.ip('-j', 'addr', 'show', 'dev', 'br0')[0].addr_info.map((a) => a.local),
    ['10.0.0.1'],
  );
  r = nsrun(ctx, ['ip', '-batch', `${dir}/no-such-file`]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^nsrun: ip -batch: cannot read .*no-such-file: ENOENT/);
  r = nsrun(ctx, ['ip', '-batch', '-'], { input: "link add 'br9 type bridge\n" });
  assert.is(r.status, 2);
  assert.match(r.stderr, /line 1: unterminated quoted string/);
});

k('show and get lines print in order between the changes, as ip prints them', async (ctx) => {
  quiet(ctx);
  // (addr show before link show: ip 6.1 keeps link show's mode for later lines of a batch.)
  const text =
    'link add v0 address 02:00:00:00:01:00 type veth peer name v1 address 02:00:00:00:01:01\naddr show dev v0\naddr add 10.0.0.1/24 dev v0\nlink set v0 up\nlink set v1 up\nroute get 10.0.0.7\naddr show dev v0\nlink show v0\nlink del v0\nlink show\n';
  const ours = nsrun(ctx, ['ip', '-batch', '-'], { input: text });
  assert.is(ours.status, 0, ours.stderr);
  const ns = fresh();
  try {
    const theirs = spawnSync('nsenter', [`--net=${ns.procPath}`, 'ip', '-batch', '-'], { encoding: 'utf8', input: text });
    const trim = (s) =>
      s
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n');
    assert.fixture(ours.stdout, trim(theirs.stdout));
  } finally {
    ns.close();
  }
});

k('-force sends the lines pipelined (a few sendto for 2000 routes); without -force one per line', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('link', 'set', 'v0', 'up');
  ctx.ip('link', 'set', 'v1', 'up');
  const routes = Array.from({ length: 2000 }, (_, i) => `route add 10.50.${i >> 8}.${i & 255}/32 dev v0`).join('\n');
  const f = file('routes', `${routes}\n`);
  const sends = (args) => {
    const log = `${dir}/strace-${args.length}`;
    const r = spawnSync(
      'nsenter',
      [`--net=${ctx.ns.procPath}`, 'strace', '-f', '-qq', '-e', 'trace=sendto,sendmsg', '-o', log, process.execPath, MAIN, 'ip', ...args],
      { encoding: 'utf8' },
    );
    assert.is(r.status, 0, r.stderr);
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => /nlmsg_len=/.test(l)).length;
  };
  const forced = sends(['-force', '-batch', f]);
  assert.ok(forced <= 10, `${forced} netlink sends for 2000 lines with -force`);
  assert.is(ctx.ip('-j', 'route', 'show').filter((r) => r.dst.startsWith('10.50.')).length, 2000);
  ctx.ip('link', 'set', 'v0', 'down'); // takes the routes away
  ctx.ip('link', 'set', 'v0', 'up');
  const plain = sends(['-batch', f]);
  assert.ok(plain >= 2000, `${plain} netlink sends for 2000 lines without -force`);
});

k.run();
