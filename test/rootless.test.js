// `nsrun run` by a user who is not root (issue 9): the launcher's user namespace, Node's root
// code path inside it, signals, the owner lock that `ps` and `gc` judge from outside, and
// user-mode networking (slirp4netns, pasta) to an upstream host of the test's own.
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { NetNs } from '@nsrun/sys';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { processesOf, removeDir, runAsUser, settledProcessesOf, spawnAsUser, userDir } from '@nsrun/test-helpers/rootless';
import { tempBusyboxRootfs } from '@nsrun/test-helpers/rootfs';
import { netdDir, netdLeases, netdRecords, removeNetdDir, startNetd, until } from '@nsrun/test-helpers/netd';

const test = kernelSuite('nsrun run as a user who is not root');
// A uid of this file's own (other test files run as other users at the same time).
const UID = 4242;
const HAVE = (p) => existsSync(p);

test.before.each((ctx) => {
  ctx.dir = userDir(UID);
});
test.after.each(async (ctx) => {
  await ctx.netd?.stop();
  if (ctx.netdDir) removeNetdDir(ctx.netdDir);
  for (const p of processesOf(UID)) {
    const pid = Number(p.split(' ')[0]);
    try {
      process.kill(pid, 'SIGKILL'); // only the test user's, which this file started
    } catch {}
  }
  await settledProcessesOf(UID);
  removeDir(ctx.dir);
  ctx.up?.server?.kill('SIGKILL');
  ctx.up?.ns.close();
});

const containers = (dir) => {
  try {
    return readdirSync(`${dir}/nsrun/containers`).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
};

test('--net none: root inside, the user outside; PID 1 with lo only; its statuses; nothing left', async (ctx) => {
  const r = await runAsUser(
    ctx.ns,
    UID,
    ctx.dir,
    `"$NSRUN" run --net none -- sh -c 'id -u; id -g; cat /proc/self/uid_map; echo pid $$; ip -o link | cut -d: -f2; hostname'`,
  );
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.trim());
  assert.equal(lines.slice(0, 2), ['0', '0']);
  assert.match(lines[2], new RegExp(`^0\\s+${UID}\\s+1$`));
  assert.is(lines[3], 'pid 1');
  assert.equal(lines.slice(4, -1), ['lo']);
  // (PID 1 cannot kill itself: --init makes the command PID 2.)
  for (const [cmd, status] of [
    ['exit 7', 7],
    ['kill -KILL $$', 137],
    ['exec /nonexistent-nsrun', 127],
  ]) {
    const s = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" run --init --net none -- sh -c '${cmd}'`);
    assert.is(s.status, status, `${cmd}: ${s.stderr}`);
  }
  assert.equal(containers(ctx.dir), [], 'records released');
  assert.equal(await settledProcessesOf(UID), [], 'no process of the user left');
});

test('a range in /etc/subuid and /etc/subgid: 65536 ids through newuidmap; NSRUN_USERNS=single maps only the user', async (ctx) => {
  if (!HAVE('/usr/bin/newuidmap')) return skip('newuidmap is missing (install uidmap)');
  // newuidmap wants the user in /etc/passwd.
  const passwd = `${readFileSync('/etc/passwd', 'utf8')}nsrunt:x:${UID}:${UID}::/nonexistent:/usr/sbin/nologin\n`;
  const files = { '/etc/passwd': passwd, '/etc/subuid': `nsrunt:300000:65536\n`, '/etc/subgid': `${UID}:300000:65536\n` };
  const full = await runAsUser(
    ctx.ns,
    UID,
    ctx.dir,
    `"$NSRUN" run --net none -- sh -c 'cat /proc/self/uid_map /proc/self/gid_map; chown 1000:1000 /proc/self/fd/0 2>&1 | head -0; id -u'`,
    { files },
  );
  assert.is(full.status, 0, full.stderr);
  const maps = full.stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).join(' '));
  assert.equal(maps.slice(0, 4), [`0 ${UID} 1`, '1 300000 65536', `0 ${UID} 1`, '1 300000 65536']);
  const single = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" run --net none -- cat /proc/self/uid_map`, { files, env: { NSRUN_USERNS: 'single' } });
  assert.is(single.status, 0, single.stderr);
  assert.equal(single.stdout.trim().split('\n').length, 1);
  // Asked for, but no range: refused, one line.
  const none = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" run --net none -- true`, {
    files: { '/etc/passwd': passwd, '/etc/subuid': '', '/etc/subgid': '' },
    env: { NSRUN_USERNS: 'full' },
  });
  assert.is(none.status, 125);
  assert.match(none.stderr, /^nsrun: rootless: --userns full: no range for 4242/);
});

