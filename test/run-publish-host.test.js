// --publish against the host it publishes on: HOSTIP must be one of the host's addresses, and a
// host port a host service listens on is refused (naming the process and the address it listens
// on) unless --publish-force, for `nsrun run` and `nsrun net attach`, before anything is created.
// Each test has its own "host" namespace (ctx.ns) with a veth whose host end has 192.0.2.1 and
// 192.0.2.2 (TEST-NET-1); listeners are Node processes in that namespace. `ss` is the observer
// that they listen; `ip -j` and `nft -j` that nothing was created.
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { nftSkipReason } from '@nsrun/test-helpers/nft';
import { MAIN, nsrunSpawn, nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';

const NODE = process.execPath;

const k = kernelSuite("nsrun run / net attach --publish: the host's addresses and listeners");
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.kids = [];
  ctx.ip('link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1');
  ctx.ip('addr', 'add', '192.0.2.1/24', 'dev', 'up0');
  ctx.ip('addr', 'add', '192.0.2.2/24', 'dev', 'up0');
  ctx.ip('link', 'set', 'up0', 'up');
  ctx.links = () =>
    ctx
      .ip('-j', 'link', 'show')
      .map((l) => l.ifname)
      .sort();
});
k.after.each((ctx) => {
  for (const c of ctx.kids) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  removeStateDir(ctx.state);
});

/** A Node process in the host namespace listening as `listen` says; resolves to it once it listens. */
function listener(ctx, listen) {
  const script = `const done = () => console.log('ready'); ${listen}; setInterval(() => {}, 1000)`;
  // nsenter execs node: the child's pid is the listener's.
  const child = spawn('nsenter', [`--net=${ctx.ns.procPath}`, NODE, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  ctx.kids.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => /ready/.test(d) && resolve(child));
    child.on('exit', (c) => reject(new Error(`listener exited (${c})`)));
  });
}
const tcp = (port, host, more = '') => `require('net').createServer((c) => c.end('host\\n')).listen({ port: ${port}, host: '${host}'${more} }, done)`;
const udp = (port, host) => `require('dgram').createSocket('udp4').bind(${port}, '${host}', done)`;
/** `ss -H -ln` in the host namespace: does anything listen on `port`? (the independent observer) */
const ssListens = (ctx, flag, port) => ctx.sh(`ss -H -ln ${flag} sport = :${port}`).trim() !== '';
const nftRules = (ctx) => (nftSkipReason ? [] : JSON.parse(ctx.sh('nft -j list ruleset')).nftables.filter((x) => x.rule));
const ipForward = (ctx) => ctx.sh('cat /proc/sys/net/ipv4/ip_forward').trim();

/** Nothing of nsrun's exists in the host namespace. */
function nothingCreated(ctx, what) {
  assert.equal(ctx.links(), ['lo', 'up0', 'up1'], `${what}: no bridge, no veth`);
  assert.equal(records(ctx.state), [], `${what}: no record`);
  assert.equal(nftRules(ctx), [], `${what}: no rule`);
  assert.is(ipForward(ctx), '0', `${what}: forwarding untouched`);
}

const run = (ctx, args) => nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, ...args, '--', 'true']);

