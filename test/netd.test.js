// nsrun netd: root's helper that wires the network namespace of a user's own container. netd
// runs as root in the test's namespace (its socket, policy and state under /run); its clients
// run as other users (65534 = nobody, 1001, 1002), each in a user and network namespace of its
// own, as a rootless nsrun's container is. Observed through ip -j, nft -j and the state files.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { MAIN, ourVeths } from '@nsrun/test-helpers/nsrun';
import {
  asUser,
  netdDir,
  netdLeases,
  netdRecords,
  nsrunAs,
  ownClient,
  rawRequest,
  removeNetdDir,
  startNetd,
  until,
  userSleeper,
} from '@nsrun/test-helpers/netd';

const A = 65534; // nobody: named by user name in the policy
const B = 1001;
const NOBODY = 1002; // no rule
const POLICY = `# test policy
nobody brg0 3
${B} brg0 2 nat publish=8000-8099   # B may NAT and publish 8000-8099
`;

const k = kernelSuite('nsrun netd');
k.before.each(async (ctx) => {
  ctx.dir = netdDir(POLICY);
  ctx.netd = await startNetd(ctx.ns, ctx.dir);
  ctx.clients = [];
  ctx.client = (uid, req) => {
    const c = ownClient(ctx.ns, ctx.dir, uid, req);
    ctx.clients.push(c);
    return c;
  };
});
k.after.each(async (ctx) => {
  for (const c of ctx.clients ?? []) await c.kill();
  for (const s of ctx.sleepers ?? []) await s.kill();
  await ctx.netd?.stop();
  removeNetdDir(ctx.dir);
});

const inPid = (pid, ...args) => execFileSync('nsenter', ['-t', String(pid), '-n', ...args], { encoding: 'utf8' });
const nftRules = (ctx) => {
  const out = JSON.parse(ctx.sh('nft -j list ruleset'));
  return out.nftables.filter((o) => o.rule).map((o) => o.rule);
};
const taggedRules = (ctx, id) => nftRules(ctx).filter((r) => r.comment === `nsrun:${id}`);
/** Nothing of `ids` left: veth, record, lease, rule. */
async function allReleased(ctx, ids) {
  return until(() => {
    const veths = ourVeths(ctx);
    return ids.every((id) => !veths.includes(`nsr${id}`) && !netdRecords(ctx.dir).includes(id) && !taggedRules(ctx, id).length) && !netdLeases(ctx.dir).length;
  });
}

k("a user's own namespace: eth0 with an address of the subnet, the default route, the bridge answers; list; release undoes it", async (ctx) => {
  const c = ctx.client(A);
  const a = await c.reply;
  assert.not.ok(a.error, JSON.stringify(a.error));
  assert.is(a.uid, A);
  assert.is(a.pid, a.self); // the caller itself (netd's pid namespace is the client's here)
  assert.is(a.bridge, 'brg0');
  assert.is(a.subnet, '10.10.10.0/24');
  assert.is(a.gateway, '10.10.10.1/24');
  assert.match(a.ip, /^10\.10\.10\.\d+\/24$/);
  const [eth0] = JSON.parse(inPid(a.pid, 'ip', '-j', 'addr', 'show', 'dev', 'eth0'));
  assert.ok(
    eth0.addr_info.some((x) => `${x.local}/${x.prefixlen}` === a.ip),
    JSON.stringify(eth0),
  );
  assert.match(inPid(a.pid, 'ip', 'route', 'show', 'default'), /default via 10\.10\.10\.1 dev eth0/);
  inPid(a.pid, 'ping', '-c1', '-w5', '10.10.10.1');
  // The host end, on the bridge, as ip sees it.
  const [veth] = ctx.ip('-j', '-d', 'link', 'show', a.veth);
  assert.is(veth.master, 'brg0');
  assert.equal(netdRecords(ctx.dir), [a.id]);
  // Its owner lists it; another user does not see it.
  const mine = nsrunAs(ctx.ns, A, ['net', 'list', '--json', '--socket', `${ctx.dir}/netd.sock`]);
  assert.is(mine.status, 0, mine.stderr);
  assert.equal(
    JSON.parse(mine.stdout).map((x) => x.id),
    [a.id],
  );
  const theirs = nsrunAs(ctx.ns, B, ['net', 'list', '--json', '--socket', `${ctx.dir}/netd.sock`]);
  assert.equal(JSON.parse(theirs.stdout), []);
  assert.equal(await c.release(), { released: true });
  assert.ok(await allReleased(ctx, [a.id]), `left: ${ourVeths(ctx)} ${netdRecords(ctx.dir)} ${netdLeases(ctx.dir)}`);
  assert.not.match(inPid(a.pid, 'ip', '-o', 'link'), /eth0/);
  assert.match(ctx.netd.log(), new RegExp(`uid ${A} pid \\d+: attach own netns: ok ${a.id}`));
});

