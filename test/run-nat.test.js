// `nsrun run --nat` and `--publish`: nf_tables rules in nsrun's own table `ip nsrun`. Each test
// has its own "host" namespace (ctx.ns) and, joined to it by a veth, an "upstream" namespace of
// its own (a process made with unshare) with a server or client of the test's: 192.0.2.1 is the
// host's end, 192.0.2.2 the upstream's (TEST-NET-1). Nothing leaves the sandbox. `nft -j list
// ruleset` inside the host namespace is the independent observer of the rules.
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { nftSkipReason } from '@nsrun/test-helpers/nft';
import { nsrunSpawn, nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';

const NODE = process.execPath;

const noNft = nftSkipReason;

const k = kernelSuite('nsrun run --nat / --publish');
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.kids = [];
});
k.after.each((ctx) => {
  for (const c of ctx.kids) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  removeStateDir(ctx.state);
});

/** `nft ARGS` in the host namespace; -j output parsed to its list of objects. */
function nft(ctx, args, input = '') {
  const out = execFileSync('nsenter', [`--net=${ctx.ns.procPath}`, 'nft', ...args], { encoding: 'utf8', input });
  return args.includes('-j') ? JSON.parse(out || '{"nftables":[]}').nftables.filter((x) => !x.metainfo) : out;
}
const ruleset = (ctx) => nft(ctx, ['-j', 'list', 'ruleset']);
const nsrunObjects = (ctx) =>
  ruleset(ctx).filter((o) => Object.values(o)[0].table === 'nsrun' || Object.values(o)[0].name === 'nsrun' || /nsrun:/.test(Object.values(o)[0].comment ?? ''));

/** A process running `node -e SCRIPT` (in the namespace `nsArgs` of nsenter names); `wait(re)` for its output. */
function nodeIn(ctx, nsArgs, script) {
  const child = spawn('nsenter', [...nsArgs, NODE, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  ctx.kids.push(child);
  let out = '';
  const waiters = [];
  const check = () => {
    for (const w of [...waiters]) if (w.re.test(out)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(out));
  };
  child.stdout.on('data', (d) => ((out += d), check()));
  child.stderr.on('data', (d) => ((out += d), check()));
  child.on('close', () => waiters.forEach((w) => w.reject(new Error(`exited before ${w.re}: ${out}`))));
  return {
    child,
    get out() {
      return out;
    },
    wait: (re) => new Promise((resolve, reject) => (waiters.push({ re, resolve, reject }), check())),
  };
}
const exited = (c) => new Promise((/** @type {(v?: unknown) => void} */ r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('close', r)));

// One line each: servers print "ready" and, per client, the peer they saw; replies say "you=PEER".
const tcpServer = (port, host = '0.0.0.0') =>
  `require('net').createServer((c) => { console.log('tcp peer=' + c.remoteAddress); c.end('you=' + c.remoteAddress + '\\n'); }).listen(${port}, '${host}', () => console.log('ready tcp'))`;
const udpServer = (port) =>
  `const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => { console.log('udp peer=' + r.address); s.send('udp you=' + r.address + '\\n', r.port, r.address); }); s.bind(${port}, () => console.log('ready udp'))`;
const tcpClient = (host, port) =>
  `const c = require('net').connect(${port}, '${host}'); c.setTimeout(1500, () => { console.log('timeout'); process.exit(3); }); c.on('data', (d) => process.stdout.write(d)); c.on('end', () => process.exit(0)); c.on('error', (e) => { console.log('error ' + e.code); process.exit(4); })`;
const udpClient = (host, port) =>
  `const s = require('dgram').createSocket('udp4'); const t = setTimeout(() => { console.log('timeout'); process.exit(3); }, 1500); s.on('message', (m) => { process.stdout.write(m); clearTimeout(t); s.close(); }); s.send('hi', ${port}, '${host}')`;

async function netnsReady(pid) {
  const own = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' });
  for (let i = 0; i < 200; i++) {
    try {
      if (execFileSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }) !== own && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep')
        return;
    } catch {}
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the upstream process never got its own netns');
}

/** The upstream namespace: a veth up0 (host, 192.0.2.1/24) -- up1 (upstream, 192.0.2.2/24). Returns nsenter args for it. */
async function upstream(ctx) {
  const proc = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'unshare', '--net', 'sleep', '1000'], { stdio: 'ignore' });
  ctx.kids.push(proc);
  await netnsReady(proc.pid);
  const up = ['-t', String(proc.pid), '-n'];
  ctx.ip('link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1', 'netns', String(proc.pid));
  ctx.ip('addr', 'add', '192.0.2.1/24', 'dev', 'up0');
  ctx.ip('link', 'set', 'up0', 'up');
  for (const a of [
    ['link', 'set', 'lo', 'up'],
    ['addr', 'add', '192.0.2.2/24', 'dev', 'up1'],
    ['link', 'set', 'up1', 'up'],
  ])
    execFileSync('nsenter', [...up, 'ip', ...a]);
  return up;
}

