// The CNI plugin's pure parts, no privileges: the environment and configuration checks (each
// error code naming its variable or field), the result in each version's shape, port mappings
// in podman's and CRI's spellings, attachment ids, and records of kind "cni" (their contract:
// an older nsrun, which knows no `cni` field, sees them as opaque).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = import.meta.resolve('@nsrun/runner');
const { parseEnv } = await import(new URL('./cni/env.js', base).href);
const { parseConfig, parsePortMappings } = await import(new URL('./cni/config.js', base).href);
const { encodeResult, decodeResult } = await import(new URL('./cni/result.js', base).href);
const { cniId, cniPlugin, CniError } = await import(base);
const { classifyRecord, checkRecord, StateDir } = await import(new URL('./state/index.js', base).href);

const code = (fn) => {
  try {
    fn();
  } catch (e) {
    assert.instance(e, CniError);
    return [e.code, `${e.msg} ${e.details ?? ''}`];
  }
  throw new Error('expected a CniError');
};

test("parseEnv: each command's required variables, their form (code 4); VERSION looks at none but CNI_COMMAND", () => {
  const ok = parseEnv({
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: 'abc.1_x-y',
    CNI_NETNS: '/run/netns/x',
    CNI_IFNAME: 'eth0',
    CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=p',
    CNI_PATH: '/a::/b',
  });
  assert.equal(
    [ok.command, ok.containerId, ok.netns, ok.ifname, [...ok.args], ok.path],
    [
      'ADD',
      'abc.1_x-y',
      '/run/netns/x',
      'eth0',
      [
        ['IgnoreUnknown', '1'],
        ['K8S_POD_NAME', 'p'],
      ],
      ['/a', '/b'],
    ],
  );
  assert.is(parseEnv({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'a', CNI_IFNAME: 'eth0' }).netns, '');
  assert.is(parseEnv({ CNI_COMMAND: 'VERSION', CNI_NETNS: 'dummy', CNI_IFNAME: 'x/y' }).command, 'VERSION');
  /** @type {[Record<string, string>, RegExp][]} */
  const refused = [
    [{}, /CNI_COMMAND/],
    [{ CNI_COMMAND: 'add' }, /"add"/],
    [{ CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'a' }, /CNI_NETNS, CNI_IFNAME/],
    [{ CNI_COMMAND: 'DEL', CNI_CONTAINERID: '_a', CNI_IFNAME: 'eth0' }, /CNI_CONTAINERID/],
    [{ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'a', CNI_IFNAME: 'a-very-long-name0' }, /CNI_IFNAME/],
    [{ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'a', CNI_IFNAME: 'eth0', CNI_NETNS: 'rel' }, /absolute/],
  ];
  for (const [env, re] of refused) {
    const [c, text] = code(() => parseEnv(env));
    assert.is(c, 4);
    assert.match(text, re);
  }
});

test("parseConfig: the reference bridge plugin's keys and defaults; codes 6, 7, 1, 2", () => {
  const c = parseConfig(
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'n',
      type: 'nsrun',
      isDefaultGateway: true,
      ipam: { type: 'host-local' },
      runtimeConfig: { mac: '0a:58:0a:0a:0a:02' },
    }),
    new Map([['MAC', '0a:00:00:00:00:01']]),
  );
  assert.equal(
    [c.bridge, c.isGateway, c.isDefaultGateway, c.ipMasq, c.mtu, c.ipamType, c.mac],
    ['cni0', true, true, false, 0, 'host-local', '0a:58:0a:0a:0a:02'],
  );
  assert.is(parseConfig('{"cniVersion":"0.4.0","name":"n","type":"nsrun"}', new Map([['MAC', '0a:00:00:00:00:01']])).mac, '0a:00:00:00:00:01');
  /** @type {[string, number, RegExp][]} */
  const configs = [
    ['nope', 6, /JSON/],
    ['[]', 6, /object/],
    ['{"name":"n","type":"nsrun"}', 7, /cniVersion is required/],
    ['{"cniVersion":"1.0","name":"n","type":"nsrun"}', 7, /not a version/],
    ['{"cniVersion":"2.0.0","name":"n","type":"nsrun"}', 1, /2\.0\.0/],
    ['{"cniVersion":"1.0.0","name":"-n","type":"nsrun"}', 7, /name/],
    ['{"cniVersion":"1.0.0","name":"n","type":"nsrun","isGateway":"yes"}', 7, /isGateway/],
    ['{"cniVersion":"1.0.0","name":"n","type":"nsrun","bridge":"a/b"}', 7, /bridge/],
    ['{"cniVersion":"1.0.0","name":"n","type":"nsrun","macspoofchk":true}', 2, /macspoofchk: true/],
    ['{"cniVersion":"1.0.0","name":"n","type":"nsrun","runtimeConfig":{"mac":"zz"}}', 7, /MAC/],
    ['{"cniVersion":"1.0.0","name":"n","type":"nsrun","prevResult":{"ips":[{"address":"10.0.0.1"}]}}', 7, /ips\[0\]\.address/],
    ['{"cniVersion":"1.0.0","name":"n","type":"nsrun","stateDir":"/a","ipam":{"type":"nsrun","dataDir":"/b"}}', 7, /differ/],
  ];
  for (const [text, c2, re] of configs) {
    const [got, msg] = code(() => parseConfig(text));
    assert.is(got, c2, text);
    assert.match(msg, re, text);
  }
});

