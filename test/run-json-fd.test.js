// `nsrun run --json-fd N` writes events only to a descriptor its parent passed: Node's own
// descriptors (epoll, eventfds, libuv's internal pipes, which fill fds 3-18 of every Node
// process) and descriptors that are not open are refused before anything is created, and
// descriptors a parent passes, low (3, which Node marks close-on-exec at start) or high (30),
// get the events. Each test in a network namespace and state directory of its own.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { MAIN, nsrunSpawn, nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';

const BIN = fileURLToPath(new URL('../packages/cli/bin/nsrun.cjs', import.meta.url));

const k = kernelSuite('nsrun run --json-fd');
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.links = () =>
    ctx
      .ip('-j', 'link', 'show')
      .map((l) => l.ifname)
      .sort();
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
});

const events = (text) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).event);

/** `nsrun ARGS` through the executable npm links (bin/nsrun.cjs, which runs the bundle), inside `ns`. */
function binSync(ns, args) {
  const r = spawnSync('nsenter', [`--net=${ns.procPath}`, process.execPath, BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

k('every fd 3..40 the parent did not pass is refused: status 125, one line naming it, nothing created', (ctx) => {
  // Node's own descriptors are 3-18 or so, in the unbundled entry and in the bundle alike.
  const runs = [];
  for (let fd = 3; fd <= 40; fd++) runs.push(['main.js', fd, nsrunSync]);
  for (let fd = 3; fd <= 20; fd++) runs.push(['bin/nsrun.cjs', fd, binSync]);
  for (const [entry, fd, start] of runs) {
    const r = start(ctx.ns, ['run', '--state-dir', ctx.state, '--json-fd', String(fd), '--', 'true']);
    const why = `${entry} --json-fd ${fd}: status ${r.status ?? r.signal}; stderr: ${r.stderr}`;
    assert.is(r.signal, null, why);
    assert.is(r.status, 125, why);
    assert.match(r.stderr, new RegExp(`^nsrun: run: usage: --json-fd ${fd}: `), why);
    assert.is(r.stderr.trimEnd().split('\n').length, 1, `one line: ${why}`);
    assert.equal(records(ctx.state), [], why);
    assert.equal(ctx.links(), ['lo'], why);
  }
});

k('a read-only descriptor the parent passed is refused, naming what it is', async (ctx) => {
  const ro = openSync('/dev/null', 'r');
  try {
    const c = nsrunSpawn(ctx.ns, ['run', '--state-dir', ctx.state, '--json-fd', '3', '--', 'true'], { extraFds: [ro] });
    const r = await c.done;
    assert.is(r.status, 125, r.stderr);
    assert.match(r.stderr, /^nsrun: run: usage: --json-fd 3: \/dev\/null is open read-only\n$/);
    assert.equal(records(ctx.state), []);
  } finally {
    closeSync(ro);
  }
});

k('a pipe the parent passes as fd 3 gets the events', async (ctx) => {
  const c = nsrunSpawn(ctx.ns, ['run', '--state-dir', ctx.state, '--json-fd', '3', '--', 'sh', '-c', 'exit 7'], { extraFds: ['pipe'] });
  let text = '';
  c.child.stdio[3].on('data', (d) => (text += d));
  const [r] = await Promise.all([c.done, once(c.child.stdio[3], 'end')]);
  assert.is(r.status, 7, r.stderr);
  assert.is(r.stderr, '');
  assert.equal(events(text), ['started', 'exited']);
  assert.is(JSON.parse(text.trim().split('\n')[1]).status, 7);
});

k('a file the parent passes as fd 30 (after a gap) gets the events', async (ctx) => {
  const file = `${ctx.state}/events.jsonl`;
  const fd = openSync(file, 'w');
  try {
    const stdio = ['ignore', 'pipe', 'pipe', ...Array(27).fill('ignore'), fd];
    const child = spawn('nsenter', [`--net=${ctx.ns.procPath}`, process.execPath, MAIN, 'run', '--state-dir', ctx.state, '--json-fd', '30', '--', 'true'], {
      stdio,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [status] = await once(child, 'close');
    assert.is(status, 0, stderr);
    assert.equal(events(readFileSync(file, 'utf8')), ['started', 'exited']);
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
});

k.run();
