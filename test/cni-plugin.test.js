// nsrun as a CNI plugin, driven by hand as a runtime drives it (containernetworking/cni
// SPEC.md): every command, every error code, DEL's idempotence, a failed ADD leaving nothing,
// 20 ADDs at once, delegated IPAM, GC/STATUS (1.1.0), a chain with the reference plugins after
// it, and nsrun ps/gc seeing the attachments. Each test: a fresh "host" network namespace, a
// fresh state directory, container namespaces held by this process (CNI_NETNS /proc/PID/fd/N).
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { NetNs } from '@nsrun/sys';
import { ipIn, kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';
import { cni, cniSpawn, netConf, pluginDir, referenceSkipReason } from '@nsrun/test-helpers/cni';

const k = kernelSuite('nsrun CNI plugin');
let bin;
k.before((ctx) => {
  bin = pluginDir();
});
k.after(() => bin && rmSync(bin, { recursive: true, force: true }));
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.conts = [];
  ctx.cont = () => {
    const c = NetNs.create();
    ctx.conts.push(c);
    return c;
  };
  ctx.conf = (over = {}) => netConf({ stateDir: ctx.state, ...over });
  ctx.run = (command, conf, e) => cni(ctx.ns, bin, 'nsrun', command, conf, e);
});
k.after.each((ctx) => {
  for (const c of ctx.conts) c.close();
  removeStateDir(ctx.state);
});

const leases = (state, pool = 'cni0') => (existsSync(`${state}/leases/${pool}`) ? readdirSync(`${state}/leases/${pool}`) : []);
const hostVeths = (ctx) => ctx.ip('-j', 'link', 'show', 'type', 'veth').map((l) => l.ifname);
const attach = (c, id = 'c1', ifname = 'eth0') => ({ id, netns: c.procPath, ifname });