k('two users, several namespaces each: distinct addresses; over the quota and without a rule: refused, nothing made', async (ctx) => {
  const cs = [ctx.client(A), ctx.client(B), ctx.client(A), ctx.client(B), ctx.client(A)];
  const got = [];
  for (const c of cs) got.push(await c.reply); // (each waits for netd's answer)
  for (const g of got) assert.not.ok(g.error, JSON.stringify(g.error));
  const ips = got.map((g) => g.ip);
  assert.is(new Set(ips).size, 5, ips.join(' '));
  assert.equal(
    got.map((g) => g.uid),
    [A, B, A, B, A],
  );
  // Each namespace has its own address and reaches the bridge.
  for (const g of got) {
    assert.match(inPid(g.pid, 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'), new RegExp(g.ip.replace(/\./g, '\\.')));
    inPid(g.pid, 'ping', '-c1', '-w5', '10.10.10.1');
  }
  const veths = ourVeths(ctx).length;
  // A has 3 of 3, B 2 of 2.
  for (const uid of [A, B]) {
    const over = await ctx.client(uid).reply;
    assert.is(over.error?.step, 'quota', JSON.stringify(over));
    assert.match(
      over.error.message,
      new RegExp(`uid ${uid} has ${uid === A ? 3 : 2} of the ${uid === A ? 3 : 2} namespace\\(s\\) .*usernet:${uid === A ? 2 : 3} allows on brg0`),
    );
  }
  const none = await ctx.client(NOBODY).reply;
  assert.is(none.error?.step, 'policy');
  assert.is(none.error.message, `netd: policy: ${ctx.dir}/usernet has no rule for uid ${NOBODY}: ask root to add one (USER BRIDGE MAX ...)`);
  const bridge = await ctx.client(A, { bridge: 'brg1' }).reply;
  assert.match(bridge.error?.message ?? '', /does not let uid 65534 \(nobody\) use bridge brg1 \(only brg0\)/);
  assert.is(ourVeths(ctx).length, veths);
  assert.is(netdRecords(ctx.dir).length, 5);
  // One released: A may have another.
  assert.equal(await cs[0].release(), { released: true });
  const again = await ctx.client(A).reply;
  assert.not.ok(again.error, JSON.stringify(again.error));
});

k("user A cannot make netd wire, unwire or list user B's namespace: by pid (client and raw request), by id", async (ctx) => {
  const b = await ctx.client(B).reply;
  assert.not.ok(b.error);
  const bSleep = await userSleeper(ctx.ns, B);
  ctx.sleepers = [bSleep];
  const sock = ['--socket', `${ctx.dir}/netd.sock`];
  // A's CLI, given B's pid.
  const r = nsrunAs(ctx.ns, A, ['net', 'attach', '--pid', String(bSleep.pid), ...sock]);
  assert.is(r.status, 1, r.stderr);
  assert.is(
    r.stderr,
    `nsrun: net: netd: owner: the network namespace of process ${bSleep.pid} belongs to a user namespace of uid ${B}, not of the caller (uid ${A})\n`,
  );
  // A raw request, naming B's client (whose namespace is wired) and B's sleeper.
  for (const pid of [b.pid, bSleep.pid]) {
    const raw = JSON.parse(rawRequest(ctx.ns, ctx.dir, A, [`${JSON.stringify({ op: 'attach', pid })}\n`]));
    assert.is(raw.ok, false);
    assert.is(raw.error.step, 'owner');
  }
  // The host's (netd's own) namespace, and pid 1 of the sandbox (root's).
  for (const pid of [ctx.netd.child.pid, 1]) {
    const raw = JSON.parse(rawRequest(ctx.ns, ctx.dir, A, [`${JSON.stringify({ op: 'attach', pid })}\n`]));
    assert.is(raw.error?.step, 'owner', JSON.stringify(raw));
  }
  // Unwire B's: by id and by pid, refused alike (as if it did not exist).
  for (const req of [
    { op: 'detach', id: b.id },
    { op: 'detach', pid: b.pid },
  ]) {
    const raw = JSON.parse(rawRequest(ctx.ns, ctx.dir, A, [`${JSON.stringify(req)}\n`]));
    assert.is(raw.error?.step, 'detach', JSON.stringify(raw));
    assert.match(raw.error.message, new RegExp(`of uid ${A}'s$`));
  }
  const d = nsrunAs(ctx.ns, A, ['net', 'detach', '--pid', String(b.pid), ...sock]);
  assert.is(d.status, 1);
  assert.match(d.stderr, /^nsrun: net: netd: detach: no attachment for process \d+ of uid 65534's\n$/);
  const list = JSON.parse(rawRequest(ctx.ns, ctx.dir, A, ['{"op":"list"}\n']));
  assert.equal(list, { ok: true, attachments: [] });
  // B's is untouched, and only B's sleeper has no eth0.
  assert.equal(netdRecords(ctx.dir), [b.id]);
  inPid(b.pid, 'ping', '-c1', '-w5', '10.10.10.1');
  assert.not.match(inPid(bSleep.pid, 'ip', '-o', 'link'), /eth0/);
  // B itself may wire its sleeper, through the CLI, and detach it again.
  const ok = nsrunAs(ctx.ns, B, ['net', 'attach', '--pid', String(bSleep.pid), '--json', ...sock]);
  assert.is(ok.status, 0, ok.stderr);
  assert.match(inPid(bSleep.pid, 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'), new RegExp(JSON.parse(ok.stdout).ip.replace(/\./g, '\\.')));
  const un = nsrunAs(ctx.ns, B, ['net', 'detach', '--pid', String(bSleep.pid), ...sock]);
  assert.is(un.status, 0, un.stderr);
  assert.equal(netdRecords(ctx.dir), [b.id]);
  // Root-only options are refused for a user, before anything is asked.
  const bad = nsrunAs(ctx.ns, B, ['net', 'attach', '--pid', String(bSleep.pid), '--state-dir', '/tmp', ...sock]);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--state-dir is for root only/);
});

k('SIGKILL of a client and its namespace: netd notices by itself and releases veth, lease, record and rules', async (ctx) => {
  const c = ctx.client(B, { nat: true, publish: ['8080:80'] });
  const a = await c.reply;
  assert.not.ok(a.error, JSON.stringify(a.error));
  assert.ok(taggedRules(ctx, a.id).length >= 2, JSON.stringify(nftRules(ctx)));
  assert.equal(netdLeases(ctx.dir), [`brg0/${a.ip.split('/')[0]}`]);
  await c.kill();
  assert.ok(await allReleased(ctx, [a.id]), `left: ${ourVeths(ctx)} ${netdRecords(ctx.dir)} ${netdLeases(ctx.dir)} ${JSON.stringify(taggedRules(ctx, a.id))}`);
  const said = new RegExp(`released ${a.id} \\(uid ${B}, ${a.ip.replace(/\./g, '\\.')}\\): its network namespace is gone`);
  assert.ok(await until(() => said.test(ctx.netd.log())), ctx.netd.log());
});

k('netd restarted while namespaces are wired: one gone meanwhile is released at start, the other later, when it goes', async (ctx) => {
  const x = ctx.client(A);
  const y = ctx.client(A);
  const ax = await x.reply;
  const ay = await y.reply;
  assert.not.ok(ax.error || ay.error);
  await ctx.netd.stop();
  assert.equal(netdRecords(ctx.dir).sort(), [ax.id, ay.id].sort()); // a stopped netd releases nothing
  await x.kill();
  assert.ok(await until(() => !ourVeths(ctx).includes(ax.veth)));
  ctx.netd = await startNetd(ctx.ns, ctx.dir);
  assert.ok((await allReleased(ctx, [ax.id])) || netdRecords(ctx.dir).join() === ay.id);
  assert.equal(netdRecords(ctx.dir), [ay.id]);
  assert.equal(netdLeases(ctx.dir), [`brg0/${ay.ip.split('/')[0]}`]);
  inPid(ay.pid, 'ping', '-c1', '-w5', '10.10.10.1');
  await y.kill();
  assert.ok(await allReleased(ctx, [ay.id]), `left: ${netdRecords(ctx.dir)}`);
});

k('--nat and --publish only as the policy allows; the rules are there for the user it allows', async (ctx) => {
  const nat = await ctx.client(A, { nat: true }).reply;
  assert.is(nat.error?.step, 'policy');
  assert.match(nat.error.message, /--nat is not allowed by .*usernet:2 \(the rule has no "nat"\)/);
  const pubA = await ctx.client(A, { publish: ['8080:80'] }).reply;
  assert.match(pubA.error?.message ?? '', /publishing host port 8080\/tcp is not allowed by .*usernet:2 \(the rule has no publish=LOW-HIGH\)/);
  for (const port of [9000, 80]) {
    const out = await ctx.client(B, { publish: [`${port}:80`] }).reply;
    assert.match(out.error?.message ?? '', new RegExp(`host port ${port}/tcp is outside 8000-8099, the range .*usernet:3 allows`));
  }
  assert.equal(ourVeths(ctx), []);
  assert.equal(netdRecords(ctx.dir), []);
  const ok = await ctx.client(B, { nat: true, publish: ['8001:80/udp'] }).reply;
  assert.not.ok(ok.error, JSON.stringify(ok.error));
  assert.is(ok.nat, true);
  assert.equal(ok.publish, ['8001:80/udp']);
  const rules = taggedRules(ctx, ok.id).map((r) => JSON.stringify(r.expr));
  assert.ok(
    rules.some((r) => r.includes('"masquerade"')),
    rules.join('\n'),
  );
  assert.ok(
    rules.some((r) => r.includes('"dnat"') && r.includes('8001')),
    rules.join('\n'),
  );
  assert.is(ctx.sh('sysctl -n net.ipv4.ip_forward').trim(), '1');
});

k('malformed, oversized and half-closed requests get one-line errors; netd keeps serving', async (ctx) => {
  const err = (text) => {
    const lines = text.split('\n').filter(Boolean);
    assert.is(lines.length, 1, text);
    const r = JSON.parse(lines[0]);
    assert.is(r.ok, false);
    return r.error;
  };
  assert.match(err(rawRequest(ctx.ns, ctx.dir, A, ['garbage\n'])).message, /^not a JSON object/);
  assert.is(err(rawRequest(ctx.ns, ctx.dir, A, ['[1,2]\n'])).message, 'not a JSON object');
  assert.is(err(rawRequest(ctx.ns, ctx.dir, A, ['{"op":"format","disk":"/"}\n'])).message, 'op: must be attach, detach, list or cni, got "format"');
  assert.is(err(rawRequest(ctx.ns, ctx.dir, A, ['{"op":"attach","uid":0}\n'])).field, 'uid');
  assert.is(err(rawRequest(ctx.ns, ctx.dir, A, ['{"op":"attach","pid":-1}\n'])).message, 'pid: must be a process id, got -1');
  assert.match(err(rawRequest(ctx.ns, ctx.dir, A, [{ repeat: 65536, times: 64 }])).message, /^longer than 16384 bytes without a newline$/);
  assert.match(err(rawRequest(ctx.ns, ctx.dir, A, ['{"op":"li', { end: true }])).message, /closed for writing before a whole request/);
  assert.is(err(rawRequest(ctx.ns, ctx.dir, A, [{ end: true }])).message, 'empty request');
  assert.match(err(rawRequest(ctx.ns, ctx.dir, A, ['{"op":"list"', { wait: 50 }, ',"x":1}\n'])).message, /^x: unknown field/);
  // Still serving, and nothing was made.
  assert.equal(JSON.parse(rawRequest(ctx.ns, ctx.dir, A, ['{"op":"list"}\n'])), { ok: true, attachments: [] });
  const a = await ctx.client(A).reply;
  assert.not.ok(a.error);
  assert.is(ctx.netd.child.exitCode, null);
});

k.run();

const s = kernelSuite('nsrun netd: start-up');
s.before.each((ctx) => {
  ctx.dir = netdDir(POLICY);
});
s.after.each((ctx) => removeNetdDir(ctx.dir));

const netdSync = (ctx, args, pre = []) =>
  spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, ...pre, process.execPath, MAIN, 'netd', ...args], { encoding: 'utf8', timeout: 30_000, cwd: '/tmp' });

s('refused at start, in one line: a malformed policy (FILE:LINE), a missing one, a second netd on the socket, a user other than root', async (ctx) => {
  const args = ['--socket', `${ctx.dir}/netd.sock`, '--policy', `${ctx.dir}/usernet`, '--state-dir', `${ctx.dir}/state`];
  writeFileSync(`${ctx.dir}/usernet`, 'nobody brg0 1\nbob brg0 lots\n');
  const bad = netdSync(ctx, args);
  assert.is(bad.status, 1);
  assert.is(bad.stderr, `nsrun: netd: policy: ${ctx.dir}/usernet:2: MAX "lots" is not a count (0 to 4096)\n`);
  const missing = netdSync(ctx, [...args.slice(0, 2), '--policy', `${ctx.dir}/nope`]);
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /^nsrun: netd: policy: cannot read .*\/nope: ENOENT/);
  writeFileSync(`${ctx.dir}/usernet`, POLICY);
  const user = netdSync(ctx, args, asUser(65534));
  assert.is(user.status, 1);
  assert.match(user.stderr, /^nsrun: netd: serve: nsrun netd runs as root/);
  const first = await startNetd(ctx.ns, ctx.dir);
  try {
    const second = netdSync(ctx, args);
    assert.is(second.status, 1);
    assert.is(second.stderr, `nsrun: netd: serve: another netd listens on ${ctx.dir}/netd.sock\n`);
  } finally {
    await first.stop();
  }
  // A stopped netd removes its socket; one left by a killed netd is taken over.
  const again = await startNetd(ctx.ns, ctx.dir);
  again.child.kill('SIGKILL');
  await again.exited;
  const third = await startNetd(ctx.ns, ctx.dir);
  assert.equal(JSON.parse(rawRequest(ctx.ns, ctx.dir, 65534, ['{"op":"list"}\n'])), { ok: true, attachments: [] });
  await third.stop();
});

s('systemd socket activation: the first connection starts netd on the socket it is given (LISTEN_FDS)', async (ctx) => {
  if (spawnSync('systemd-socket-activate', ['--help']).error) return skip('systemd-socket-activate is not installed (package systemd)');
  const sock = `${ctx.dir}/netd.sock`;
  const act = spawn(
    'nsenter',
    [
      `--net=${ctx.ns.procPath}`,
      'systemd-socket-activate',
      '-l',
      sock,
      process.execPath,
      MAIN,
      'netd',
      '--policy',
      `${ctx.dir}/usernet`,
      '--state-dir',
      `${ctx.dir}/state`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  act.stderr.on('data', (d) => (log += d));
  try {
    assert.ok(await until(() => /Listening on/.test(log)), log);
    chmodSync(sock, 0o666); // SocketMode=0666 in nsrun-netd.socket
    const c = ownClient(ctx.ns, ctx.dir, 65534);
    const a = await c.reply;
    assert.not.ok(a.error, JSON.stringify(a.error) + log);
    assert.match(log, /nsrun netd: listening on fd 3 \(systemd\)/);
    inPid(a.pid, 'ping', '-c1', '-w5', '10.10.10.1');
    await c.kill();
    assert.ok(await until(() => !netdRecords(ctx.dir).length), log);
  } finally {
    act.kill('SIGTERM');
    await new Promise((/** @type {(v?: unknown) => void} */ r) => (act.exitCode === null ? act.on('exit', r) : r()));
  }
});

s.run();