const ipForward = (ctx) => ctx.sh('cat /proc/sys/net/ipv4/ip_forward').trim();

k(
  "without --nat the container cannot reach the upstream; with --nat it can, seen from the host's upstream address; forwarding turned on and said so",
  async (ctx) => {
    if (noNft) return skip(noNft);
    const up = await upstream(ctx);
    const server = nodeIn(ctx, up, tcpServer(7000));
    await server.wait(/ready tcp/);
    assert.is(ipForward(ctx), '0');
    const withNat = nsrunSync(ctx.ns, ['run', '--nat', '--verbose', '--state-dir', ctx.state, '--', NODE, '-e', tcpClient('192.0.2.2', 7000)]);
    assert.is(withNat.status, 0, withNat.stdout + withNat.stderr);
    assert.match(withNat.stdout, /^you=192\.0\.2\.1$/m);
    await server.wait(/tcp peer=192\.0\.2\.1$/m);
    assert.match(withNat.stderr, /turned on IPv4 forwarding/);
    assert.is(ipForward(ctx), '1', 'left on');
    // Forwarding is on now: without NAT the upstream has no route back to 10.10.10.0/24.
    const without = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--', NODE, '-e', tcpClient('192.0.2.2', 7000)]);
    assert.not.match(without.stdout, /you=/);
    assert.match(without.stdout, /^(timeout|error \w+)$/m);
    assert.is(without.status !== 0, true);
    assert.not.match(server.out, /peer=10\./);
    assert.equal(nsrunObjects(ctx), []);
    assert.equal(records(ctx.state), []);
  },
);

/** The same rules written for nft, in a table `ref` of its own: our rules must list exactly like them. */
function reference(ctx, id, cip) {
  const tag = `comment "nsrun:${id}"`;
  nft(
    ctx,
    ['-f', '-'],
    `table ip ref {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${cip} oifname != "brg0" masquerade ${tag}
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname != "brg0" fib daddr type local tcp dport 8080 dnat to ${cip}:80 ${tag}
    iifname != "brg0" ip daddr 192.0.2.1 udp dport 5353 dnat to ${cip}:53 ${tag}
  }
  chain output {
    type nat hook output priority -100; policy accept;
    ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat to ${cip}:80 ${tag}
    ip daddr 192.0.2.1 udp dport 5353 dnat to ${cip}:53 ${tag}
  }
}
`,
  );
  const refObjs = ruleset(ctx).filter((o) => Object.values(o)[0].table === 'ref' || Object.values(o)[0].name === 'ref');
  nft(ctx, ['delete', 'table', 'ip', 'ref']);
  return refObjs;
}
const normal = (objs, table) =>
  objs.map((o) => {
    const [kind, v] = Object.entries(o)[0];
    const { handle, table: t, name, ...rest } = v;
    return { [kind]: { ...rest, ...(kind === 'table' ? { name: table } : { table, ...(name !== undefined && { name }) }) } };
  });

