// The CNI plugin through nsrun netd: with netd's socket there, the launcher `nsrun cni install`
// writes hands each call to netd through a Perl shim (no Node start per call); the result is the
// plugin's own. Without netd, or with a socket no one listens on, the plugin runs as before.
// A caller other than root may not use it.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { NetNs } from '@nsrun/sys';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';
import { cni, netConf, pluginDir } from '@nsrun/test-helpers/cni';
import { netdDir, rawRequest, removeNetdDir, startNetd, until } from '@nsrun/test-helpers/netd';

const k = kernelSuite('nsrun CNI plugin through netd');
let bin;
k.before(() => {
  bin = pluginDir();
});
k.after(() => bin && rmSync(bin, { recursive: true, force: true }));
k.before.each(async (ctx) => {
  ctx.state = stateDir();
  ctx.dir = netdDir('# no user rules: CNI calls come from root\n');
  ctx.netd = await startNetd(ctx.ns, ctx.dir);
  ctx.env = { NSRUN_NETD_SOCKET: `${ctx.dir}/netd.sock` };
  ctx.conts = [];
});
k.after.each(async (ctx) => {
  await ctx.netd?.stop();
  for (const c of ctx.conts) c.close();
  removeNetdDir(ctx.dir);
  removeStateDir(ctx.state);
});

const cniLines = (ctx) =>
  ctx.netd
    .log()
    .split('\n')
    .filter((l) => / cni (ADD|DEL|CHECK|VERSION)/.test(l));

k('ADD, CHECK and DEL answered by netd: the plugin result, the container wired; netd logged each call', async (ctx) => {
  const c = NetNs.create();
  ctx.conts.push(c);
  const conf = netConf({ stateDir: ctx.state });
  const e = { id: 'cni-netd-1', netns: c.procPath, ifname: 'eth0', extra: ctx.env };
  const add = cni(ctx.ns, bin, 'nsrun', 'ADD', conf, e);
  assert.is(add.status, 0, add.stdout + add.stderr);
  assert.is(add.out.cniVersion, '1.0.0');
  assert.match(add.out.ips[0].address, /^10\.22\.0\.\d+\/24$/);
  const inside = JSON.parse(ipInside(c, '-j', 'addr', 'show', 'eth0'));
  assert.ok(
    inside[0].addr_info.some((a) => `${a.local}/${a.prefixlen}` === add.out.ips[0].address),
    'the address inside',
  );
  const check = cni(ctx.ns, bin, 'nsrun', 'CHECK', { ...conf, prevResult: add.out }, e);
  assert.is(check.status, 0, check.stdout);
  const del = cni(ctx.ns, bin, 'nsrun', 'DEL', conf, e);
  assert.is(del.status, 0, del.stdout);
  assert.equal(ctx.ip('-j', 'link', 'show', 'type', 'veth'), []);
  // (netd's log arrives through the event loop, which spawnSync held up)
  assert.ok(await until(() => cniLines(ctx).length === 3), ctx.netd.log());
});

k('an error is the plugin error, code and all, through netd (7: invalid configuration)', async (ctx) => {
  const r = cni(ctx.ns, bin, 'nsrun', 'ADD', '{"cniVersion":"1.0.0","name":"x","type":"nsrun","mtu":"big"}', {
    id: 'x',
    netns: '/proc/self/ns/net',
    ifname: 'eth0',
    extra: ctx.env,
  });
  assert.is(r.status, 1);
  assert.is(r.out.code, 7, r.stdout);
  assert.ok(await until(() => cniLines(ctx).length === 1), `answered by netd: ${ctx.netd.log()}`);
});

k('a socket no one listens on: the plugin runs in a Node process of its own, same result', async (ctx) => {
  await ctx.netd.stop();
  ctx.netd = undefined;
  const c = NetNs.create();
  ctx.conts.push(c);
  const conf = netConf({ stateDir: ctx.state });
  const e = { id: 'cni-netd-2', netns: c.procPath, ifname: 'eth0', extra: { NSRUN_NETD_SOCKET: `${ctx.dir}/netd.sock` } };
  const add = cni(ctx.ns, bin, 'nsrun', 'ADD', conf, e);
  assert.is(add.status, 0, add.stdout + add.stderr);
  assert.match(add.out.ips[0].address, /^10\.22\.0\.\d+\/24$/);
  assert.is(cni(ctx.ns, bin, 'nsrun', 'DEL', conf, e).status, 0);
});

k('a caller other than root is refused the cni request', async (ctx) => {
  const reply = rawRequest(ctx.ns, ctx.dir, 65534, [`${JSON.stringify({ op: 'cni', env: { CNI_COMMAND: 'VERSION' }, stdin: '{}' })}\n`]);
  assert.match(JSON.stringify(reply), /only root runs the CNI plugin through netd/);
});

function ipInside(ns, ...args) {
  return execFileSync('nsenter', [`--net=${ns.procPath}`, 'ip', ...args], { encoding: 'utf8' });
}

k.run();