test('signals: TERM reaches the command; SIGKILL of nsrun ends everything; ps saw it live, gc (as the user) removes its record', async (ctx) => {
  const term = spawnAsUser(ctx.ns, UID, ctx.dir, `exec "$NSRUN" run --init --net none -- sh -c 'echo started; exec sleep 60'`);
  await term.waitFor(/started/);
  term.child.kill('SIGTERM');
  const t = await term.done;
  assert.is(t.status, 143, t.stderr);

  const k = spawnAsUser(ctx.ns, UID, ctx.dir, `exec "$NSRUN" run --net none -- sh -c 'echo started; exec sleep 60'`);
  await k.waitFor(/started/);
  const ps = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" ps --json 2>&1 || "$NSRUN" ps`);
  assert.match(ps.stdout, /sleep/, `ps as the user shows it: ${ps.stdout} ${ps.stderr}`);
  assert.not.match(ps.stdout + ps.stderr, /unknown/);
  k.child.kill('SIGKILL');
  await k.done;
  assert.equal(await settledProcessesOf(UID), [], 'the container and the launcher are gone');
  assert.is(containers(ctx.dir).length, 1, 'a SIGKILLed nsrun leaves its record');
  const gc = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" gc`);
  assert.is(gc.status, 0, gc.stderr);
  assert.equal(containers(ctx.dir), [], `gc removed it: ${gc.stdout}`);
});

test('--rootfs (busybox): pivot_root, a minimal /dev, as the user', async (ctx) => {
  const fs = tempBusyboxRootfs();
  try {
    execFileSync('chmod', ['755', fs.dir]);
    const r = await runAsUser(
      ctx.ns,
      UID,
      ctx.dir,
      `"$NSRUN" run --net none --rootfs ${fs.dir} -- sh -c 'ls / | grep -c NSRUN-TEST-ROOTFS; echo x > /dev/null && echo dev-ok; id -u'`,
    );
    assert.is(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n'), ['1', 'dev-ok', '0']);
  } finally {
    fs.remove();
  }
});

test('the rest of run, as root has it: --hostname, --env, --workdir, --dns, --json, --net host, a terminal (script(1))', async (ctx) => {
  const r = await runAsUser(
    ctx.ns,
    UID,
    ctx.dir,
    `"$NSRUN" run --net none --hostname box --env K=v --workdir /tmp --dns 192.0.2.53 --json -- sh -c 'hostname; echo $K; pwd; grep -c "^nameserver 192.0.2.53$" /etc/resolv.conf'`,
  );
  assert.is(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n'), ['box', 'v', '/tmp', '1']);
  const events = r.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).event);
  assert.equal(events, ['started', 'exited']);
  // The host's network (the sandbox's: its lo, and no new namespace), its /sys as it is.
  ctx.sh('ip link add nsrunhost0 type dummy 2>/dev/null || ip link add nsrunhost0 type bridge');
  const h = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" run --net host -- sh -c 'ip -o link show nsrunhost0 | grep -c nsrunhost0; id -u'`);
  assert.is(h.status, 0, h.stderr);
  assert.equal(h.stdout.trim().split('\n'), ['1', '0']);
  // A terminal: the command gets a pty of its own.
  const t = await runAsUser(ctx.ns, UID, ctx.dir, `script -qec '"$NSRUN" run --net none -- sh -c "tty; echo in-tty"' /dev/null`);
  assert.is(t.status, 0, t.stderr);
  // (script(1) echoes what it sends the pty at its stdin's end: ^@ or ^D, somewhere.)
  assert.match(t.stdout, /\/dev\/pts\/\d+\r*\n(\^.)?in-tty/);
});

