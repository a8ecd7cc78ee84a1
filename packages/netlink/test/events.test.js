// subscribe(): rtnetlink notifications for changes made by `ip` inside the test netns arrive
// decoded (link, addr, route, neigh; new and del), groups filter, the async iterator, fds
// released on close, overruns reported (never a crash), and event-loop liveness.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { subscribe, RtnlSubscription, OverrunError, ValidationError } from '@nsrun/netlink';
import { RTN_LOCAL, RT_TABLE_LOCAL } from '@nsrun/netlink/constants';
import { kernelSuite, kernelSkipReason } from '@nsrun/test-helpers/kernel';

const WAIT_MS = 2000;
const fdCount = () => readdirSync('/proc/self/fd').length;

const describe = (e) => {
  const o = e.link ?? e.address ?? e.route ?? e.neighbour;
  const what = e.link ? o.name : e.address ? `${o.address}/${o.prefixlen}` : e.route ? o.dst : o.dst;
  return `${e.action} ${e.kind} ${what}`;
};

/**
 * Resolves with the first event matching `pred`; rejects after `ms` naming what was expected
 * and everything seen. Call it before making the change (events queue in the socket anyway).
 */
function nextEvent(sub, pred, what, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const seen = [];
    const on = (e) => {
      seen.push(describe(e));
      if (pred(e)) {
        clearTimeout(timer);
        sub.off('event', on);
        resolve(e);
      }
    };
    const timer = setTimeout(() => {
      sub.off('event', on);
      reject(new Error(`no ${what} event within ${ms} ms; saw: ${seen.join(', ') || 'nothing'}`));
    }, ms);
    sub.on('event', on);
  });
}

/** Resolves when `sub` emits `name`; rejects after `ms`. */
function nextSignal(sub, name, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const on = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      sub.off(name, on);
      reject(new Error(`no '${name}' within ${ms} ms`));
    }, ms);
    sub.once(name, on);
  });
}

const ifindex = (ctx, name) => ctx.ip('-j', 'link', 'show', name)[0].ifindex;

const isLink = (action, name) => (e) => e.kind === 'link' && e.action === action && e.link.name === name;

/** A bridge that is up with 10.20.30.1/24: something to hang addresses, routes and neighbours on. */
function bridgeWithAddress(ctx, name = 'brev') {
  ctx.ip('link', 'add', name, 'type', 'bridge');
  ctx.ip('link', 'set', name, 'up');
  ctx.ip('addr', 'add', '10.20.30.1/24', 'dev', name);
  return ifindex(ctx, name);
}

// ---------------------------------------------------------------------------------------------

const v = suite('subscribe: options');

v('refuses unknown or empty groups and a bad rcvbuf before opening anything', () => {
  const fds = fdCount();
  assert.throws(
    () => subscribe({ groups: [] }),
    (e) => e instanceof ValidationError && e.field === 'groups',
  );
  assert.throws(
    // @ts-expect-error: no group 'rules' (refused at run time too)
    () => subscribe({ groups: ['link', 'rules'] }),
    (e) => e instanceof ValidationError && e.value === 'rules',
  );
  assert.throws(
    // @ts-expect-error: groups is a list (a string is refused at run time too)
    () => subscribe({ groups: 'link' }),
    (e) => e instanceof ValidationError,
  );
  assert.throws(
    () => subscribe({ rcvbuf: 0 }),
    (e) => e instanceof ValidationError && e.field === 'rcvbuf',
  );
  assert.throws(
    () => subscribe({ rcvbuf: 1.5 }),
    (e) => e instanceof ValidationError,
  );
  assert.is(fdCount(), fds);
});

v.run();

// ---------------------------------------------------------------------------------------------

const k = kernelSuite('subscribe: events from ip');