k('nft -j list ruleset shows exactly the table, chains and rules we made; all gone at exit; other tables untouched', async (ctx) => {
  if (noNft) return skip(noNft);
  await upstream(ctx); // 192.0.2.1, published below, must be an address of the host
  nft(
    ctx,
    ['-f', '-'],
    'table ip other {\n  chain c {\n    type filter hook input priority 0; policy accept;\n    iifname "lo" counter accept comment "theirs"\n  }\n}\n',
  );
  const before = ruleset(ctx);
  const c = nsrunSpawn(ctx.ns, [
    'run',
    '--nat',
    '--publish',
    '8080:80',
    '--publish',
    '192.0.2.1:5353:53/udp',
    '--json',
    '--state-dir',
    ctx.state,
    '--',
    'sh',
    '-c',
    'echo ready; read _',
  ]);
  await c.wait('stdout', /^ready$/m);
  const [, json] = await c.wait('stderr', /^(\{"event":"started".*)$/m);
  const { id, address } = JSON.parse(json);
  const cip = address.split('/')[0];
  const ours = nsrunObjects(ctx);
  const ref = reference(ctx, id, cip);
  assert.equal(normal(ours, 'nsrun'), normal(ref, 'nsrun'));
  assert.equal(ours.filter((o) => o.rule).length, 5);
  assert.ok(ours.filter((o) => o.rule).every((o) => o.rule.comment === `nsrun:${id}`));
  // nsrun nat show: the same rules, by container, in nft's words.
  const shown = nsrunSync(ctx.ns, ['nat', 'show', '--json']);
  assert.is(shown.status, 0, shown.stderr);
  const handles = Object.fromEntries(ours.filter((o) => o.rule).map((o) => [o.rule.handle, o.rule.chain]));
  assert.equal(
    JSON.parse(shown.stdout).map((r) => [r.id, r.table, r.chain, handles[r.handle], r.rule]),
    [
      [id, 'nsrun', 'postrouting', 'postrouting', `ip saddr ${cip} oifname != "brg0" masquerade`],
      [id, 'nsrun', 'prerouting', 'prerouting', `iifname != "brg0" fib daddr type local tcp dport 8080 dnat to ${cip}:80`],
      [id, 'nsrun', 'prerouting', 'prerouting', `iifname != "brg0" ip daddr 192.0.2.1 udp dport 5353 dnat to ${cip}:53`],
      [id, 'nsrun', 'output', 'output', `ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat to ${cip}:80`],
      [id, 'nsrun', 'output', 'output', `ip daddr 192.0.2.1 udp dport 5353 dnat to ${cip}:53`],
    ].sort((a, b) => ['postrouting', 'prerouting', 'output'].indexOf(a[2]) - ['postrouting', 'prerouting', 'output'].indexOf(b[2])),
  );
  const text = nsrunSync(ctx.ns, ['nat', 'show']);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /^ID\s+CHAIN\s+HANDLE\s+RULE$/m);
  assert.match(text.stdout, new RegExp(`^${id}\\s+ip nsrun postrouting\\s+\\d+\\s+ip saddr ${cip.replace(/\./g, '\\.')} oifname != "brg0" masquerade$`, 'm'));
  c.child.stdin.end('\n');
  const done = await c.done;
  assert.is(done.status, 0, done.stderr);
  assert.equal(nsrunObjects(ctx), []);
  assert.equal(ruleset(ctx), before);
  assert.equal(records(ctx.state), []);
  assert.equal(JSON.parse(nsrunSync(ctx.ns, ['nat', 'show', '--json']).stdout), []);
});