test('nsrun.cjs run directly by a user (not through bin/nsrun): refused in one line, before anything', async (ctx) => {
  const r = await runAsUser(ctx.ns, UID, ctx.dir, `node "$NSRUN_NODE" run --net none -- true`);
  assert.is(r.status, 125);
  assert.match(r.stderr, /^nsrun: run: privileges: nsrun run needs root, or a user namespace: as uid 4242, run it through the nsrun executable/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

/** An upstream host of the test's own: a netns with a TCP server, linked to the test's netns (its default route). */
function upstream(ctx) {
  const ns = NetNs.create();
  ctx.up = { ns };
  ctx.sh(
    `ip link add up0 type veth peer name up1 && ip link set up1 netns ${ns.procPath} && ip addr add 192.168.77.2/24 dev up0 && ip link set up0 up && ip route add default via 192.168.77.1`,
  );
  execFileSync('nsenter', [`--net=${ns.procPath}`, 'sh', '-c', 'ip addr add 192.168.77.1/24 dev up1 && ip link set up1 up && ip link set lo up']);
  const server = spawn(
    'nsenter',
    [
      `--net=${ns.procPath}`,
      process.execPath,
      '-e',
      `require('net').createServer((s) => s.end('you are ' + s.remoteAddress + '\\n')).listen(9000, () => console.log('listening'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  ctx.up.server = server;
  return new Promise((resolve) => server.stdout.once('data', resolve));
}

// The container's side, as a script file the user can read (no quoting through three shells).
const CONTAINER = `ip -o -4 addr show eth0 | tr -s ' ' | cut -d' ' -f4
node -e "const s=require('net').connect(9000,'192.168.77.1');s.setEncoding('utf8');s.on('data',d=>process.stdout.write('upstream: '+d));s.on('error',e=>console.log('upstream error',e.code))"
exec node -e "require('net').createServer(s=>s.end('hello from the container\\n')).listen(80,()=>console.log('serving'))"
`;

for (const kind of ['slirp4netns', 'pasta']) {
  test(`--net ${kind}: the container reaches an upstream host; a published port reaches it from the host; no helper left`, async (ctx) => {
    if (!HAVE(`/usr/bin/${kind}`)) return skip(`${kind} is not installed (apt install ${kind === 'pasta' ? 'passt' : 'slirp4netns'})`);
    await upstream(ctx);
    writeFileSync(`${ctx.dir}/container.sh`, CONTAINER, { mode: 0o644 });
    const c = spawnAsUser(ctx.ns, UID, ctx.dir, `exec "$NSRUN" run --init --net ${kind} -p 8080:80 -- sh "$HOME/container.sh"`, { tun: '666' });
    const [, addr] = await c.waitFor(/^(\d+\.\d+\.\d+\.\d+\/\d+)$/m);
    assert.is(addr, kind === 'slirp4netns' ? '10.0.2.100/24' : '192.168.77.2/24');
    // slirp4netns: NAT (the upstream sees the host's address); pasta: the host's own address.
    await c.waitFor(/upstream: you are (::ffff:)?192\.168\.77\.2/);
    await c.waitFor(/serving/);
    const got = ctx.sh(
      `${process.execPath} -e "const s=require('net').connect(8080,'127.0.0.1');s.setEncoding('utf8');s.on('data',d=>process.stdout.write(d))"`,
    );
    assert.is(got, 'hello from the container\n');
    c.child.kill('SIGTERM');
    const r = await c.done;
    assert.ok(r.status === 143 || r.status === 137 || r.status === 0, `status ${r.status}: ${r.stderr}`);
    assert.equal(await settledProcessesOf(UID), [], `no ${kind} left`);
    assert.equal(containers(ctx.dir), []);
  });
}

test('no usable /dev/net/tun: one line that says so, status 125', async (ctx) => {
  if (!HAVE('/usr/bin/slirp4netns')) return skip('slirp4netns is not installed');
  const r = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" run --net slirp4netns -- true`, { tun: '600' });
  assert.is(r.status, 125);
  assert.match(r.stderr, /^nsrun: run: usernet: \/dev\/net\/tun is not usable by this user \(mode 0600 on machines without udev; udev makes it 0666\)$/m);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.equal(containers(ctx.dir), []);
});

test('without --net and without netd: slirp4netns (when it works); without it, a clear refusal', async (ctx) => {
  if (!HAVE('/usr/bin/slirp4netns')) return skip('slirp4netns is not installed');
  const r = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" run -- ip -o -4 addr show eth0`, { tun: '666' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /10\.0\.2\.100\/24/);
  const no = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" run -- true`, { tun: '600' });
  assert.is(no.status, 125);
  assert.match(
    no.stderr,
    /^nsrun: run: validate: no network for a rootless container here: .*\/dev\/net\/tun is not usable.*; run with --net none, or have root start nsrun netd$/m,
  );
});

// --net bridge through nsrun netd: the container's namespace is its nsrun's own, wired by netd.
const UID2 = 4244;
const NETD_POLICY = `${UID} brg0 8 nat publish=8000-8099\n${UID2} brg0 8\n`;

async function withNetd(ctx) {
  ctx.netdDir = netdDir(NETD_POLICY);
  ctx.netd = await startNetd(ctx.ns, ctx.netdDir);
  return { NSRUN_NETD_SOCKET: `${ctx.netdDir}/netd.sock` };
}

test('--net bridge through nsrun netd: address, route, ping of the bridge; 10 containers of two users at once, distinct; nothing left', async (ctx) => {
  const env = await withNetd(ctx);
  ctx.dir2 = userDir(UID2);
  try {
    const one = await runAsUser(
      ctx.ns,
      UID,
      ctx.dir,
      `"$NSRUN" run -- sh -c 'ip -o -4 addr show eth0 | tr -s " " | cut -d" " -f4; ip route show default; ping -c1 -w5 10.10.10.1 >/dev/null && echo reached'`,
      { env },
    );
    assert.is(one.status, 0, one.stderr);
    assert.match(one.stdout, /^10\.10\.10\.\d+\/24\ndefault via 10\.10\.10\.1 dev eth0.*\nreached\n$/);
    const runs = [];
    for (let i = 0; i < 10; i++) {
      const [uid, dir] = i % 2 ? [UID2, ctx.dir2] : [UID, ctx.dir];
      runs.push(
        spawnAsUser(
          ctx.ns,
          uid,
          dir,
          `exec "$NSRUN" run -- sh -c 'ip -o -4 addr show eth0 | tr -s " " | cut -d" " -f4; ping -c1 -w5 10.10.10.1 >/dev/null && echo reached; sleep 1'`,
          { env },
        ),
      );
    }
    for (const r of runs) r.child.stdin.end();
    const done = await Promise.all(runs.map((r) => r.done));
    for (const d of done) assert.is(d.status, 0, d.stderr);
    const addrs = done.map((d) => d.stdout.split('\n')[0]);
    assert.is(new Set(addrs).size, 10, `distinct: ${addrs.join(' ')}`);
    for (const d of done) assert.match(d.stdout, /reached/);
    assert.equal(await until(() => netdRecords(ctx.netdDir).length === 0 && netdLeases(ctx.netdDir).length === 0), true, 'netd released every one');
    assert.equal(ctx.ip('-j', 'link', 'show', 'type', 'veth'), [], 'no veth left');
  } finally {
    for (const p of processesOf(UID2)) process.kill(Number(p.split(' ')[0]), 'SIGKILL');
    removeDir(ctx.dir2);
  }
});

test("--net bridge through netd: SIGKILL of the rootless nsrun, then netd releases link, lease and rules by itself; the user's gc removes the record", async (ctx) => {
  const env = await withNetd(ctx);
  const c = spawnAsUser(ctx.ns, UID, ctx.dir, `exec "$NSRUN" run --net bridge --nat -p 8080:80 -- sh -c 'echo started; exec sleep 60'`, { env });
  await c.waitFor(/started/);
  assert.is(netdRecords(ctx.netdDir).length, 1);
  const id = netdRecords(ctx.netdDir)[0];
  assert.ok(
    JSON.parse(ctx.sh('nft -j list ruleset')).nftables.some((o) => o.rule?.comment === `nsrun:${id}`),
    'its rules',
  );
  c.child.kill('SIGKILL');
  await c.done;
  assert.equal(await until(() => netdRecords(ctx.netdDir).length === 0 && netdLeases(ctx.netdDir).length === 0), true, 'netd released it');
  assert.equal(ctx.ip('-j', 'link', 'show', 'type', 'veth'), []);
  assert.not.ok(
    JSON.parse(ctx.sh('nft -j list ruleset')).nftables.some((o) => o.rule?.comment === `nsrun:${id}`),
    'no rule left',
  );
  const gc = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" gc`);
  assert.is(gc.status, 0, gc.stderr);
  assert.equal(containers(ctx.dir), []);
});

test('through netd: a refusal of its policy is one line naming the file; without --net and without netd options, no rule means user-mode networking', async (ctx) => {
  const env = await withNetd(ctx);
  const dir2 = userDir(UID2);
  try {
    const r = await runAsUser(ctx.ns, UID2, dir2, `"$NSRUN" run --net bridge --nat -- true`, { env });
    assert.is(r.status, 125);
    assert.match(r.stderr, /^nsrun: run: netd: policy: .*usernet:2/m);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  } finally {
    removeDir(dir2);
  }
  const dir3 = userDir(4245);
  try {
    const u = await runAsUser(ctx.ns, 4245, dir3, `"$NSRUN" run -- ip -o -4 addr show eth0`, { env, tun: '666' });
    assert.is(u.status, 0, u.stderr);
    assert.match(u.stdout, /10\.0\.2\.100\/24/, 'slirp4netns, the default without netd');
  } finally {
    removeDir(dir3);
  }
});

test.run();
