// `nsrun ip help` and each object's help say what exists; what does not exist is bad usage
// (exit 2) with one line naming it and a hint. No kernel needed: main() runs in-process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '@nsrun/cli';

async function run(...argv) {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { status, stdout, stderr };
}

test('nsrun ip help, -h, --help, "ip h": the objects and the global options, exit 0', async () => {
  for (const argv of [
    ['ip', 'help'],
    ['ip', '-h'],
    ['ip', '--help'],
    ['ip', 'h'],
    ['ip', '-j', 'help'],
  ]) {
    const r = await run(...argv);
    assert.equal([r.status, r.stderr], [0, ''], argv.join(' '));
    assert.match(r.stdout, /^Usage: nsrun ip \[OPTIONS\] OBJECT \{ COMMAND \| help \}\n/);
    assert.match(r.stdout, /OBJECT {2}:= link \| address \| route \| neigh \| netns \| monitor\n/);
    for (const opt of ['-j[son]', '-s[tatistics]', '-d[etails]', '-o[neline]', '-br[ief]', '-n[etns] NAME|PID', '-a[ll]', '-batch', '-force']) {
      assert.ok(r.stdout.includes(opt), `${argv.join(' ')} names ${opt}`);
    }
  }
});

test("each object's help lists its commands", async () => {
  const expect = {
    link: ['ip link show', 'ip link add', 'ip link set', 'ip link del', 'type KIND[_slave]', 'alias TEXT'],
    address: ['ip address show', 'ip address add|replace', 'ip address del', 'master DEV'],
    route: ['ip route show', 'ip route add|replace|append|del', 'ip route get [to] ADDRESS [from ADDRESS] [iif DEV] [oif DEV] [mark N]'],
    neigh: ['ip neigh show', 'ip neigh add|replace', 'ip neigh del', 'ip neigh get [to] ADDR dev DEV'],
    netns: [
      'ip netns list',
      'ip netns add NAME',
      'ip netns attach NAME PID',
      'ip netns set NAME NETNSID',
      'ip [-all] netns delete [NAME]',
      'ip netns identify [PID]',
      'ip netns pids NAME',
      'ip [-all] netns exec [NAME] CMD',
      'ip netns list-id',
    ],
    monitor: ['ip monitor [label]'],
  };
  for (const [object, lines] of Object.entries(expect)) {
    for (const argv of [
      ['ip', object, 'help'],
      ['ip', object, '-h'],
      ['ip', object.slice(0, 3), 'help'],
    ]) {
      const r = await run(...argv);
      assert.equal([r.status, r.stderr], [0, ''], argv.join(' '));
      for (const l of lines) assert.ok(r.stdout.includes(l), `${argv.join(' ')}: ${JSON.stringify(l)} in\n${r.stdout}`);
    }
  }
  // A command's own help is its object's usage.
  for (const argv of [
    ['ip', 'route', 'get', 'help'],
    ['ip', 'neigh', 'get', '--help'],
    ['ip', 'netns', 'exec', 'help'],
    ['ip', 'link', 'show', 'help'],
  ]) {
    const r = await run(...argv);
    assert.equal([r.status, r.stderr], [0, ''], argv.join(' '));
    assert.match(r.stdout, /^Usage: nsrun ip /);
  }
});

test('unknown objects, commands and options: exit 2, one line naming it, and where to look', async () => {
  /** @type {[string[], RegExp][]} */
  const cases = [
    [['ip', 'frob'], /^nsrun: ip: unknown object "frob" \(nsrun ip has link, address, route, neigh, netns, monitor\)\nTry "nsrun ip help"\.\n$/],
    [['ip', 'rule'], /^nsrun: ip: object "rule" is not implemented by nsrun ip \(only link, address, route, neigh, netns, monitor\)\nTry "nsrun ip help"\.\n$/],
    [['ip', 'link', 'frob'], /^nsrun: ip link: unknown command "frob"\nTry "nsrun ip link help"\.\n$/],
    [['ip', 'route', 'frob'], /^nsrun: ip route: unknown command "frob"\nTry "nsrun ip route help"\.\n$/],
    [['ip', 'neigh', 'frob'], /^nsrun: ip neigh: unknown command "frob"\nTry "nsrun ip neigh help"\.\n$/],
    [['ip', 'netns', 'frob'], /^nsrun: ip netns: unknown command "frob"\nTry "nsrun ip netns help"\.\n$/],
    [['ip', '-x', 'link'], /^nsrun: ip: unknown option "-x"\nTry "nsrun ip help"\.\n$/],
    [['ip', '-r', 'route'], /^nsrun: ip: option "-r" \(ip's -resolve\) is not supported by nsrun ip\nTry "nsrun ip help"\.\n$/],
    [['ip', '-t', 'monitor'], /^nsrun: ip: option "-t" \(ip's -timestamp\) is not supported by nsrun ip\n/],
    [['ip', '-batch'], /^nsrun: ip: missing file name after -batch\n/],
    [['ip', '-batch', 'f', 'link'], /^nsrun: ip: -batch takes no command \(found "link"\)\n/],
    [['ip'], /^nsrun: ip: missing object \(link, address, route, neigh, netns, monitor\)\nTry "nsrun ip help"\.\n$/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(...argv);
    assert.equal([r.status, r.stdout], [2, ''], argv.join(' '));
    assert.match(r.stderr, re, argv.join(' '));
  }
});

test("ip's abbreviations of the global options: -s -statistics count, -b is -batch, -br -brief, -f -family, -fo -force", async () => {
  const { parseIp } = await import('@nsrun/cli');
  /** @param {string[]} argv */
  const command = (argv) => {
    const i = parseIp(argv);
    return i.object === 'batch' ? undefined : i.command;
  };
  assert.is(parseIp(['-s', '-stat', '-statistics', 'link']).opts.stats, 3);
  const batch = parseIp(['-b', 'file']);
  assert.is(batch.object === 'batch' && batch.file, 'file');
  assert.is(parseIp(['-br', 'link']).opts.brief, true);
  assert.is(parseIp(['-f', 'inet6', 'route']).opts.family, 6);
  assert.is(parseIp(['-fo', '-batch', '-']).opts.force, true);
  assert.is(parseIp(['-d', '-o', 'link']).opts.details, true);
  assert.is(parseIp(['-oneline', 'link']).opts.oneline, true);
  assert.equal(command(['-a', 'netns', 'exec', 'true']), { op: 'exec', argv: ['true'] }); // no name: -all
  assert.equal(command(['netns', 'exec', 'blue', 'ip', '-j', 'link']), { op: 'exec', name: 'blue', argv: ['ip', '-j', 'link'] });
});

test.run();