k("HOSTIP not an address of this host: refused naming it, status 125, nothing created; the host's own and the bridge's are fine", (ctx) => {
  const r = run(ctx, ['--publish', '1.2.3.4:8080:80']);
  assert.is(r.status, 125, r.stderr);
  assert.match(
    r.stderr,
    /^nsrun: run: validate: publish: not an address of this host: 1\.2\.3\.4 \(in 1\.2\.3\.4:8080:80\/tcp; its IPv4 addresses: 192\.0\.2\.1, 192\.0\.2\.2;/,
  );
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  nothingCreated(ctx, '1.2.3.4');
  // One bad address among good ones is enough.
  const mixed = run(ctx, ['--publish', '192.0.2.1:8080:80', '--publish', '192.0.2.9:8081:80']);
  assert.is(mixed.status, 125, mixed.stderr);
  assert.match(mixed.stderr, /not an address of this host: 192\.0\.2\.9/);
  nothingCreated(ctx, '192.0.2.9');
  if (nftSkipReason) return skip(nftSkipReason);
  assert.is(run(ctx, ['--publish', '192.0.2.2:8080:80']).status, 0, 'an address of the host');
  // The bridge's address, before the bridge exists (this run makes it).
  ctx.ip('link', 'del', 'brg0');
  const gw = run(ctx, ['--publish', '10.10.10.1:8080:80']);
  assert.is(gw.status, 0, gw.stderr);
});

k('a host service listening on the port: refused naming its process and address, status 125, nothing created', async (ctx) => {
  const server = await listener(ctx, tcp(8080, '0.0.0.0'));
  assert.ok(ssListens(ctx, '-t', 8080));
  const r = run(ctx, ['--publish', '8080:80']);
  assert.is(r.status, 125, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`^nsrun: run: validate: publish: host port 8080/tcp is in use: node \\(pid ${server.pid}\\) listens on 0\\.0\\.0\\.0:8080; .*--publish-force`),
  );
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  nothingCreated(ctx, 'listener on 0.0.0.0');
  // With the host's address too: 0.0.0.0 takes its connections.
  const r2 = run(ctx, ['--publish', '192.0.2.1:8080:80']);
  assert.is(r2.status, 125, r2.stderr);
  assert.match(r2.stderr, /node \(pid \d+\) listens on 0\.0\.0\.0:8080/);
  nothingCreated(ctx, 'listener on 0.0.0.0, HOSTIP given');
});

k('which listeners a publish shadows: the wildcard, its HOSTIP, any but loopback without one, IPv6 that takes IPv4; per protocol', async (ctx) => {
  await listener(
    ctx,
    `${tcp(8081, '127.0.0.1')}; ${tcp(8082, '192.0.2.2')}; ${tcp(8083, '::')}; ${tcp(8084, '::', ', ipv6Only: true')}; ${tcp(8085, '::ffff:192.0.2.1')}; ${udp(5353, '0.0.0.0')}`,
  );
  for (const [port, flag] of [
    [8081, '-t'],
    [8082, '-t'],
    [8083, '-t'],
    [8084, '-t'],
    [8085, '-t'],
    [5353, '-u'],
  ])
    assert.ok(ssListens(ctx, flag, port), `ss sees ${port}`);
  /** @type {[string[], RegExp][]} */
  const refused = [
    [['--publish', '8082:80'], /listens on 192\.0\.2\.2:8082/], // a host address, no HOSTIP: every non-loopback address is published
    [['--publish', '192.0.2.2:8082:80'], /listens on 192\.0\.2\.2:8082/],
    [['--publish', '8083:80'], /listens on \[::\]:8083/], // IPv6 wildcard without IPV6_V6ONLY takes IPv4
    [['--publish', '192.0.2.1:8085:80'], /listens on \[::ffff:192\.0\.2\.1\]:8085/],
    [['--publish', '5353:53/udp'], /host port 5353\/udp is in use: node \(pid \d+\) is bound to 0\.0\.0\.0:5353/],
  ];
  for (const [args, re] of refused) {
    const r = run(ctx, args);
    assert.is(r.status, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    nothingCreated(ctx, args.join(' '));
  }
  if (nftSkipReason) return skip(nftSkipReason);
  for (const args of [
    ['--publish', '8081:80'], // loopback only: the rules leave 127/8 alone
    ['--publish', '192.0.2.1:8082:80'], // another host address than the one listened on
    ['--publish', '8084:80'], // IPv6 only
    ['--publish', '5353:53'], // TCP: the listener is UDP
  ]) {
    const r = run(ctx, args);
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr, '', args.join(' '));
  }
});

