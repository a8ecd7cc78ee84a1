// `nsrun ip -d link`: each link kind's data printer (the link kinds' table, cli/src/ip/link-kinds/)
// next to iproute2's on settings ip-show-options.test.js leaves at their defaults: a macvlan in
// source mode with its remotes, a bridge port with its switches turned, a VLAN with flags and
// QoS maps (when the kernel has 8021q), text and -j value by value.
import * as assert from 'uvu/assert';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { ipRun, sameAsIp } from './helpers/ip-compare.js';

const k = kernelSuite('nsrun ip -d link: the kinds printers, as ip prints them');

k('-d link: macvlan in source mode (remotes), passthru macvtap; a bridge port with hairpin, guard, isolated, no learning', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ctx.ip('link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1');
  ctx.ip('link', 'add', 'link', 'v1', 'name', 'mvs', 'type', 'macvlan', 'mode', 'source', 'macaddr', 'add', '02:00:00:00:00:01');
  ctx.ip('link', 'add', 'link', 'w1', 'name', 'mvp', 'type', 'macvtap', 'mode', 'passthru');
  ctx.ip('link', 'add', 'br0', 'type', 'bridge', 'stp_state', '1', 'mcast_snooping', '0', 'group_fwd_mask', '0x4000');
  ctx.ip('link', 'set', 'v0', 'master', 'br0');
  ctx.ip('link', 'set', 'dev', 'v0', 'type', 'bridge_slave', 'hairpin', 'on', 'guard', 'on', 'learning', 'off', 'isolated', 'on', 'cost', '7', 'priority', '9');
  const mvs = (await sameAsIp(ctx, '-d', 'link', 'show', 'dev', 'mvs'))[0].linkinfo.info_data;
  assert.equal([mvs.mode, mvs.macaddr_count, mvs.macaddr_data], ['source', 1, ['02:00:00:00:00:01']]);
  assert.is((await sameAsIp(ctx, '-d', 'link', 'show', 'dev', 'mvp'))[0].linkinfo.info_data.mode, 'passthru');
  const port = (await sameAsIp(ctx, '-d', 'link', 'show', 'dev', 'v0'))[0].linkinfo.info_slave_data;
  assert.equal([port.hairpin, port.guard, port.learning, port.isolated, port.cost, port.priority], [true, true, false, true, 7, 9]);
  const br = (await sameAsIp(ctx, '-d', 'link', 'show', 'dev', 'br0'))[0].linkinfo.info_data;
  assert.equal([br.stp_state, br.mcast_snooping, br.group_fwd_mask], [1, 0, '0x4000']);
  await sameAsIp(ctx, '-d', '-o', 'link');
});

k('-d link: VLANs (802.1Q and 802.1ad, flags, ingress and egress QoS maps), when the kernel has 8021q', async (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  const made = ipRun(ctx, ['link', 'add', 'link', 'v0', 'name', 'v0.10', 'type', 'vlan', 'id', '10', 'ingress-qos-map', '0:1', '2:3', 'egress-qos-map', '1:2']);
  if (made.status !== 0) return skip(`vlan: this kernel has no 8021q: ${made.stderr.trim()}`);
  ctx.ip(
    'link',
    'add',
    'link',
    'v0',
    'name',
    'q20',
    'type',
    'vlan',
    'protocol',
    '802.1ad',
    'id',
    '20',
    'gvrp',
    'on',
    'loose_binding',
    'on',
    'reorder_hdr',
    'off',
  );
  const v = (await sameAsIp(ctx, '-d', 'link', 'show', 'dev', 'v0.10'))[0].linkinfo.info_data;
  assert.equal([v.protocol, v.id], ['802.1Q', 10]);
  const q = (await sameAsIp(ctx, '-d', 'link', 'show', 'dev', 'q20'))[0].linkinfo.info_data;
  assert.equal([q.protocol, q.id, q.flags], ['802.1ad', 20, ['GVRP', 'LOOSE_BINDING']]);
  await sameAsIp(ctx, '-d', 'link', 'show', 'type', 'vlan');
});

k.run();