k("--publish: a client upstream reaches servers inside the container through the host's address and port, TCP and UDP", async (ctx) => {
  if (noNft) return skip(noNft);
  const up = await upstream(ctx);
  const c = nsrunSpawn(ctx.ns, [
    'run',
    '--publish',
    '8080:80',
    '--publish',
    '192.0.2.1:5353:53/udp',
    '--state-dir',
    ctx.state,
    '--',
    NODE,
    '-e',
    `${tcpServer(80)}; ${udpServer(53)}; process.stdin.on('end', () => process.exit(0)); process.stdin.resume()`,
  ]);
  await c.wait('stdout', /ready tcp/);
  await c.wait('stdout', /ready udp/);
  const t = nodeIn(ctx, up, tcpClient('192.0.2.1', 8080));
  await exited(t.child);
  assert.match(t.out, /^you=192\.0\.2\.2$/m);
  const u = nodeIn(ctx, up, udpClient('192.0.2.1', 5353));
  await exited(u.child);
  assert.match(u.out, /^udp you=192\.0\.2\.2$/m);
  // Only the published ports: 8081 is not forwarded.
  const other = nodeIn(ctx, up, tcpClient('192.0.2.1', 8081));
  await exited(other.child);
  assert.not.match(other.out, /you=/);
  c.child.stdin.end();
  const done = await c.done;
  assert.is(done.status, 0, done.stderr);
  assert.match(done.stdout, /tcp peer=192\.0\.2\.2/);
  assert.match(done.stdout, /udp peer=192\.0\.2\.2/);
  assert.equal(nsrunObjects(ctx), []);
});

k("a FORWARD that drops by default (docker's layout): accept rules in DOCKER-USER while the container runs, removed at exit", async (ctx) => {
  if (noNft) return skip(noNft);
  const up = await upstream(ctx);
  nft(
    ctx,
    ['-f', '-'],
    `table ip filter {
  chain DOCKER-USER {
    counter return
  }
  chain FORWARD {
    type filter hook forward priority filter; policy drop;
    counter jump DOCKER-USER
  }
}
`,
  );
  const before = ruleset(ctx);
  const server = nodeIn(ctx, up, tcpServer(7000));
  await server.wait(/ready tcp/);
  const c = nsrunSpawn(ctx.ns, [
    'run',
    '--nat',
    '--json',
    '--state-dir',
    ctx.state,
    '--',
    'sh',
    '-c',
    `echo ready; read _; ${NODE} -e "${tcpClient('192.0.2.2', 7000).replace(/"/g, '\\"')}"`,
  ]);
  await c.wait('stdout', /^ready$/m);
  const [, json] = await c.wait('stderr', /^(\{"event":"started".*)$/m);
  const { id } = JSON.parse(json);
  const du = ruleset(ctx).filter((o) => o.rule?.chain === 'DOCKER-USER');
  assert.equal(
    du.map((o) => o.rule.comment ?? null),
    [`nsrun:${id}`, `nsrun:${id}`, null],
  );
  c.child.stdin.end('\n');
  const done = await c.done;
  assert.is(done.status, 0, done.stdout + done.stderr);
  assert.match(done.stdout, /^you=192\.0\.2\.1$/m);
  assert.equal(nsrunObjects(ctx), []);
  // Docker's table as it was (counters aside).
  const strip = (objs) => JSON.parse(JSON.stringify(objs, (key, v) => (key === 'counter' ? null : v)));
  assert.equal(strip(ruleset(ctx)), strip(before));
});

k('nsrun killed (SIGKILL): its rules stay until nsrun gc removes them, and the table with them', async (ctx) => {
  if (noNft) return skip(noNft);
  const c = nsrunSpawn(ctx.ns, ['run', '--nat', '--publish', '8080:80', '--json', '--state-dir', ctx.state, '--', 'sh', '-c', 'echo ready; read _']);
  await c.wait('stdout', /^ready$/m);
  const [, json] = await c.wait('stderr', /^(\{"event":"started".*)$/m);
  const { id } = JSON.parse(json);
  assert.is(nsrunObjects(ctx).filter((o) => o.rule).length, 3);
  c.child.kill('SIGKILL');
  await c.done;
  assert.is(nsrunObjects(ctx).filter((o) => o.rule).length, 3, 'left behind');
  const g = nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]);
  assert.is(g.status, 0, g.stderr);
  assert.ok(JSON.parse(g.stdout).containers.includes(id));
  assert.equal(nsrunObjects(ctx), []);
  assert.equal(records(ctx.state), []);
  const again = JSON.parse(nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]).stdout);
  assert.equal(again.containers, []);
});