test('portMappings: podman\'s lower-case and CRI\'s capitalised keys, 0.0.0.0 and "" as any host address, one mapping given twice kept once', () => {
  assert.equal(
    parsePortMappings([
      { hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' },
      { HostPort: 5353, ContainerPort: 53, Protocol: 'UDP', HostIP: '192.0.2.1' },
      { hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '0.0.0.0' },
    ]),
    [
      { hostPort: 8080, containerPort: 80, proto: 'tcp' },
      { hostIp: '192.0.2.1', hostPort: 5353, containerPort: 53, proto: 'udp' },
    ],
  );
});

test('the result: 1.x without "version" in ips, 0.3.x/0.4.0 with it (4 or 6); read back in either shape', () => {
  const r = {
    interfaces: [{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/x' }],
    ips: [
      { address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 },
      { address: 'fd00::2/64', interface: 0 },
    ],
    routes: [{ dst: '0.0.0.0/0' }],
  };
  const v1 = JSON.parse(encodeResult(r, '1.0.0'));
  assert.equal(v1, { cniVersion: '1.0.0', interfaces: r.interfaces, ips: r.ips, routes: r.routes, dns: {} });
  const v04 = JSON.parse(encodeResult(r, '0.4.0'));
  assert.equal(
    v04.ips.map((i) => i.version),
    ['4', '6'],
  );
  assert.equal(decodeResult(v04, 'prevResult'), { ...r, dns: {} });
});

test('attachment ids: 12 hex digits, stable, distinct per network, container and interface', () => {
  const a = cniId('net', 'c1', 'eth0');
  assert.match(a, /^[0-9a-f]{12}$/);
  assert.is(cniId('net', 'c1', 'eth0'), a);
  assert.is(new Set([a, cniId('net', 'c1', 'eth1'), cniId('net', 'c2', 'eth0'), cniId('net2', 'c1', 'eth0'), cniId('net', 'c1e', 'th0')]).size, 5);
});

test('records of kind "cni": checked whole; gateway and ip both or neither; opaque to a reader that lacks the field', () => {
  const rec = {
    version: 2,
    id: cniId('n', 'c', 'eth0'),
    kind: 'cni',
    owner: { pid: 1, start: 1, boot: 'b' },
    pidns: 1,
    stateDir: '1:2',
    pid: 0,
    net: 'bridge',
    bridge: 'cni0',
    veth: `nsr${cniId('n', 'c', 'eth0')}`,
    command: ['cni', 'n', 'c', 'eth0'],
    created: '2026-01-01T00:00:00.000Z',
    cni: { network: 'n', containerId: 'c', ifname: 'eth0', netns: '/run/netns/x', netnsId: '4:1', ipam: 'host-local', ips: ['10.0.0.2/24'] },
  };
  assert.equal(checkRecord(rec), rec);
  assert.equal(checkRecord({ ...rec, gateway: '10.0.0.1/24', ip: '10.0.0.2/24' }).ip, '10.0.0.2/24');
  assert.throws(() => checkRecord({ ...rec, ip: '10.0.0.2/24' }), /gateway: required/);
  assert.throws(() => checkRecord({ ...rec, cni: undefined }), /cni: required with kind "cni"/);
  assert.throws(() => checkRecord({ ...rec, kind: 'run' }), /cni: only with kind "cni"/);
  assert.throws(() => checkRecord({ ...rec, cni: { ...rec.cni, extra: 1 } }), /cni\.extra: unknown field/);
  assert.throws(() => checkRecord({ ...rec, net: 'none', bridge: undefined, veth: undefined }), /must be "bridge" with kind "cni"/);
  assert.ok(classifyRecord(JSON.stringify(rec), 'f').record);
});

test('a record of kind "cni" written in another boot is dead; in another pid namespace or state directory, unknown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-cni-'));
  try {
    const state = new StateDir(dir);
    const rec = {
      version: 2,
      id: 'aaaaaaaaaaaa',
      kind: 'cni',
      owner: { pid: 1, start: 1, boot: 'another-boot' },
      pidns: 1,
      stateDir: state.origin().stateDir,
      pid: 0,
      net: 'bridge',
      bridge: 'cni0',
      veth: 'nsraaaaaaaaaaaa',
      command: ['cni'],
      created: '2026-01-01T00:00:00.000Z',
      cni: { network: 'n', containerId: 'c', ifname: 'eth0', netns: '/nonexistent', netnsId: '4:1', ipam: 'nsrun', ips: [] },
    };
    assert.is(state.verdict(rec), 'dead');
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    assert.is(state.verdict({ ...rec, owner: { ...rec.owner, boot }, pidns: 1 }), 'unknown');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cniPlugin: VERSION, and an error object with the configuration's version", async () => {
  const v = await cniPlugin({ env: { CNI_COMMAND: 'VERSION' }, stdin: '{"cniVersion":"0.3.1"}' });
  assert.equal([v.status, JSON.parse(v.stdout)], [0, { cniVersion: '0.3.1', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] }]);
  const e = await cniPlugin({ env: { CNI_COMMAND: 'ADD' }, stdin: '{"cniVersion":"0.4.0","name":"n","type":"nsrun"}' });
  assert.equal([e.status, JSON.parse(e.stdout).cniVersion, JSON.parse(e.stdout).code], [1, '0.4.0', 4]);
});

test.run();
