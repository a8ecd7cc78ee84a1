// The `nsrun ip` parser and the pure parts of the CLI: no kernel, no root. Parsing never opens
// a socket, so every usage error and refused value is checked here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '@nsrun/netlink';
import { main, parseIp as parseInvocation, HelpRequest, UsageError } from '@nsrun/cli';

/**
 * parseIp for one command (-batch has tests of its own). `command` is left untyped: the tests
 * read the fields of whichever object they parsed, and check them by value.
 * @param {readonly string[]} argv
 * @returns {Exclude<import('@nsrun/cli').IpInvocation, { object: 'batch' }> & { command: any }}
 */
function parseIp(argv) {
  const i = parseInvocation(argv);
  if (i.object === 'batch') throw new Error(`${argv.join(' ')}: a batch`);
  return i;
}

/** The error `fn` throws; fails when it returns. */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return assert.unreachable('expected a throw');
}

/** Runs main in-process with captured output. */
async function run(...argv) {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { status, stdout, stderr };
}

test('global options: -j, -p, -4/-6, -f, -n, --json; ip abbreviations of objects', () => {
  const i = parseIp(['-j', '-p', '-6', '-n', 'blue', 'r']);
  assert.is(i.object, 'route');
  assert.equal(i.opts, { json: true, pretty: true, family: 6, netns: 'blue' });
  assert.is(parseIp(['--json', 'a']).object, 'address');
  assert.is(parseIp(['-f', 'inet', 'n']).opts.family, 4);
  assert.is(parseIp(['-netns', '123', 'l']).opts.netns, '123');
  assert.is(parseIp(['l']).object, 'link');
  assert.is(parseIp(['neighbour']).object, 'neigh');
  assert.is(parseIp(['mon']).object, 'monitor');
  // "ip m" is maddress in ip: refused rather than silently meaning monitor.
  assert.match(thrown(() => parseIp(['m'])).message, /maddress" is not implemented/);
});

test('no command means show, as in ip', () => {
  assert.equal(parseIp(['link']).command, { op: 'show', up: false });
  assert.equal(parseIp(['addr']).command, { op: 'show', up: false });
  assert.is(parseIp(['route']).command.op, 'show');
  assert.is(parseIp(['neigh']).command.op, 'show');
});

test("help at every level is a HelpRequest with that level's usage", () => {
  for (const argv of [
    ['-h'],
    ['help'],
    ['--help'],
    ['link', 'help'],
    ['link', 'add', 'help'],
    ['addr', '-h'],
    ['route', 'add', '--help'],
    ['neigh', 'help'],
    ['monitor', 'help'],
  ]) {
    const e = thrown(() => parseIp(argv));
    assert.instance(e, HelpRequest, argv.join(' '));
    assert.match(e.text, /^Usage: nsrun ip/);
  }
  assert.match(thrown(() => parseIp(['route', 'help'])).text, /nexthop via GW/);
});

test('link show: dev, bare name, up, master, type', () => {
  assert.equal(parseIp(['link', 'show', 'dev', 'eth0']).command, { op: 'show', up: false, dev: 'eth0' });
  assert.equal(parseIp(['link', 'list', 'eth0', 'up']).command, { op: 'show', up: true, dev: 'eth0' });
  assert.equal(parseIp(['link', 'sh', 'master', 'br0', 'type', 'veth']).command, { op: 'show', up: false, master: 'br0', kind: 'veth' });
});

test('link add: common options before type, kind arguments after', () => {
  const c = parseIp([
    'link',
    'add',
    'link',
    'eth0',
    'name',
    'mv0',
    'address',
    '02:00:00:00:00:0A',
    'mtu',
    '1400',
    'up',
    'type',
    'macvlan',
    'mode',
    'bridge',
  ]).command;
  assert.equal(c, {
    op: 'add',
    opts: { link: 'eth0', name: 'mv0', address: '02:00:00:00:00:0a', mtu: 1400, up: true },
    args: { kind: 'macvlan', link: 'eth0', mode: 'bridge' },
  });
  const v = parseIp(['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'mtu', '9000', 'netns', '42']).command;
  assert.equal(v.args.peer, { name: 'v1', mtu: 9000, netns: { pid: 42 } });
  assert.equal(parseIp(['link', 'add', 'v0', 'type', 'veth', 'peer', 'v1']).command.args.peer, { name: 'v1' });
  const x = parseIp([
    'link',
    'add',
    'vx0',
    'type',
    'vxlan',
    'id',
    '42',
    'dstport',
    '4789',
    'remote',
    '10.1.1.1',
    'local',
    '10.0.0.1',
    'dev',
    'eth0',
    'nolearning',
  ]).command;
  assert.equal(x.args, { kind: 'vxlan', id: 42, port: 4789, remote: '10.1.1.1', local: '10.0.0.1', dev: 'eth0', learning: false });
  assert.equal(parseIp(['link', 'add', 'link', 'eth0', 'name', 'eth0.5', 'type', 'vlan', 'id', '5', 'protocol', '802.1ad']).command.args, {
    kind: 'vlan',
    link: 'eth0',
    id: 5,
    protocol: '802.1ad',
  });
  assert.equal(parseIp(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '1', 'forward_delay', '500']).command.args, {
    kind: 'bridge',
    stp: true,
    forwardDelay: 500,
  });
  assert.equal(parseIp(['link', 'add', 'br0', 'netns', 'blue', 'type', 'bridge']).command.opts.netns, { name: 'blue' });
});

test('link add refuses: long names (naming the field), missing type, missing id/link, junk', () => {
  const long = thrown(() => parseIp(['link', 'add', 'a-name-of-16-byt', 'type', 'bridge']));
  assert.instance(long, ValidationError);
  assert.is(long.field, 'name');
  assert.is(thrown(() => parseIp(['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'x'.repeat(16)])).field, 'peer name');
  assert.match(thrown(() => parseIp(['link', 'add', 'br0'])).message, /missing "type TYPE"/);
  assert.match(thrown(() => parseIp(['link', 'add', 'type', 'bridge'])).message, /missing link name/);
  assert.match(thrown(() => parseIp(['link', 'add', 'vx', 'type', 'vxlan', 'dstport', '1'])).message, /vxlan needs "id N"/);
  assert.match(thrown(() => parseIp(['link', 'add', 'v5', 'type', 'vlan', 'id', '5'])).message, /vlan needs "link DEV"/);
  assert.match(thrown(() => parseIp(['link', 'add', 'br0', 'type', 'bridge', 'frob'])).message, /unexpected argument "frob"/);
  assert.match(thrown(() => parseIp(['link', 'add', 'a', 'b', 'type', 'bridge'])).message, /unexpected argument "b"/);
  assert.match(
    thrown(() => parseIp(['link', 'add', 'link', 'x', 'v', 'type', 'vlan', 'id', '4095'])).message,
    /invalid vlan id "4095": must be an integer from 0 to 4094/,
  );
  assert.instance(
    thrown(() => parseIp(['link', 'add', 'br0', 'address', 'zz', 'type', 'bridge'])),
    ValidationError,
  );
});

test('link set: several changes at once, nomaster, netns, rename; needs a device and a change', () => {
  const c = parseIp([
    'link',
    'set',
    'dev',
    'v0',
    'up',
    'mtu',
    '1400',
    'name',
    'v9',
    'address',
    '02:00:00:00:00:01',
    'master',
    'br0',
    'group',
    '7',
    'netns',
    'blue',
  ]).command;
  assert.equal(c, {
    op: 'set',
    dev: 'v0',
    changes: { up: true, mtu: 1400, name: 'v9', address: '02:00:00:00:00:01', group: 7 },
    master: 'br0',
    netns: { name: 'blue' },
  });
  assert.equal(parseIp(['link', 's', 'v0', 'nomaster', 'down']).command, { op: 'set', dev: 'v0', changes: { up: false }, master: null });
  assert.match(thrown(() => parseIp(['link', 'set', 'up'])).message, /missing device/);
  assert.match(thrown(() => parseIp(['link', 'set', 'v0'])).message, /nothing to change/);
  const mtu = thrown(() => parseIp(['link', 'set', 'v0', 'mtu', 'big']));
  assert.instance(mtu, UsageError);
  assert.match(mtu.message, /^ip link set: invalid mtu "big"/);
  assert.match(mtu.hint, /nsrun ip link set help/);
});

test('link del: device, dev DEV, group N', () => {
  assert.equal(parseIp(['link', 'del', 'v0']).command, { op: 'del', dev: 'v0' });
  assert.equal(parseIp(['link', 'delete', 'dev', 'v0', 'type', 'veth']).command, { op: 'del', dev: 'v0' });
  assert.equal(parseIp(['link', 'd', 'group', '5']).command, { op: 'delGroup', group: 5 });
  assert.match(thrown(() => parseIp(['link', 'del'])).message, /missing device/);
  assert.match(thrown(() => parseIp(['link', 'frob'])).message, /unknown command "frob"/);
});

test('address: show, add with broadcast/label/scope/lifetimes/flags, del', () => {
  assert.equal(parseIp(['a', 's', 'dev', 'eth0']).command, { op: 'show', up: false, dev: 'eth0' });
  const c = parseIp([
    'addr',
    'add',
    '10.0.0.1/24',
    'brd',
    '+',
    'dev',
    'eth0',
    'label',
    'eth0:1',
    'scope',
    'link',
    'valid_lft',
    '100',
    'preferred_lft',
    'forever',
    'noprefixroute',
  ]).command;
  assert.equal(c, {
    op: 'add',
    cidr: '10.0.0.1/24',
    dev: 'eth0',
    opts: { broadcast: true, label: 'eth0:1', scope: 253, validLft: 100, preferredLft: 0xffffffff, noPrefixRoute: true },
  });
  assert.equal(parseIp(['address', 'replace', 'local', '2001:db8::1/64', 'dev', 'eth0', 'nodad']).command, {
    op: 'replace',
    cidr: '2001:db8::1/64',
    dev: 'eth0',
    opts: { noDad: true },
  });
  assert.equal(parseIp(['a', 'del', '10.0.0.1/24', 'dev', 'eth0']).command, { op: 'del', cidr: '10.0.0.1/24', dev: 'eth0' });
  assert.match(thrown(() => parseIp(['a', 'add', '10.0.0.1/24'])).message, /missing "dev DEV"/);
  assert.is(thrown(() => parseIp(['a', 'add', '10.0.0.300/24', 'dev', 'x'])).field, 'address');
});

test('route: show filters and selectors', () => {
  const s = parseIp(['route', 'show', 'table', 'all', 'dev', 'eth0', 'proto', 'static', 'type', 'blackhole', 'scope', 'link']).command;
  assert.equal(s.filter, { table: 'all', dev: 'eth0', protocol: 4, type: 'blackhole', scope: 253 });
  assert.is(parseIp(['r', 'show', 'table', '100']).command.filter.table, 100);
  assert.is(parseIp(['r', 'show', 'table', 'local']).command.filter.table, 255);
  const e = parseIp(['r', 'list', '10.1.2.3/16']).command.filter.exact;
  assert.equal(e, { family: 4, net: 0x0a010000n, len: 16 });
  assert.equal(parseIp(['-6', 'r', 'show', 'default']).command.filter.exact, { family: 6, net: 0n, len: 0 });
});

test('route: add with via, dev, metric, table, scope, proto, src, mtu; types; multipath; family', () => {
  assert.equal(
    parseIp([
      'route',
      'add',
      'default',
      'via',
      '10.0.0.1',
      'dev',
      'eth0',
      'metric',
      '100',
      'table',
      '100',
      'proto',
      'static',
      'src',
      '10.0.0.2',
      'mtu',
      'lock',
      '1400',
      'onlink',
    ]).command,
    { op: 'add', spec: { dst: 'default', gateway: '10.0.0.1', dev: 'eth0', metric: 100, table: 100, protocol: 4, src: '10.0.0.2', mtu: 1400, onlink: true } },
  );
  assert.equal(parseIp(['r', 'add', 'blackhole', '10.9.0.0/16']).command.spec, { type: 'blackhole', dst: '10.9.0.0/16' });
  assert.equal(parseIp(['r', 'add', 'prohibit', '10.7.0.1', 'table', 'main']).command.spec, { type: 'prohibit', dst: '10.7.0.1', table: 254 });
  assert.equal(
    parseIp(['r', 'replace', '10.5.0.0/16', 'nexthop', 'via', '10.0.0.2', 'dev', 'a', 'weight', '2', 'nexthop', 'via', '10.0.1.2', 'dev', 'b']).command,
    {
      op: 'replace',
      spec: {
        dst: '10.5.0.0/16',
        nexthops: [
          { gateway: '10.0.0.2', dev: 'a', weight: 2 },
          { gateway: '10.0.1.2', dev: 'b' },
        ],
      },
    },
  );
  assert.equal(parseIp(['-6', 'r', 'append', 'default', 'dev', 'eth0']).command.spec, { dst: 'default', dev: 'eth0', family: 6 });
  assert.equal(parseIp(['r', 'del', 'default', 'scope', 'global']).command, { op: 'del', spec: { dst: 'default', scope: 0 } });
  assert.match(thrown(() => parseIp(['r', 'add', 'via', '10.0.0.1'])).message, /missing destination/);
  assert.match(thrown(() => parseIp(['r', 'add', 'default', 'nexthop', 'frob'])).message, /unexpected argument "frob"/);
  assert.match(thrown(() => parseIp(['r', 'add', 'default', 'via', '1.1.1.1', 'table', 'all'])).message, /invalid table "all"/);
  assert.match(thrown(() => parseIp(['r', 'add', '10.0.0.0/8', 'dev', 'x', 'proto', 'nonsense'])).message, /invalid protocol/);
});

test('neigh: show filters, add/replace/del', () => {
  assert.equal(parseIp(['n']).command, { op: 'show', states: 0xbf });
  assert.equal(parseIp(['neigh', 'show', 'dev', 'eth0', 'nud', 'all']).command, { op: 'show', dev: 'eth0', states: 0x1ff });
  assert.equal(parseIp(['neigh', 'add', '10.0.0.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'eth0', 'nud', 'REACHABLE']).command, {
    op: 'add',
    spec: { dst: '10.0.0.2', dev: 'eth0', lladdr: '02:00:00:00:00:02', state: 'reachable' },
  });
  assert.equal(parseIp(['neigh', 'replace', '2001:db8::2', 'lladdr', '02:00:00:00:00:02', 'dev', 'eth0']).command.spec.replace, true);
  assert.equal(parseIp(['neigh', 'del', '10.0.0.2', 'dev', 'eth0']).command, { op: 'del', spec: { dst: '10.0.0.2', dev: 'eth0' } });
  assert.match(thrown(() => parseIp(['neigh', 'add', '10.0.0.2', 'nud', 'sleepy', 'dev', 'x'])).message, /invalid nud state "sleepy"/);
});

test('monitor: objects, all, label', () => {
  assert.equal(parseIp(['monitor']).command, { op: 'monitor', groups: ['link', 'addr', 'route', 'neigh'], label: false });
  assert.equal(parseIp(['monitor', 'label', 'link', 'a']).command, { op: 'monitor', groups: ['link', 'addr'], label: true });
  assert.match(thrown(() => parseIp(['monitor', 'rule'])).message, /unknown object "rule"/);
});

test('main: exit 2 with one error line and a hint for bad usage; help on stdout with 0', async () => {
  let r = await run('ip', 'link', 'frob');
  assert.is(r.status, 2);
  assert.is(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n'), ['nsrun: ip link: unknown command "frob"', 'Try "nsrun ip link help".']);
  r = await run('ip', 'link', 'add', 'x'.repeat(16), 'type', 'bridge');
  assert.is(r.status, 2);
  assert.match(r.stderr, /^nsrun: invalid name "x{16}": is 16 bytes; link names are at most 15\n$/);
  r = await run('frob');
  assert.is(r.status, 2);
  r = await run();
  assert.is(r.status, 2);
  assert.match(r.stderr, /Usage: nsrun COMMAND/);
  r = await run('ip', 'route', 'help');
  assert.is(r.status, 0);
  assert.match(r.stdout, /^Usage: nsrun ip route show/);
  assert.is(r.stderr, '');
  r = await run('--help');
  assert.is(r.status, 0);
  r = await run('--version');
  assert.match(r.stdout, /^nsrun \d+\.\d+\.\d+\n$/);
  r = await run('ip', '-x', 'link');
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown option "-x"/);
});

test.run();