k(
  '--publish-force: proceeds, names the listener in a warning; the container then takes its connections (from this host too), loopback still reaches it',
  async (ctx) => {
    if (nftSkipReason) return skip(nftSkipReason);
    const server = await listener(ctx, tcp(8080, '0.0.0.0'));
    const c = nsrunSpawn(ctx.ns, [
      'run',
      '--publish',
      '8080:80',
      '--publish-force',
      '--state-dir',
      ctx.state,
      '--',
      NODE,
      '-e',
      `require('net').createServer((c) => c.end('container\\n')).listen(80, () => console.log('ready')); process.stdin.on('end', () => process.exit(0)); process.stdin.resume()`,
    ]);
    await c.wait('stdout', /^ready$/m);
    assert.match(
      c.stderr,
      new RegExp(
        `^nsrun: run: warning: publish: 8080:80/tcp: node \\(pid ${server.pid}\\) listens on 0\\.0\\.0\\.0:8080; its connections go to the container`,
        'm',
      ),
    );
    const ask = (host) =>
      execFileSync(
        'nsenter',
        [
          `--net=${ctx.ns.procPath}`,
          NODE,
          '-e',
          `require('net').connect(8080, '${host}').on('data', (d) => process.stdout.write(d)).on('error', (e) => console.log(e.code))`,
        ],
        { encoding: 'utf8' },
      ).trim();
    assert.is(ask('192.0.2.1'), 'container', 'what the check warned about: the host service is shadowed');
    assert.is(ask('127.0.0.1'), 'host');
    c.child.stdin.end();
    assert.is((await c.done).status, 0);
    assert.is(ask('192.0.2.1'), 'host', 'back to the host service once the container is gone');
    assert.equal(nftRules(ctx), []);
  },
);

k('net attach: the same refusals (status 2), nothing created; --publish-force attaches', async (ctx) => {
  const box = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'unshare', '--net', 'sleep', '1000'], { stdio: 'ignore' });
  ctx.kids.push(box);
  const own = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' });
  for (let i = 0; i < 200 && execFileSync('readlink', [`/proc/${box.pid}/ns/net`], { encoding: 'utf8' }) === own; i++)
    await new Promise((r) => setTimeout(r, 10));
  const server = await listener(ctx, tcp(8080, '0.0.0.0'));
  const attach = (args) => nsrunSync(ctx.ns, ['net', 'attach', '--pid', String(box.pid), '--state-dir', ctx.state, ...args]);
  const bad = attach(['--publish', '1.2.3.4:9090:80']);
  assert.is(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /^nsrun: net: validate: publish: not an address of this host: 1\.2\.3\.4/);
  nothingCreated(ctx, 'attach 1.2.3.4');
  const busy = attach(['--publish', '8080:80']);
  assert.is(busy.status, 2, busy.stderr);
  assert.match(
    busy.stderr,
    new RegExp(`^nsrun: net: validate: publish: host port 8080/tcp is in use: node \\(pid ${server.pid}\\) listens on 0\\.0\\.0\\.0:8080;`),
  );
  nothingCreated(ctx, 'attach over a listener');
  assert.equal(
    JSON.parse(execFileSync('nsenter', ['-t', String(box.pid), '-n', 'ip', '-j', 'link', 'show'], { encoding: 'utf8' })).map((l) => l.ifname),
    ['lo'],
  );
  if (nftSkipReason) return skip(nftSkipReason);
  const forced = attach(['--publish', '8080:80', '--publish-force']);
  assert.is(forced.status, 0, forced.stderr);
  assert.match(forced.stderr, /^nsrun: net: warning: publish: 8080:80\/tcp: node \(pid \d+\) listens on 0\.0\.0\.0:8080/m);
  assert.is(nftRules(ctx).length, 2, 'prerouting and output DNAT');
  const d = nsrunSync(ctx.ns, ['net', 'detach', '--pid', String(box.pid), '--state-dir', ctx.state]);
  assert.is(d.status, 0, d.stderr);
});

k('without --publish nothing is asked of the kernel about sockets; --publish-force alone is a usage error', (ctx) => {
  // strace: no NETLINK_SOCK_DIAG socket (protocol 4) is opened by a run without --publish.
  const file = `${ctx.state}.strace`;
  ctx.sh(`strace -f -qq -e trace=socket -o ${file} ${NODE} ${MAIN} run --state-dir ${ctx.state} -- true`);
  const log = readFileSync(file, 'utf8');
  rmSync(file);
  assert.match(log, /NETLINK_ROUTE/, `strace saw the run's sockets: ${log}`);
  assert.not.match(log, /NETLINK_SOCK_DIAG|NETLINK_INET_DIAG/);
  const r = run(ctx, ['--publish-force']);
  assert.is(r.status, 125);
  assert.match(r.stderr, /usage: --publish-force needs --publish/);
});

k.run();