k('link add / del: new and del events with name and index', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns });
  try {
    assert.instance(sub, RtnlSubscription);
    assert.equal(sub.groups, ['link', 'addr', 'route', 'neigh']);
    const added = nextEvent(sub, isLink('new', 'brev0'), 'new link brev0');
    ctx.ip('link', 'add', 'brev0', 'type', 'bridge');
    const index = ifindex(ctx, 'brev0');
    const e = await added;
    assert.is(e.link.index, index);
    assert.is(e.link.kind, 'bridge');
    assert.is(e.link.up, false);

    const up = nextEvent(sub, (x) => isLink('new', 'brev0')(x) && x.link.up, 'link brev0 up');
    ctx.ip('link', 'set', 'brev0', 'up');
    assert.is((await up).link.index, index);

    const gone = nextEvent(sub, isLink('del', 'brev0'), 'del link brev0');
    ctx.ip('link', 'del', 'brev0');
    assert.is((await gone).link.index, index);
  } finally {
    sub.close();
  }
});

k('veth pair: one event per end', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['link'] });
  try {
    const a = nextEvent(sub, isLink('new', 'vea'), 'new link vea');
    const b = nextEvent(sub, isLink('new', 'veb'), 'new link veb');
    ctx.ip('link', 'add', 'vea', 'type', 'veth', 'peer', 'name', 'veb');
    const [ea, eb] = await Promise.all([a, b]);
    assert.is(ea.link.kind, 'veth');
    assert.is(ea.link.index, ifindex(ctx, 'vea'));
    assert.is(eb.link.index, ifindex(ctx, 'veb'));
  } finally {
    sub.close();
  }
});

k('addr add / del: IPv4 and IPv6, with address, prefix length and index', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['addr'] });
  try {
    ctx.ip('link', 'add', 'brev', 'type', 'bridge');
    const index = ifindex(ctx, 'brev');
    const isAddr = (action, address) => (e) => e.kind === 'addr' && e.action === action && e.address.address === address;

    const v4 = nextEvent(sub, isAddr('new', '10.20.30.1'), 'new addr 10.20.30.1');
    ctx.ip('addr', 'add', '10.20.30.1/24', 'dev', 'brev');
    const e4 = await v4;
    assert.is(e4.address.index, index);
    assert.is(e4.address.prefixlen, 24);
    assert.is(e4.address.family, 4);

    const v6 = nextEvent(sub, isAddr('new', '2001:db8::1'), 'new addr 2001:db8::1');
    ctx.ip('addr', 'add', '2001:db8::1/64', 'dev', 'brev', 'nodad');
    const e6 = await v6;
    assert.is(e6.address.family, 6);
    assert.is(e6.address.prefixlen, 64);
    assert.is(e6.address.index, index);

    const del = nextEvent(sub, isAddr('del', '10.20.30.1'), 'del addr 10.20.30.1');
    ctx.ip('addr', 'del', '10.20.30.1/24', 'dev', 'brev');
    assert.is((await del).address.index, index);
  } finally {
    sub.close();
  }
});

k('route add / del: dst, gateway and oif', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['route'] });
  try {
    const index = bridgeWithAddress(ctx);
    const isRoute = (action, dst) => (e) => e.kind === 'route' && e.action === action && e.route.dst === dst;

    const added = nextEvent(sub, isRoute('new', '10.99.0.0/16'), 'new route 10.99.0.0/16');
    ctx.ip('route', 'add', '10.99.0.0/16', 'via', '10.20.30.254', 'dev', 'brev');
    const e = await added;
    assert.is(e.route.gateway, '10.20.30.254');
    assert.is(e.route.oif, index);
    assert.is(e.route.dstLen, 16);

    const v6 = nextEvent(sub, isRoute('new', '2001:db8:99::/48'), 'new route 2001:db8:99::/48');
    ctx.ip('-6', 'route', 'add', 'unreachable', '2001:db8:99::/48');
    assert.is((await v6).route.family, 6);

    const del = nextEvent(sub, isRoute('del', '10.99.0.0/16'), 'del route 10.99.0.0/16');
    ctx.ip('route', 'del', '10.99.0.0/16');
    assert.is((await del).route.gateway, '10.20.30.254');
  } finally {
    sub.close();
  }
});

