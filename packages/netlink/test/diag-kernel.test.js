// sock_diag against the real kernel: sockets opened by a Node process inside the test's own
// network namespace, listed through inetSockList and through `ss` (the independent observer),
// matched socket by socket on the inode.
import * as assert from 'uvu/assert';
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { NetlinkError } from '@nsrun/netlink';
import { SockDiagClient, inetSockList } from '@nsrun/netlink/diag';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';

const k = kernelSuite('kernel sock_diag: inetSockList');
k.before.each((ctx) => {
  ctx.kids = [];
  ctx.diag = SockDiagClient.open({ netns: ctx.ns });
});
k.after.each((ctx) => {
  ctx.diag.close();
  for (const c of ctx.kids) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A Node process in the test's namespace running `script`; resolves once it printed "ready". */
function holder(ctx, script) {
  const child = spawn('nsenter', [`--net=${ctx.ns.procPath}`, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  ctx.kids.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => /ready/.test(d) && resolve(child));
    child.on('exit', (c) => reject(new Error(`socket holder exited (${c})`)));
  });
}

const SOCKETS = `
const net = require('net'), dgram = require('dgram');
let n = 0;
const up = () => { if (++n === 8) console.log('ready'); };
net.createServer().listen({ port: 8080, host: '0.0.0.0' }, up);
net.createServer().listen({ port: 8081, host: '127.0.0.1' }, up);
net.createServer().listen({ port: 8082, host: '::', ipv6Only: false }, up);
net.createServer().listen({ port: 8083, host: '::', ipv6Only: true }, up);
dgram.createSocket('udp4').bind(5353, '0.0.0.0', up);
dgram.createSocket({ type: 'udp6', ipv6Only: true }).bind(5354, '::', up);
dgram.createSocket('udp6').bind(5355, '::ffff:127.0.0.1', up);
// A connection to 8080: an ESTABLISHED pair, which a listener dump does not show.
const c = net.connect(8080, '127.0.0.1', up);
setInterval(() => {}, 1000);`;

/** `ss -H -ne` inside the test's namespace, by inode: { state, local, port, sk, v6only }. */
function ss(ctx, args) {
  const out = execFileSync('nsenter', [`--net=${ctx.ns.procPath}`, 'ss', '-H', '-n', '-e', ...args], { encoding: 'utf8' });
  const byInode = new Map();
  for (const line of out.trim().split('\n').filter(Boolean)) {
    const f = line.trim().split(/\s+/);
    const ino = Number(/ino:(\d+)/.exec(line)?.[1]);
    const [, addr, port] = /^(.*):(\d+)$/.exec(f[3]);
    byInode.set(ino, { state: f[0], local: addr, port: Number(port), sk: /sk:([0-9a-f]+)/.exec(line)?.[1], v6only: /v6only:(\d)/.exec(line)?.[1] });
  }
  return byInode;
}
/** Our socket in ss's words: 0.0.0.0, [::] (IPv6 only) or * (IPv6 taking IPv4), [::ffff:1.2.3.4]. */
const ssLocal = (s) => (s.family === 4 ? s.src : s.src === '::' && !s.v6only ? '*' : `[${s.src}]`);
const SS_STATE = { LISTEN: 'LISTEN', CLOSE: 'UNCONN', ESTABLISHED: 'ESTAB' };

k('TCP listeners and bound UDP sockets, both families: exactly what ss lists, socket by socket', async (ctx) => {
  await holder(ctx, SOCKETS);
  for (const [protocol, states, flag] of /** @type {const} */ ([
    ['tcp', ['LISTEN'], '-lt'],
    ['udp', ['CLOSE'], '-lu'],
  ])) {
    const ours = [...(await inetSockList(ctx.diag, { family: 4, protocol, states })), ...(await inetSockList(ctx.diag, { family: 6, protocol, states }))];
    const theirs = ss(ctx, [flag]);
    assert.is(ours.length, theirs.size, `${protocol}: as many as ss lists`);
    for (const s of ours) {
      const t = theirs.get(s.inode);
      assert.ok(t, `${protocol} inode ${s.inode} is in ss's list`);
      assert.equal(
        [SS_STATE[s.state], ssLocal(s), s.sport, s.cookie.toString(16), s.v6only === undefined ? undefined : s.v6only ? '1' : '0'],
        [t.state, t.local, t.port, t.sk, t.v6only],
        `${protocol} ${s.src}:${s.sport}`,
      );
    }
  }
  const tcp = (await inetSockList(ctx.diag, { family: 4, protocol: 'tcp', states: ['LISTEN'] })).map((s) => `${s.src}:${s.sport}`).sort();
  assert.equal(tcp, ['0.0.0.0:8080', '127.0.0.1:8081']);
  const v6 = (await inetSockList(ctx.diag, { family: 6, protocol: 'tcp', states: ['LISTEN'] })).map((s) => [s.sport, s.v6only]).sort();
  assert.equal(v6, [
    [8082, false],
    [8083, true],
  ]);
  const udp6 = (await inetSockList(ctx.diag, { family: 6, protocol: 'udp', states: ['CLOSE'] })).map((s) => `[${s.src}]:${s.sport}`).sort();
  assert.equal(udp6, ['[::]:5354', '[::ffff:127.0.0.1]:5355']);
});

k('states and the local port are filtered by the kernel, as ss filters them', async (ctx) => {
  await holder(ctx, SOCKETS);
  const est = await inetSockList(ctx.diag, { family: 4, protocol: 'tcp', states: ['ESTABLISHED'] });
  assert.equal(est.map((s) => [s.src, s.dst].includes('127.0.0.1') && s.state).sort(), ['ESTABLISHED', 'ESTABLISHED'], 'both ends of the connection');
  const theirs = ss(ctx, ['-t', 'state', 'established']);
  assert.equal(est.map((s) => s.inode).sort(), [...theirs.keys()].sort());
  const on8080 = await inetSockList(ctx.diag, { family: 4, protocol: 'tcp', sport: 8080 });
  // The listener and the server's end of the connection (local port 8080); not the client's end.
  assert.equal(on8080.map((s) => s.state).sort(), ['ESTABLISHED', 'LISTEN']);
  assert.equal(on8080.map((s) => s.inode).sort(), [...ss(ctx, ['-ta', 'sport', '=', ':8080']).keys()].sort());
  assert.equal(await inetSockList(ctx.diag, { family: 4, protocol: 'tcp', sport: 9 }), []);
  const all = await inetSockList(ctx.diag, { family: 4, protocol: 'tcp' });
  assert.is(all.length, 4, 'every state when none is named: 2 listeners, 2 ends');
});

k('a client sees the sockets of its own namespace only', async (ctx) => {
  await holder(ctx, SOCKETS);
  // A listener in the test process's own namespace, on a port the holder uses too.
  const here = createServer().listen(8080, '0.0.0.0');
  await new Promise((r) => here.once('listening', r));
  try {
    const inNs = await inetSockList(ctx.diag, { family: 4, protocol: 'tcp', states: ['LISTEN'], sport: 8080 });
    const own = SockDiagClient.open();
    try {
      const mine = await inetSockList(own, { family: 4, protocol: 'tcp', states: ['LISTEN'], sport: 8080 });
      assert.is(inNs.length, 1);
      assert.is(mine.length, 1);
      assert.is.not(inNs[0].inode, mine[0].inode);
    } finally {
      own.close();
    }
  } finally {
    here.close();
  }
});

k('a protocol without socket diagnostics in this kernel: NetlinkError ENOENT naming the request', async (ctx) => {
  try {
    // IPPROTO_SCTP: sctp_diag is a module this kernel does not have.
    await ctx.diag.dump(
      {
        what: 'sctp listeners',
        body: (w) =>
          w
            .u8(2)
            .u8(132)
            .u8(0)
            .u8(0)
            .u32(1 << 10)
            .zeros(48),
      },
      () => 1,
    );
    return skip('this kernel has SCTP socket diagnostics: no protocol to see refused');
  } catch (e) {
    if (!(e instanceof NetlinkError)) throw e;
    assert.is(e.code, 'ENOENT');
    assert.is(e.request.typeName, 'SOCK_DIAG_BY_FAMILY');
    assert.match(e.message, /^sctp listeners: ENOENT/);
  }
});

k.run();
