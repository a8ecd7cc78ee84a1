// The same network configuration through the reference `bridge` plugin and through nsrun's
// (`"type": "nsrun"`, the file otherwise unchanged): the same kernel state, as `ip -j -d` shows
// the bridge, the host veth, the container's interface, its addresses and routes, and a result
// of the same shape. Each plugin works in a "host" network namespace of its own.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { NetNs } from '@nsrun/sys';
import { ipIn, kernelSuite, settledOperstate, skip } from '@nsrun/test-helpers/kernel';
import { removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';
import { cni, pluginDir, referenceSkipReason } from '@nsrun/test-helpers/cni';

const k = kernelSuite('CNI: nsrun against the reference bridge plugin');
let bin;
k.before(() => {
  bin = pluginDir();
});
k.after(() => bin && rmSync(bin, { recursive: true, force: true }));
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.refHost = NetNs.create();
  ipIn(ctx.refHost, 'link', 'set', 'lo', 'up');
  ctx.conts = [NetNs.create(), NetNs.create()];
});
k.after.each((ctx) => {
  for (const c of [...ctx.conts, ctx.refHost]) c.close();
  removeStateDir(ctx.state);
});

const pick = (o, keys) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
const addrs = (l) =>
  l.addr_info.filter((a) => a.family === 'inet').map((a) => pick(a, ['local', 'prefixlen', 'broadcast', 'scope', 'dynamic', 'noprefixroute']));
const link = (l) => ({
  ...pick(l, ['flags', 'mtu', 'link_type', 'txqlen', 'master', 'promiscuity']),
  operstate: settledOperstate(l),
  kind: l.linkinfo?.info_kind,
  slave: l.linkinfo?.info_slave_kind,
  hairpin: l.linkinfo?.info_slave_data?.hairpin,
  addrs: addrs(l),
});
const routes = (ns) =>
  ipIn(ns, '-j', 'route', 'show', 'table', 'all')
    .filter((r) => r.table !== 'local')
    .map((r) => pick(r, ['type', 'dst', 'gateway', 'dev', 'protocol', 'scope', 'prefsrc', 'flags', 'table', 'metric']));
/** What a result is made of, names and MAC addresses aside. */
const shape = (r) => ({
  keys: Object.keys(r).sort(),
  interfaces: r.interfaces.map((i) => ({ keys: Object.keys(i).sort(), sandbox: i.sandbox !== undefined })),
  ips: r.ips,
  routes: r.routes,
  dns: r.dns,
});

/** Runs `conf` through `type` in `host` for container `cont`; the state the kernel shows. */
function through(ctx, host, type, conf, cont, id) {
  const add = cni(host, bin, type, 'ADD', { ...conf, type }, { id, netns: cont.procPath, ifname: 'eth0' });
  assert.is(add.status, 0, `${type} ADD: ${add.stdout}${add.stderr}`);
  const veth = add.out.interfaces[1].name;
  const read = () => ({
    bridge: link(ipIn(host, '-j', '-d', 'addr', 'show', 'dev', conf.bridge)[0]),
    veth: link(ipIn(host, '-j', '-d', 'addr', 'show', 'dev', veth)[0]),
    eth0: link(ipIn(cont, '-j', '-d', 'addr', 'show', 'dev', 'eth0')[0]),
    containerLinks: ipIn(cont, '-j', 'link').map((l) => `${l.ifname} ${l.operstate}`),
    routes: routes(cont),
    hostRoutes: routes(host).map((r) => (r.dev === veth ? { ...r, dev: 'VETH' } : r)),
    forward: ipIn(host, 'netconf', 'show', 'dev', conf.bridge).includes('forwarding on'),
  });
  return { add, read, del: () => cni(host, bin, type, 'DEL', { ...conf, type, prevResult: add.out }, { id, netns: cont.procPath, ifname: 'eth0' }) };
}

/**
 * The state once the kernel has settled: linkwatch updates operstates up to a second after a
 * carrier change, later on a loaded machine (it waits for the RTNL lock). So it is read again
 * until two reads 1.1 s apart agree, for up to ~22 s.
 */
function settled(x) {
  let a = x.read();
  for (let i = 0; i < 20; i++) {
    execFileSync('sleep', ['1.1']);
    const b = x.read();
    if (JSON.stringify(a) === JSON.stringify(b)) return b;
    a = b;
  }
  return a;
}

/** @type {[string, (dir: string) => object][]} */
const configs = [
  [
    'a gateway bridge, host-local IPAM with a default route',
    (d) => ({
      cniVersion: '1.0.0',
      name: 'cmp',
      bridge: 'cni0',
      isGateway: true,
      ipMasq: false,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.40.0.0/24', gateway: '10.40.0.1' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: d },
    }),
  ],
  [
    'isDefaultGateway, mtu 1400, hairpinMode, two ranges (the first a /30), a route with its own gw',
    (d) => ({
      cniVersion: '1.0.0',
      name: 'cmp',
      bridge: 'br-cmp',
      isDefaultGateway: true,
      mtu: 1400,
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: '10.41.0.0/30', rangeStart: '10.41.0.2', rangeEnd: '10.41.0.2' }, { subnet: '10.42.0.0/16' }]],
        routes: [{ dst: '192.0.2.0/24', gw: '10.41.0.1' }],
        dataDir: d,
      },
      dns: { nameservers: ['10.41.0.1'], search: ['cluster.local'] },
    }),
  ],
  [
    'no gateway on the bridge (isGateway false), 0.4.0',
    (d) => ({
      cniVersion: '0.4.0',
      name: 'cmp',
      bridge: 'cni1',
      ipam: { type: 'host-local', subnet: '10.43.0.0/24', dataDir: d },
    }),
  ],
];

for (const [what, make] of configs) {
  k(`same kernel state and result shape: ${what}`, (ctx) => {
    if (referenceSkipReason) return skip(referenceSkipReason);
    const ref = through(ctx, ctx.refHost, 'bridge', make(`${ctx.state}/ref-ipam`), ctx.conts[0], 'cmp1');
    const ours = through(ctx, ctx.ns, 'nsrun', { ...make(`${ctx.state}/our-ipam`), stateDir: ctx.state }, ctx.conts[1], 'cmp1');
    assert.equal(settled(ours), settled(ref));
    assert.equal(shape(ours.add.out), shape(ref.add.out));
    for (const x of [ref, ours]) assert.is(x.del().status, 0);
  });
}

k("the nsrun IPAM with host-local's keys gives what host-local gives (address, gateway, routes)", (ctx) => {
  if (referenceSkipReason) return skip(referenceSkipReason);
  const ipam = { ranges: [[{ subnet: '10.44.0.0/24', rangeStart: '10.44.0.10', rangeEnd: '10.44.0.20' }]], routes: [{ dst: '0.0.0.0/0' }] };
  const conf = { cniVersion: '1.0.0', name: 'cmp', bridge: 'cni0', isGateway: true };
  const ref = through(ctx, ctx.refHost, 'bridge', { ...conf, ipam: { type: 'host-local', ...ipam, dataDir: `${ctx.state}/ref-ipam` } }, ctx.conts[0], 'cmp2');
  const ours = through(ctx, ctx.ns, 'nsrun', { ...conf, stateDir: ctx.state, ipam: { type: 'nsrun', ...ipam } }, ctx.conts[1], 'cmp2');
  assert.equal(settled(ours), settled(ref));
  assert.equal(shape(ours.add.out), shape(ref.add.out));
  for (const x of [ref, ours]) assert.is(x.del().status, 0);
});

k.run();