k('neigh add / del: dst, lladdr and index', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['neigh'] });
  try {
    const index = bridgeWithAddress(ctx);
    const isNeigh = (action) => (e) => e.kind === 'neigh' && e.action === action && e.neighbour.dst === '10.20.30.5';

    const added = nextEvent(sub, isNeigh('new'), 'new neigh 10.20.30.5');
    ctx.ip('neigh', 'add', '10.20.30.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'brev', 'nud', 'permanent');
    const e = await added;
    assert.is(e.neighbour.index, index);
    assert.is(e.neighbour.lladdr, '02:00:00:00:00:05');
    assert.ok(e.neighbour.states.includes('permanent'), `states ${e.neighbour.states}`);

    const del = nextEvent(sub, isNeigh('del'), 'del neigh 10.20.30.5');
    ctx.ip('neigh', 'del', '10.20.30.5', 'dev', 'brev');
    assert.is((await del).neighbour.index, index);
  } finally {
    sub.close();
  }
});

k('link del takes its addresses with it: del events for the link, the address and its local route', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns });
  try {
    bridgeWithAddress(ctx);
    // IPv4 routes through the link vanish silently with it (the kernel sends no RTM_DELROUTE
    // for them), so only the address's own routes are expected.
    const link = nextEvent(sub, isLink('del', 'brev'), 'del link brev');
    const addr = nextEvent(sub, (e) => e.kind === 'addr' && e.action === 'del' && e.address.address === '10.20.30.1', 'del addr 10.20.30.1');
    const local = nextEvent(
      sub,
      (e) => e.kind === 'route' && e.action === 'del' && e.route.dst === '10.20.30.1/32' && e.route.type === RTN_LOCAL && e.route.table === RT_TABLE_LOCAL,
      'del local route 10.20.30.1/32',
    );
    ctx.ip('link', 'del', 'brev');
    await Promise.all([link, addr, local]);
  } finally {
    sub.close();
  }
});

k('bridge FDB entries (AF_BRIDGE on the neigh group) are not reported as neighbours', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['neigh'] });
  const neighbours = [];
  sub.on('event', (e) => neighbours.push(e.kind === 'neigh' ? e.neighbour : e));
  try {
    bridgeWithAddress(ctx);
    const fence = nextEvent(sub, (e) => e.neighbour.dst === '10.20.30.5', 'new neigh 10.20.30.5');
    ctx.ip('neigh', 'add', '10.20.30.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'brev');
    await fence;
    for (const n of neighbours)
      assert.ok(n.dst !== undefined && (n.family === 4 || n.family === 6), `neighbour ${JSON.stringify({ ...n, message: undefined })}`);
  } finally {
    sub.close();
  }
});

k.run();

// ---------------------------------------------------------------------------------------------

const g = kernelSuite('subscribe: groups');

g("subscribed to 'link' only: no addr, route or neigh events", async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['link'] });
  const kinds = new Set();
  sub.on('event', (e) => kinds.add(e.kind));
  try {
    const first = nextEvent(sub, isLink('new', 'brev'), 'new link brev');
    bridgeWithAddress(ctx);
    ctx.ip('route', 'add', '10.99.0.0/16', 'via', '10.20.30.254');
    ctx.ip('neigh', 'add', '10.20.30.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'brev');
    await first;
    // A later link event as a fence: anything the earlier changes caused was queued before it.
    const fence = nextEvent(sub, isLink('new', 'fence0'), 'new link fence0');
    ctx.ip('link', 'add', 'fence0', 'type', 'bridge');
    await fence;
    assert.equal([...kinds], ['link']);
  } finally {
    sub.close();
  }
});