k('VERSION: the versions nsrun speaks, the cniVersion asked echoed; no environment but CNI_COMMAND needed', (ctx) => {
  const r = ctx.run('VERSION', { cniVersion: '0.4.0' });
  assert.is(r.status, 0, r.stderr);
  assert.equal(r.out, { cniVersion: '0.4.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  assert.is(ctx.run('VERSION', '').out.cniVersion, '1.1.0');
});

k(
  'ADD, CHECK, DEL with nsrun IPAM: the result (1.0.0), the kernel state, nsrun ps; CHECK finds a missing address (104); DEL twice, and with an empty CNI_NETNS; nothing left',
  (ctx) => {
    const c = ctx.cont();
    const conf = ctx.conf();
    const add = ctx.run('ADD', conf, attach(c));
    assert.is(add.status, 0, add.stdout + add.stderr);
    const r = add.out;
    assert.is(r.cniVersion, '1.0.0');
    assert.equal(
      r.interfaces.map((i) => [i.name.replace(/^nsr[0-9a-f]{12}$/, 'VETH'), i.sandbox]),
      [
        ['cni0', undefined],
        ['VETH', undefined],
        ['eth0', c.procPath],
      ],
    );
    for (const i of r.interfaces) assert.match(i.mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(r.ips, [{ address: '10.22.0.2/24', gateway: '10.22.0.1', interface: 2 }]);
    assert.equal(r.routes, [{ dst: '0.0.0.0/0' }]);
    assert.equal(r.dns, {});
    // The kernel, through ip -j: container end, host end, bridge.
    const [eth0] = ipIn(c, '-j', 'addr', 'show', 'dev', 'eth0');
    assert.is(eth0.address, r.interfaces[2].mac);
    assert.ok(eth0.flags.includes('UP'));
    assert.equal(
      eth0.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen} brd ${a.broadcast}`),
      ['10.22.0.2/24 brd 10.22.0.255'],
    );
    assert.equal(
      ipIn(c, '-j', 'route', 'show', 'default').map((x) => [x.gateway, x.dev]),
      [['10.22.0.1', 'eth0']],
    );
    const [veth] = ctx.ip('-j', 'link', 'show', 'dev', r.interfaces[1].name);
    assert.is(veth.master, 'cni0');
    assert.is(veth.ifalias?.split(' ')[0], 'nsrun');
    const [br] = ctx.ip('-j', 'addr', 'show', 'dev', 'cni0');
    assert.equal(
      br.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
      ['10.22.0.1/24'],
    );
    assert.equal(leases(ctx.state), ['10.22.0.2']);
    const ps = nsrunSync(ctx.ns, ['ps', '--json', '--state-dir', ctx.state]);
    const [p] = JSON.parse(ps.stdout);
    assert.equal(
      [p.kind, p.address, p.veth, p.cni.containerId, p.cni.ifname, p.cni.network],
      ['cni', '10.22.0.2/24', r.interfaces[1].name, 'c1', 'eth0', 'testnet'],
    );

    const chk = ctx.run('CHECK', { ...conf, prevResult: r }, attach(c));
    assert.is(chk.status, 0, chk.stdout + chk.stderr);
    assert.is(chk.stdout, '');
    ipIn(c, 'addr', 'del', '10.22.0.2/24', 'dev', 'eth0');
    const bad = ctx.run('CHECK', { ...conf, prevResult: r }, attach(c));
    assert.is(bad.status, 1);
    assert.is(bad.out.code, 104);
    assert.match(bad.out.details, 'interface eth0 lacks address 10.22.0.2/24');

    for (const netns of [c.procPath, c.procPath, '']) {
      const del = ctx.run('DEL', conf, { ...attach(c), netns });
      assert.is(del.status, 0, del.stdout + del.stderr);
      assert.is(del.stdout, '');
    }
    assert.equal(
      ipIn(c, '-j', 'link').map((l) => l.ifname),
      ['lo'],
    );
    assert.equal(hostVeths(ctx), []);
    assert.equal(leases(ctx.state), []);
    assert.equal(records(ctx.state), []);
  },
);

k('DEL before any ADD, without a state directory, a netns or prevResult: success, nothing created', (ctx) => {
  removeStateDir(ctx.state);
  const del = ctx.run('DEL', ctx.conf(), { id: 'never', ifname: 'eth0' });
  assert.is(del.status, 0, del.stdout);
  assert.not.ok(existsSync(ctx.state));
});

k('the result in the shape of the version asked: 0.3.1 and 0.4.0 with "version" in ips, 1.1.0 without', (ctx) => {
  for (const v of ['0.3.1', '0.4.0', '1.1.0']) {
    const c = ctx.cont();
    const add = ctx.run('ADD', ctx.conf({ cniVersion: v }), attach(c, `v${v}`));
    assert.is(add.status, 0, add.stdout);
    assert.is(add.out.cniVersion, v);
    const legacy = v !== '1.1.0';
    assert.equal(Object.keys(add.out.ips[0]), legacy ? ['version', 'address', 'gateway', 'interface'] : ['address', 'gateway', 'interface']);
    if (legacy) assert.is(add.out.ips[0].version, '4');
    assert.is(ctx.run('DEL', ctx.conf({ cniVersion: v }), attach(c, `v${v}`)).status, 0);
  }
});

k('errors 4, 6, 7, 1, 2: refused before anything is made, one JSON object on stdout naming the variable or field', (ctx) => {
  const c = ctx.cont();
  const cases = [
    ['no CNI_COMMAND', undefined, ctx.conf(), {}, 4, /CNI_COMMAND/],
    ['unknown CNI_COMMAND', 'ATTACH', ctx.conf(), attach(c), 4, /ATTACH/],
    ['ADD without CNI_NETNS', 'ADD', ctx.conf(), { id: 'x', ifname: 'eth0' }, 4, /CNI_NETNS/],
    ['ADD without CNI_CONTAINERID, CNI_IFNAME', 'ADD', ctx.conf(), { netns: c.procPath }, 4, /CNI_CONTAINERID, CNI_IFNAME/],
    ['malformed CNI_CONTAINERID', 'ADD', ctx.conf(), { ...attach(c), id: '-x' }, 4, /CNI_CONTAINERID/],
    ['malformed CNI_ARGS', 'ADD', ctx.conf(), { ...attach(c), args: 'IgnoreUnknown' }, 4, /CNI_ARGS/],
    ['stdin not JSON', 'ADD', '{"cniVersion":', attach(c), 6, /JSON/],
    ['empty stdin', 'ADD', '', attach(c), 6, /empty/],
    ['no name', 'ADD', ctx.conf({ name: undefined }), attach(c), 7, /name/],
    ['bad mtu', 'ADD', ctx.conf({ mtu: 20 }), attach(c), 7, /mtu/],
    ['hairpin and promisc', 'ADD', ctx.conf({ hairpinMode: true, promiscMode: true }), attach(c), 7, /hairpinMode and promiscMode/],
    ['a subnet of loopback', 'ADD', ctx.conf({ ipam: { type: 'nsrun', subnet: '127.1.0.0/16' } }), attach(c), 7, /loopback/],
    ['rangeStart outside', 'ADD', ctx.conf({ ipam: { type: 'nsrun', subnet: '10.22.0.0/24', rangeStart: '10.23.0.5' } }), attach(c), 7, /rangeStart/],
    ['a relative dataDir', 'ADD', ctx.conf({ stateDir: undefined, ipam: { type: 'nsrun', subnet: '10.22.0.0/24', dataDir: 'x' } }), attach(c), 7, /dataDir/],
    ['version 0.2.0', 'ADD', ctx.conf({ cniVersion: '0.2.0' }), attach(c), 1, /0\.2\.0/],
    ['CHECK in 0.3.1', 'CHECK', ctx.conf({ cniVersion: '0.3.1', prevResult: {} }), attach(c), 1, /CHECK is defined from CNI 0\.4\.0/],
    ['GC in 1.0.0', 'GC', ctx.conf(), {}, 1, /GC is defined from CNI 1\.1\.0/],
    ['vlan', 'ADD', ctx.conf({ vlan: 10 }), attach(c), 2, /vlan: 10/],
    ['an IPv6 range', 'ADD', ctx.conf({ ipam: { type: 'nsrun', subnet: 'fd00::/64' } }), attach(c), 2, /fd00::\/64.*IPv4 only/],
    ['sctp port', 'ADD', ctx.conf({ runtimeConfig: { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'sctp' }] } }), attach(c), 2, /sctp/],
  ];
  for (const [what, command, conf, e, code, re] of cases) {
    const r = cni(ctx.ns, bin, 'nsrun', command, conf, { ...e, extra: command === undefined ? { CNI_COMMAND: '' } : {} });
    assert.is(r.status, 1, `${what}: status`);
    assert.ok(r.out, `${what}: no JSON on stdout: ${r.stdout}`);
    assert.is(r.out.code, code, `${what}: ${JSON.stringify(r.out)}`);
    assert.match(`${r.out.msg} ${r.out.details ?? ''}`, re, what);
    assert.ok(r.out.cniVersion, what);
  }
  assert.equal(
    ctx.ip('-j', 'link').map((l) => l.ifname),
    ['lo'],
  );
  assert.equal(records(ctx.state), []);
});

k(
  'nsrun errors (100+): netns 101, interface taken 102, IPAM plugin not found 103, range full 106, bridge name taken by a veth 100 — each with nothing left',
  (ctx) => {
    const c = ctx.cont();
    let r = ctx.run('ADD', ctx.conf(), { ...attach(c), netns: '/run/no-such-netns' });
    assert.equal([r.status, r.out.code], [1, 101]);
    assert.match(r.out.details, '/run/no-such-netns');
    ipIn(c, 'link', 'add', 'eth0', 'type', 'bridge');
    r = ctx.run('ADD', ctx.conf(), attach(c));
    assert.equal([r.status, r.out.code], [1, 102]);
    ipIn(c, 'link', 'del', 'eth0');
    r = ctx.run('ADD', ctx.conf({ ipam: { type: 'no-such-ipam' } }), attach(c));
    assert.equal([r.status, r.out.code], [1, 103]);
    assert.match(r.out.details, 'no executable no-such-ipam in CNI_PATH');
    const one = { type: 'nsrun', subnet: '10.22.0.0/24', rangeStart: '10.22.0.9', rangeEnd: '10.22.0.9' };
    assert.is(ctx.run('ADD', ctx.conf({ ipam: one }), attach(c)).status, 0);
    const c2 = ctx.cont();
    r = ctx.run('ADD', ctx.conf({ ipam: one }), attach(c2, 'c2'));
    assert.equal([r.status, r.out.code], [1, 106]);
    assert.match(r.out.details, '10.22.0.9-10.22.0.9');
    assert.equal(
      ipIn(c2, '-j', 'link').map((l) => l.ifname),
      ['lo'],
    );
    assert.is(ctx.run('DEL', ctx.conf({ ipam: one }), attach(c)).status, 0);
    ctx.ip('link', 'add', 'vbr', 'type', 'veth', 'peer', 'name', 'vbr1');
    r = ctx.run('ADD', ctx.conf({ bridge: 'vbr' }), attach(c));
    assert.equal([r.status, r.out.code], [1, 100]);
    assert.match(r.out.msg, 'bridge');
    assert.match(r.out.details, 'vbr exists and is a veth link, not a bridge');
    assert.equal(
      ipIn(c, '-j', 'link').map((l) => l.ifname),
      ['lo'],
    );
    assert.equal(records(ctx.state), []);
  },
);

k('a failed ADD (a route the kernel refuses, after the veth and address) undoes everything: veth, lease, record, the bridge it made', (ctx) => {
  const c = ctx.cont();
  const conf = ctx.conf({ ipam: { type: 'nsrun', subnet: '10.22.0.0/24', routes: [{ dst: '192.0.2.0/24', gw: '203.0.113.1' }] } });
  const r = ctx.run('ADD', conf, attach(c));
  assert.is(r.status, 1);
  assert.is(r.out.code, 100);
  assert.is(r.out.msg, 'nsrun: route failed');
  assert.match(r.out.details, /routeAdd 192\.0\.2\.0\/24 .*ENETUNREACH/);
  assert.equal(
    ctx.ip('-j', 'link').map((l) => l.ifname),
    ['lo'],
  ); // cni0 too: this ADD made it
  assert.equal(
    ipIn(c, '-j', 'link').map((l) => l.ifname),
    ['lo'],
  );
  assert.equal(leases(ctx.state), []);
  assert.equal(records(ctx.state), []);
  assert.equal(readdirSync(`${ctx.state}/bridges`), []);
});

k('try again later (11): an ADD waiting for the state lock, ended by SIGTERM, answers 11 and made nothing', async (ctx) => {
  const c = ctx.cont();
  execFileSync('touch', [`${ctx.state}/lock`]);
  const holder = spawn('flock', ['-x', `${ctx.state}/lock`, 'sleep', '30'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const p = cniSpawn(ctx.ns, bin, 'nsrun', 'ADD', ctx.conf(), attach(c));
    // Signalled once it waits: the plugin has the lock file open (nsenter and the launcher exec
    // it in the same pid). A fixed delay was too short on a loaded machine.
    const lock = `${ctx.state}/lock`;
    const waiting = () => {
      try {
        return readdirSync(`/proc/${p.child.pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${p.child.pid}/fd/${fd}`) === lock;
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 600 && !waiting(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(waiting(), 'the ADD never waited for the lock');
    p.child.kill('SIGTERM');
    const r = await p.done;
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.is(r.out.code, 11);
    assert.match(r.out.details, 'interrupted while waiting for the lock');
  } finally {
    holder.kill('SIGKILL');
  }
  assert.equal(
    ipIn(c, '-j', 'link').map((l) => l.ifname),
    ['lo'],
  );
  assert.equal(records(ctx.state), []);
});

k('20 ADDs at once get 20 distinct addresses and veths; then 20 DELs at once leave nothing', async (ctx) => {
  const conts = Array.from({ length: 20 }, () => ctx.cont());
  const adds = await Promise.all(conts.map((c, i) => cniSpawn(ctx.ns, bin, 'nsrun', 'ADD', ctx.conf(), attach(c, `ctr-${i}`)).done));
  for (const a of adds) assert.is(a.status, 0, a.stdout + a.stderr);
  const addrs = adds.map((a) => a.out.ips[0].address);
  assert.is(new Set(addrs).size, 20);
  conts.forEach((c, i) => {
    const [eth0] = ipIn(c, '-j', 'addr', 'show', 'dev', 'eth0');
    assert.is(`${eth0.addr_info.find((x) => x.family === 'inet').local}/24`, addrs[i]);
  });
  assert.is(hostVeths(ctx).length, 20);
  assert.is(leases(ctx.state).length, 20);
  const dels = await Promise.all(conts.map((c, i) => cniSpawn(ctx.ns, bin, 'nsrun', 'DEL', ctx.conf(), attach(c, `ctr-${i}`)).done));
  for (const d of dels) assert.is(d.status, 0, d.stdout + d.stderr);
  assert.equal(hostVeths(ctx), []);
  assert.equal(leases(ctx.state), []);
  assert.equal(records(ctx.state), []);
  for (const c of conts)
    assert.equal(
      ipIn(c, '-j', 'link').map((l) => l.ifname),
      ['lo'],
    );
});

k('IPAM delegated to the reference host-local through CNI_PATH: its address and lease; DEL gives the lease back (twice is fine)', (ctx) => {
  if (referenceSkipReason) return skip(referenceSkipReason);
  const c = ctx.cont();
  const dataDir = `${ctx.state}/host-local`;
  const conf = ctx.conf({ ipam: { type: 'host-local', ranges: [[{ subnet: '10.23.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir } });
  const add = ctx.run('ADD', conf, attach(c));
  assert.is(add.status, 0, add.stdout + add.stderr);
  assert.equal(add.out.ips, [{ address: '10.23.0.2/24', gateway: '10.23.0.1', interface: 2 }]);
  assert.ok(readdirSync(`${dataDir}/testnet`).includes('10.23.0.2'));
  assert.equal(
    ipIn(c, '-j', 'route', 'show', 'default').map((x) => x.gateway),
    ['10.23.0.1'],
  );
  const chk = ctx.run('CHECK', { ...conf, prevResult: add.out }, attach(c));
  assert.is(chk.status, 0, chk.stdout + chk.stderr);
  for (let i = 0; i < 2; i++) assert.is(ctx.run('DEL', conf, attach(c)).status, 0);
  assert.not.ok(readdirSync(`${dataDir}/testnet`).includes('10.23.0.2'));
  assert.equal(hostVeths(ctx), []);
  assert.equal(records(ctx.state), []);
});

k('ipMasq and portMappings: nsrun rules tagged with the attachment (nft -j), gone after DEL; CHECK sees them missing', (ctx) => {
  const c = ctx.cont();
  const conf = ctx.conf({
    ipMasq: true,
    runtimeConfig: {
      portMappings: [
        { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { HostPort: 5353, ContainerPort: 53, Protocol: 'UDP' },
      ],
    },
  });
  const add = ctx.run('ADD', conf, attach(c));
  assert.is(add.status, 0, add.stdout);
  const veth = add.out.interfaces[1].name;
  const rules = () =>
    JSON.parse(ctx.sh('nft -j list table ip nsrun 2>/dev/null || echo "{\\"nftables\\":[]}"'))
      .nftables.filter((x) => x.rule)
      .map((x) => x.rule.comment);
  assert.equal(rules(), Array(5).fill(`nsrun:${veth.slice(3)}`));
  ctx.sh(`nft flush table ip nsrun`);
  const chk = ctx.run('CHECK', { ...conf, prevResult: add.out }, attach(c));
  assert.equal([chk.status, chk.out?.code], [1, 104]);
  assert.match(chk.out.details, 'nf_tables rules');
  assert.is(ctx.run('DEL', conf, attach(c)).status, 0);
  assert.equal(rules(), []);
});

k('1.1.0 GC releases the attachments of the network that are not in cni.dev/valid-attachments; STATUS is ready, then 50 when the range is full', (ctx) => {
  const conf = ctx.conf({ cniVersion: '1.1.0', ipam: { type: 'nsrun', subnet: '10.22.0.0/24', rangeStart: '10.22.0.2', rangeEnd: '10.22.0.3' } });
  const [a, b] = [ctx.cont(), ctx.cont()];
  assert.is(ctx.run('STATUS', conf).status, 0);
  assert.is(ctx.run('ADD', conf, attach(a, 'keep')).status, 0);
  assert.is(ctx.run('ADD', conf, attach(b, 'stale')).status, 0);
  const st = ctx.run('STATUS', conf);
  assert.equal([st.status, st.out?.code], [1, 50]);
  const gc = ctx.run('GC', { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] });
  assert.is(gc.status, 0, gc.stdout);
  assert.equal(leases(ctx.state), ['10.22.0.2']);
  assert.equal(
    ipIn(b, '-j', 'link').map((l) => l.ifname),
    ['lo'],
  );
  assert.is(ipIn(a, '-j', 'link').length, 2);
  assert.is(ctx.run('STATUS', conf).status, 0);
  assert.is(ctx.run('DEL', conf, attach(a, 'keep')).status, 0);
});

k('nsrun gc keeps an attachment while its network namespace lives (the path gone or not), releases it once the namespace is gone', async (ctx) => {
  const c = NetNs.create();
  const add = ctx.run('ADD', ctx.conf(), attach(c));
  assert.is(add.status, 0, add.stdout);
  const gc1 = JSON.parse(nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]).stdout);
  assert.equal(gc1.containers, []);
  // Another handle keeps the namespace: the path of the first one goes, the veth stays.
  const keep = NetNs.fromPath(c.procPath);
  c.close();
  const gc2 = JSON.parse(nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]).stdout);
  assert.equal(gc2.containers, []);
  assert.is(records(ctx.state).length, 1);
  keep.close();
  let gc3;
  for (let i = 0; i < 100; i++) {
    // The kernel tears a namespace down a moment after its last reference.
    gc3 = JSON.parse(nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]).stdout);
    if (gc3.containers.length) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.is(gc3.containers.length, 1);
  assert.equal(leases(ctx.state), []);
  assert.equal(records(ctx.state), []);
});

k('a chain as a runtime runs it: nsrun, then the reference tuning, portmap, firewall, bandwidth with prevResult; CHECK; DEL in reverse', (ctx) => {
  if (referenceSkipReason) return skip(referenceSkipReason);
  const c = ctx.cont();
  const list = [
    ctx.conf(),
    { type: 'tuning', sysctl: { 'net.ipv4.conf.eth0.arp_filter': '1' } },
    { type: 'portmap', capabilities: { portMappings: true }, runtimeConfig: { portMappings: [{ hostPort: 9090, containerPort: 90, protocol: 'tcp' }] } },
    { type: 'firewall', backend: 'iptables' },
    { type: 'bandwidth', ingressRate: 1000000, ingressBurst: 100000, egressRate: 1000000, egressBurst: 100000 },
  ];
  let prev;
  for (const p of list) {
    const conf = { cniVersion: '1.0.0', name: 'testnet', ...p, ...(prev && { prevResult: prev }) };
    const r = cni(ctx.ns, bin, p.type, 'ADD', conf, attach(c));
    if (r.status !== 0 && /iptables|xtables|executable file not found/i.test(r.stdout + r.stderr)) {
      skip(`${p.type} needs iptables here: ${(r.out?.msg ?? r.stderr).slice(0, 120)}`);
      break;
    }
    assert.is(r.status, 0, `${p.type} ADD: ${r.stdout}${r.stderr}`);
    assert.equal(r.out.ips, prev ? prev.ips : r.out.ips, `${p.type} kept the ips`);
    prev = r.out;
  }
  assert.equal(prev.ips, [{ address: '10.22.0.2/24', gateway: '10.22.0.1', interface: 2 }]);
  assert.is(ipIn(c, '-j', 'link', 'show', 'eth0')[0].ifname, 'eth0');
  for (const p of [...list].reverse()) {
    const r = cni(ctx.ns, bin, p.type, 'DEL', { cniVersion: '1.0.0', name: 'testnet', ...p, prevResult: prev }, attach(c));
    assert.is(r.status, 0, `${p.type} DEL: ${r.stdout}${r.stderr}`);
  }
  assert.equal(hostVeths(ctx), []);
  assert.equal(records(ctx.state), []);
});

k.run();