k("gc removes rules tagged with a container that has no record; other containers' rules stay", async (ctx) => {
  if (noNft) return skip(noNft);
  const c = nsrunSpawn(ctx.ns, ['run', '--nat', '--json', '--state-dir', ctx.state, '--', 'sh', '-c', 'echo ready; read _']);
  await c.wait('stdout', /^ready$/m);
  const [, json] = await c.wait('stderr', /^(\{"event":"started".*)$/m);
  const { id } = JSON.parse(json);
  nft(ctx, ['add', 'rule', 'ip', 'nsrun', 'postrouting', 'ip', 'saddr', '10.10.10.99', 'masquerade', 'comment', '"nsrun:0123456789ab"']);
  const g = nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]);
  assert.is(g.status, 0, g.stderr);
  assert.equal(JSON.parse(g.stdout).nat, ['0123456789ab']);
  assert.equal(
    nsrunObjects(ctx)
      .filter((o) => o.rule)
      .map((o) => o.rule.comment),
    [`nsrun:${id}`],
  );
  c.child.stdin.end('\n');
  assert.is((await c.done).status, 0);
  assert.equal(nsrunObjects(ctx), []);
});

k('bad --publish and --nat without the bridge are refused before anything is created', (ctx) => {
  if (noNft) return skip(noNft);
  for (const [args, re] of /** @type {[string[], RegExp][]} */ ([
    [['--publish', '0:80'], /host port 0 is not 1\.\.65535/],
    [['--publish', '80:70000'], /container port 70000 is not 1\.\.65535/],
    [['--publish', '80:80/sctp'], /is not \[HOSTIP:\]HOSTPORT:CONTAINERPORT/],
    [['--publish', '1.2.3:80:80'], /1\.2\.3 is not an IPv4 address/],
    [['--publish', '80:80', '--publish', '80:81'], /published twice/],
    [['--net', 'none', '--nat'], /--nat needs --net bridge/],
    [['--net', 'host', '--publish', '80:80'], /--publish needs --net bridge/],
  ])) {
    const r = nsrunSync(ctx.ns, ['run', ...args, '--state-dir', ctx.state, '--', 'true']);
    assert.is(r.status, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.equal(
    ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
    ['lo'],
  );
  assert.equal(ruleset(ctx), []);
  assert.is(ipForward(ctx), '0');
});

k('a table "ip nsrun" that is not nsrun\'s is refused and left exactly as it was', (ctx) => {
  if (noNft) return skip(noNft);
  nft(ctx, ['-f', '-'], 'table ip nsrun {\n  chain mine {\n  }\n}\n');
  const before = nft(ctx, ['list', 'ruleset']);
  const r = nsrunSync(ctx.ns, ['run', '--nat', '--state-dir', ctx.state, '--', 'true']);
  assert.is(r.status, 125);
  assert.match(r.stderr, /^nsrun: run: nat: table ip nsrun exists and is not nsrun's/m);
  assert.is(nft(ctx, ['list', 'ruleset']), before);
  assert.equal(records(ctx.state), []);
});

k('a host port published by a live container is refused for another; 0.0.0.0 means any address; loopback is refused', async (ctx) => {
  if (noNft) return skip(noNft);
  const a = nsrunSpawn(ctx.ns, ['run', '--publish', '0.0.0.0:8090:80', '--state-dir', ctx.state, '--', 'sh', '-c', 'echo up; read _']);
  await a.wait('stdout', /^up$/m);
  const b = nsrunSync(ctx.ns, ['run', '--publish', '8090:81', '--state-dir', ctx.state, '--', 'true']);
  assert.is(b.status, 125);
  assert.match(b.stderr, /lease: host port 8090\/tcp is already published by container [0-9a-f]{12}/);
  const udp = nsrunSync(ctx.ns, ['run', '--publish', '8090:81/udp', '--state-dir', ctx.state, '--', 'true']);
  assert.is(udp.status, 0, `another protocol is another port: ${udp.stderr}`);
  const lo = nsrunSync(ctx.ns, ['run', '--publish', '127.0.0.1:8091:80', '--state-dir', ctx.state, '--', 'true']);
  assert.is(lo.status, 125);
  assert.match(lo.stderr, /validate: publish: .*loopback/);
  // 0.0.0.0: no address match, like a publish without a host address.
  assert.ok(!nft(ctx, ['list', 'table', 'ip', 'nsrun']).includes('0.0.0.0'));
  a.child.stdin.end('\n');
  assert.is((await a.done).status, 0);
  assert.equal(nsrunObjects(ctx), []);
});

k("something else in nsrun's table (a set) keeps the table, never the rules; later runs still work", async (ctx) => {
  if (noNft) return skip(noNft);
  const a = nsrunSpawn(ctx.ns, ['run', '--nat', '--state-dir', ctx.state, '--', 'sh', '-c', 'echo up; read _']);
  await a.wait('stdout', /^up$/m);
  nft(ctx, ['add', 'set', 'ip', 'nsrun', 'extra', '{ type ipv4_addr; }']);
  a.child.stdin.end('\n');
  assert.is((await a.done).status, 0);
  assert.equal(
    nsrunObjects(ctx).filter((o) => o.rule),
    [],
    "the container's rules are gone",
  );
  assert.ok(
    nsrunObjects(ctx).some((o) => o.set),
    'the set (and so the table) stays',
  );
  const b = nsrunSync(ctx.ns, ['run', '--nat', '--state-dir', ctx.state, '--', 'true']);
  assert.is(b.status, 0, b.stderr);
  assert.equal(
    nsrunObjects(ctx).filter((o) => o.rule),
    [],
  );
  assert.equal(records(ctx.state), []);
});

k('net attach --nat --publish: a running process reaches the upstream and is reached through the host; detach removes its rules', async (ctx) => {
  if (noNft) return skip(noNft);
  const up = await upstream(ctx);
  const server = nodeIn(ctx, up, tcpServer(7001));
  await server.wait(/ready tcp/);
  // The "container": a process in a network namespace of its own, serving on 80.
  const box = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'unshare', '--net', 'sleep', '1000'], { stdio: 'ignore' });
  ctx.kids.push(box);
  await netnsReady(box.pid);
  const a = nsrunSync(ctx.ns, ['net', 'attach', '--pid', String(box.pid), '--nat', '--publish', '8081:80', '--json', '--state-dir', ctx.state]);
  assert.is(a.status, 0, a.stderr);
  const inBox = ['-t', String(box.pid), '-n'];
  const boxServer = nodeIn(ctx, inBox, tcpServer(80));
  await boxServer.wait(/ready tcp/);
  const out = execFileSync('nsenter', [...inBox, NODE, '-e', tcpClient('192.0.2.2', 7001)], { encoding: 'utf8' });
  assert.match(out, /^you=192\.0\.2\.1$/m, 'masqueraded behind the host');
  const back = execFileSync('nsenter', [...up, NODE, '-e', tcpClient('192.0.2.1', 8081)], { encoding: 'utf8' });
  assert.match(back, /^you=192\.0\.2\.2$/m, "published: the client's own address seen inside");
  assert.ok(
    nsrunObjects(ctx).some((o) => o.rule),
    'rules while attached',
  );
  const d = nsrunSync(ctx.ns, ['net', 'detach', '--pid', String(box.pid), '--state-dir', ctx.state]);
  assert.is(d.status, 0, d.stderr);
  assert.equal(nsrunObjects(ctx), [], 'no rule and no table after detach');
  assert.equal(records(ctx.state), []);
});

k.run();