g("subscribed to 'addr' only: the address, not the link", async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['addr'] });
  const kinds = new Set();
  sub.on('event', (e) => kinds.add(e.kind));
  try {
    const added = nextEvent(sub, (e) => e.kind === 'addr' && e.address.address === '10.20.30.1', 'new addr 10.20.30.1');
    bridgeWithAddress(ctx);
    await added;
    const fence = nextEvent(sub, (e) => e.kind === 'addr' && e.address.address === '10.20.30.2', 'new addr 10.20.30.2');
    ctx.ip('addr', 'add', '10.20.30.2/24', 'dev', 'brev');
    await fence;
    assert.equal([...kinds], ['addr']);
  } finally {
    sub.close();
  }
});

g('a subscription in one netns sees nothing from another', async (ctx) => {
  const sub = subscribe({ groups: ['link'] }); // the namespace the test runs in, not ctx.ns
  const names = [];
  sub.on('event', (e) => names.push(e.kind === 'link' ? e.link.name : e.kind));
  const mine = subscribe({ netns: ctx.ns, groups: ['link'] });
  try {
    const seen = nextEvent(mine, isLink('new', 'only-here'), 'new link only-here');
    ctx.ip('link', 'add', 'only-here', 'type', 'bridge');
    await seen;
    await sleep(100);
    assert.not.ok(names.includes('only-here'), `the other namespace saw: ${names.join(', ')}`);
  } finally {
    sub.close();
    mine.close();
  }
});

g.run();

// ---------------------------------------------------------------------------------------------

const it = kernelSuite('subscribe: async iterator');

it('for await yields decoded events and ends when the subscription closes', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['link'] });
  const seen = [];
  const loop = (async () => {
    for await (const e of sub) {
      seen.push(describe(e));
      if (isLink('del', 'iter0')(e)) sub.close();
    }
    return 'ended';
  })();
  ctx.ip('link', 'add', 'iter0', 'type', 'bridge');
  ctx.ip('link', 'del', 'iter0');
  const result = await Promise.race([loop, sleep(WAIT_MS).then(() => `still iterating after ${WAIT_MS} ms; saw: ${seen.join(', ')}`)]);
  assert.is(result, 'ended');
  assert.ok(seen.includes('new link iter0'), seen.join(', '));
  assert.ok(seen.includes('del link iter0'), seen.join(', '));
  assert.ok(sub.closed);
});

it('close() from outside ends a pending next(); break detaches the iterator', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['link'] });
  const iter = sub[Symbol.asyncIterator]();
  const pending = iter.next();
  setTimeout(() => sub.close(), 20);
  assert.equal(await pending, { value: undefined, done: true });
  assert.equal(await iter.next(), { value: undefined, done: true });

  const sub2 = subscribe({ netns: ctx.ns, groups: ['link'] });
  try {
    ctx.ip('link', 'add', 'brk0', 'type', 'bridge');
    for await (const e of sub2) {
      if (isLink('new', 'brk0')(e)) break;
    }
    assert.is(sub2.listenerCount('event'), 0, 'listeners left after break');
    assert.not.ok(sub2.closed, 'break closes the iterator, not the subscription');
  } finally {
    sub2.close();
  }
});

it('an iterator made after close is already done', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns });
  sub.close();
  sub.close(); // idempotent
  assert.equal(await sub[Symbol.asyncIterator]().next(), { value: undefined, done: true });
});

it.run();

// ---------------------------------------------------------------------------------------------

const r = kernelSuite('subscribe: resources');

r('fd count is back to the start after close (50 subscriptions)', async (ctx) => {
  subscribe({ netns: ctx.ns }).close(); // warm-up: the native module and ffi-rs load once
  const fds = fdCount();
  const open = [];
  for (let i = 0; i < 50; i++) open.push(subscribe({ netns: ctx.ns, groups: [/** @type {const} */ (['link', 'addr', 'route', 'neigh'])[i % 4]] }));
  assert.ok(fdCount() > fds, 'open subscriptions hold fds');
  for (const s of open) s.close();
  assert.is(fdCount(), fds, 'fds after closing 50 subscriptions');
  for (let i = 0; i < 50; i++) subscribe().close();
  assert.is(fdCount(), fds, 'fds after 50 open/close cycles');
});

r("'close' is emitted once; the receive buffer is large by default", (ctx) => {
  const sub = subscribe({ netns: ctx.ns });
  let closes = 0;
  sub.on('close', () => closes++);
  assert.ok(sub.rcvbuf >= 4 << 20, `rcvbuf ${sub.rcvbuf}`);
  sub.close();
  sub.close();
  assert.is(closes, 1);
});

r.run();

// ---------------------------------------------------------------------------------------------

const o = kernelSuite('subscribe: overrun');

/** Creates `n` bridges with one `ip -batch` while this process's event loop is blocked. */
function floodLinks(ctx, n, prefix = 'fl') {
  let cmds = '';
  for (let i = 0; i < n; i++) cmds += `link add ${prefix}${i} type bridge\n`;
  execFileSync('nsenter', [`--net=${ctx.ns.procPath}`, 'ip', '-batch', '-'], { input: cmds, stdio: ['pipe', 'pipe', 'pipe'] });
}

o("a tiny receive buffer flooded without reading: 'overrun', then events flow again", async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['link'], rcvbuf: 1024 });
  let overruns = 0;
  sub.on('overrun', () => overruns++);
  try {
    assert.ok(sub.rcvbuf < 16 * 1024, `rcvbuf ${sub.rcvbuf}`);
    const overrun = nextSignal(sub, 'overrun');
    floodLinks(ctx, 50);
    await overrun;
    // The subscription survives: a later change still arrives (resync is the caller's job).
    const after = nextEvent(sub, isLink('new', 'after0'), 'new link after0');
    ctx.ip('link', 'add', 'after0', 'type', 'bridge');
    await after;
    assert.ok(overruns >= 1);
  } finally {
    sub.close();
  }
});

o('the iterator throws OverrunError', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['link'], rcvbuf: 1024 });
  try {
    const iter = sub[Symbol.asyncIterator]();
    floodLinks(ctx, 50);
    const outcome = (async () => {
      for (;;) {
        const { done } = await iter.next();
        if (done) return 'ended without an overrun';
      }
    })().catch((e) => e);
    const e = await Promise.race([outcome, sleep(WAIT_MS).then(() => `no OverrunError within ${WAIT_MS} ms`)]);
    assert.instance(e, OverrunError, String(e));
    assert.match(e.message, /ENOBUFS/);
    assert.match(e.message, /subscribe link/);
    assert.equal(await iter.next(), { value: undefined, done: true }, 'the iterator is done after throwing');
    assert.not.ok(sub.closed);
  } finally {
    sub.close();
  }
});

o('a default-sized subscription keeps up with the same flood: no overrun, every link seen', async (ctx) => {
  const sub = subscribe({ netns: ctx.ns, groups: ['link'] });
  let overruns = 0;
  const names = new Set();
  sub.on('overrun', () => overruns++);
  sub.on('event', (e) => e.action === 'new' && e.kind === 'link' && names.add(e.link.name));
  try {
    const last = nextEvent(sub, isLink('new', 'fl199'), 'new link fl199');
    floodLinks(ctx, 200);
    await last;
    await sleep(50);
    assert.is(overruns, 0);
    for (let i = 0; i < 200; i++) if (!names.has(`fl${i}`)) assert.unreachable(`no event for fl${i}`);
  } finally {
    sub.close();
  }
});

o.run();

// ---------------------------------------------------------------------------------------------
// Liveness and listener exceptions, in child processes (each makes its own netns).

const NETLINK = import.meta.resolve('@nsrun/netlink');
const SYS = import.meta.resolve('@nsrun/sys');

/**
 * Runs an ESM snippet in a new node. Resolves { code, signal, out } when it exits, or 'running'
 * when it is still alive `aliveMs` after printing "ready" (then it is killed). Generous limits:
 * creating a netns waits for the kernel to finish tearing down the previous tests' ones.
 */
async function child(code, aliveMs = 500) {
  const prelude = `import { subscribe } from ${JSON.stringify(NETLINK)}; import { NetNs } from ${JSON.stringify(SYS)}; import { execFileSync } from 'node:child_process';\n`;
  const p = spawn(process.execPath, ['--input-type=module', '-e', prelude + code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let ready;
  const readyP = new Promise((resolve) => (ready = resolve));
  p.stdout.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) ready();
  });
  p.stderr.on('data', (d) => (out += d));
  const exited = once(p, 'exit').then(([c, s]) => ({ code: c, signal: s, out }));
  const r = await Promise.race([exited, readyP.then(() => sleep(aliveMs)).then(() => 'running'), sleep(20_000).then(() => 'running')]);
  if (r === 'running') {
    process.kill(p.pid, 'SIGKILL');
    await exited;
  }
  return r;
}

const l = kernelSkipReason ? kernelSuite('subscribe: event loop') : suite('subscribe: event loop');

l('an open subscription keeps the process alive; close() and unref() let it exit', async () => {
  assert.is(await child(`const ns = NetNs.create(); subscribe({ netns: ns }); ns.close(); console.log('ready');`), 'running');
  const closed = await child(`const ns = NetNs.create(); subscribe({ netns: ns }).close(); ns.close();`);
  assert.equal(closed, { code: 0, signal: null, out: '' });
  const unrefd = await child(`const ns = NetNs.create(); subscribe({ netns: ns }).unref(); ns.close();`);
  assert.equal(unrefd, { code: 0, signal: null, out: '' });
});

l('a throwing listener is an ordinary uncaught exception, not an abort', async () => {
  const r = await child(`
    const ns = NetNs.create();
    const sub = subscribe({ netns: ns, groups: ['link'] });
    process.on('uncaughtException', (e) => { console.log('caught: ' + e.message); sub.close(); ns.close(); });
    sub.on('event', () => { throw new Error('listener bug'); });
    ns.run(() => execFileSync('ip', ['link', 'add', 'x0', 'type', 'bridge']));`);
  assert.equal(r, { code: 0, signal: null, out: 'caught: listener bug\n' });
});

l('a throwing async iterator consumer or async listener is an ordinary failure, not an abort', async () => {
  const iter = await child(`
    const ns = NetNs.create();
    const sub = subscribe({ netns: ns, groups: ['link'] });
    process.on('uncaughtException', (e) => { console.log('caught: ' + e.message); sub.close(); ns.close(); });
    (async () => { for await (const e of sub) throw new Error('consumer bug'); })();
    ns.run(() => execFileSync('ip', ['link', 'add', 'x0', 'type', 'bridge']));`);
  assert.equal(iter, { code: 0, signal: null, out: 'caught: consumer bug\n' });
  const asyncListener = await child(`
    const ns = NetNs.create();
    const sub = subscribe({ netns: ns, groups: ['link'] });
    process.on('unhandledRejection', (e) => { console.log('rejected: ' + e.message); sub.close(); ns.close(); });
    sub.on('event', async () => { throw new Error('async listener bug'); });
    ns.run(() => execFileSync('ip', ['link', 'add', 'x0', 'type', 'bridge']));`);
  assert.equal(asyncListener, { code: 0, signal: null, out: 'rejected: async listener bug\n' });
});

l('an overrun with no listeners at all does not crash', async () => {
  const r = await child(`
    const ns = NetNs.create();
    const sub = subscribe({ netns: ns, groups: ['link'], rcvbuf: 1024 });
    let cmds = ''; for (let i = 0; i < 50; i++) cmds += 'link add f' + i + ' type bridge\\n';
    ns.run(() => execFileSync('ip', ['-batch', '-'], { input: cmds }));
    setTimeout(() => { sub.close(); ns.close(); console.log('alive'); }, 200);`);
  assert.equal(r, { code: 0, signal: null, out: 'alive\n' });
});

l.run();
