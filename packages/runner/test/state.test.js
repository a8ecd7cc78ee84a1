// The state directory (records, bridges, cursors, the lock), process liveness and address
// leases. Everything lives in a temporary directory; no privileges needed. The cross-process
// lock test runs Node children that take the lock in a loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { flock, openPath, close, SysError, LOCK_EX, LOCK_NB } from '@nsrun/sys';
import { startNode } from '@nsrun/test-helpers/child';

// state/ is not (yet) exported from the package's main index: import the built file itself.
const STATE_URL = new URL('./state/index.js', import.meta.resolve('@nsrun/runner')).href;
const {
  StateDir,
  StateError,
  AddressError,
  parseRecord,
  processIdentity,
  isAlive,
  bootId,
  parseProcStat,
  allocateAddress,
  parseGateway,
  overlaps,
  ipToText,
  textToIp,
  newId,
} = await import(STATE_URL);

const root = mkdtempSync(join(tmpdir(), 'nsrun-state-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh, not yet existing state directory path. */
const freshDir = () => join(root, `d${++n}`);
const ip = textToIp;
/** uvu's throws takes a predicate, not a class. */
const isA = (C) => (e) => e instanceof C;

const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

function record(over = {}) {
  const id = 'id' in over ? over.id : newId();
  return {
    version: 2,
    id,
    kind: 'run',
    owner: { pid: process.pid, start: processIdentity(process.pid).start, boot: BOOT },
    pidns: statSync('/proc/self/ns/pid').ino,
    stateDir: '64:1234',
    pid: 4242,
    net: 'bridge',
    bridge: 'brg0',
    gateway: '10.10.10.1/24',
    ip: '10.10.10.2/24',
    veth: `nsr${id}`,
    command: ['sh', '-c', 'echo hi'],
    hostname: 'box',
    created: new Date().toISOString(),
    ...over,
  };
}

/** Whether another open file description of <dir>/lock could take the lock right now. */
function lockFree(dir) {
  const fd = openPath(join(dir, 'lock'), 'r');
  try {
    flock(fd, LOCK_EX | LOCK_NB);
    return true;
  } catch (e) {
    if (e instanceof SysError && e.code === 'EAGAIN') return false;
    throw e;
  } finally {
    close(fd);
  }
}

function spawnSleep(argv0 = 'sleep') {
  const child = spawn(argv0, ['1000'], { stdio: 'ignore' });
  return { child, exited: once(child, 'exit') };
}

/** Polls `cond` (a /proc state change takes a moment after a kill); fails after many tries. */
async function until(cond, what) {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await sleep(5);
  }
  assert.unreachable(`never became true: ${what}`);
}

const procState = (pid) => parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.state;

// ---------------------------------------------------------------- liveness

test('parseProcStat counts fields from the last ")" (comm with spaces and parentheses)', () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3)); // fields 3..52
  fields[0] = 'S';
  fields[19] = '987654';
  const st = parseProcStat(`1234 (a) b (c) ) ${fields.join(' ')}\n`);
  assert.equal(st, { pid: 1234, comm: 'a) b (c) ', state: 'S', start: 987654 });
  assert.is(parseProcStat('garbage'), undefined);
  assert.is(parseProcStat('12 (x) S 1 2'), undefined, 'too short');
});

test('liveness: this process is alive; a wrong start time or boot id is not', () => {
  const me = processIdentity(process.pid);
  assert.is(me.pid, process.pid);
  assert.ok(Number.isInteger(me.start) && me.start >= 0);
  assert.is(me.boot, BOOT);
  assert.is(bootId(), BOOT);
  assert.ok(isAlive(me));
  assert.not.ok(isAlive({ ...me, start: me.start + 1 }), 'pid reused by a later process');
  assert.not.ok(isAlive({ ...me, boot: '00000000-0000-0000-0000-000000000000' }), 'another boot');
  assert.throws(() => processIdentity(0), isA(RangeError));
  assert.throws(() => processIdentity(-1), isA(RangeError));
});

test('liveness: a process whose name holds ") (" is parsed right', async () => {
  const link = join(root, 'a) b (c');
  const sleepPath = ['/usr/bin/sleep', '/bin/sleep'].find(existsSync);
  symlinkSync(sleepPath, link);
  const { child, exited } = spawnSleep(link);
  try {
    await once(child, 'spawn');
    const st = parseProcStat(readFileSync(`/proc/${child.pid}/stat`, 'utf8'));
    assert.is(st.comm, 'a) b (c');
    const id = processIdentity(child.pid);
    assert.is(id.start, st.start);
    assert.ok(id.start >= processIdentity(process.pid).start, 'started after this process');
    assert.ok(isAlive(id));
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
});

test('liveness: a child that exited is gone', async () => {
  const { child, exited } = spawnSleep();
  await once(child, 'spawn');
  const id = processIdentity(child.pid);
  assert.ok(id && isAlive(id));
  child.kill('SIGKILL');
  await exited; // reaped by Node
  assert.not.ok(isAlive(id));
  assert.is(processIdentity(child.pid), undefined);
});

test('liveness: a zombie counts as gone', async () => {
  // sh starts a background sleep, then becomes a sleep that never waits for it: killing the
  // background one leaves a zombie until its parent exits.
  const parent = spawn('sh', ['-c', 'sleep 1000 & echo $!; exec sleep 1000'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = once(parent, 'exit');
  try {
    const [line] = await once(parent.stdout.setEncoding('utf8'), 'data');
    const pid = Number(line.trim());
    const id = processIdentity(pid);
    assert.ok(id && isAlive(id), 'alive before the kill');
    // Only once sh has become the sleep that never reaps: before its exec, sh could reap it.
    await until(() => readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() === 'sleep', "the parent exec'd sleep");
    process.kill(pid, 'SIGKILL');
    await until(() => procState(pid) === 'Z', `pid ${pid} is a zombie`);
    assert.not.ok(isAlive(id));
    assert.is(processIdentity(pid), undefined);
  } finally {
    parent.kill('SIGKILL');
    await exited;
  }
});

// ---------------------------------------------------------------- records

test('records: write, read and list round trip; remove is idempotent', () => {
  const d = new StateDir(freshDir());
  const a = record({ created: '2024-01-01T00:00:01.000Z', nat: { masquerade: true, publish: [{ hostPort: 8080, containerPort: 80, proto: 'tcp' }] } });
  const b = record({
    net: 'none',
    bridge: undefined,
    gateway: undefined,
    ip: undefined,
    veth: undefined,
    hostname: undefined,
    created: '2024-01-01T00:00:00.000Z',
  });
  const c = record({ kind: 'attach', veth: undefined, created: '2024-01-01T00:00:02.000Z' });
  for (const r of [a, b, c]) d.write(r);
  assert.equal(d.read(a.id), a);
  const { bridge, gateway, ip: _ip, veth, hostname, ...bClean } = b;
  assert.equal(d.read(b.id), bClean, 'undefined fields are not written');
  assert.equal(
    d.list().map((r) => r.id),
    [b.id, a.id, c.id],
    'sorted by created',
  );
  assert.is(d.read('0123456789ab'), undefined);
  d.remove(a.id);
  d.remove(a.id);
  assert.is(d.read(a.id), undefined);
  assert.equal(
    d.list().map((r) => r.id),
    [b.id, c.id],
  );
});

test('records: parseRecord refuses what nsrun would not write, naming the file and field', () => {
  const good = record();
  const text = (over) => JSON.stringify({ ...good, ...over });
  const cases = [
    ['{"version":', undefined],
    ['[]', 'record'],
    [text({ extra: 1 }), 'extra'],
    [text({ version: 1 }), 'version'],
    [text({ version: 3 }), 'version'],
    [text({ pidns: undefined }), 'pidns'],
    [text({ pidns: 0 }), 'pidns'],
    [text({ stateDir: undefined }), 'stateDir'],
    [text({ stateDir: '1:2:3' }), 'stateDir'],
    [text({ stateDir: 12 }), 'stateDir'],
    [text({ id: 'ABCDEF012345' }), 'id'],
    [text({ id: '../../etc/x' }), 'id'],
    [text({ kind: 'exec' }), 'kind'],
    [text({ owner: undefined }), 'owner'],
    [text({ owner: { pid: 1, start: 2 } }), 'owner.boot'],
    [text({ owner: { pid: 1, start: 2, boot: 'x', more: 1 } }), 'owner.more'],
    [text({ owner: { pid: 1.5, start: 2, boot: 'x' } }), 'owner.pid'],
    [text({ owner: { pid: 1, start: -1, boot: 'x' } }), 'owner.start'],
    [text({ pid: -1 }), 'pid'],
    [text({ pid: '12' }), 'pid'],
    [text({ net: 'nat' }), 'net'],
    [text({ ip: undefined }), 'ip'],
    [text({ bridge: 'a/b' }), 'bridge'],
    [text({ veth: 'x'.repeat(16) }), 'veth'],
    [text({ veth: 'brg0' }), 'veth'],
    [text({ veth: 'nsr0123456789ab' }), 'veth'],
    [text({ command: ['x'.repeat(5000)] }), 'command'],
    [text({ commandTruncated: { args: 1, bytes: 3 } }), 'commandTruncated'],
    [text({ commandTruncated: true }), 'commandTruncated'],
    [text({ gateway: '10.10.10.0/24' }), 'gateway'],
    [text({ ip: '10.10.11.2/24' }), 'ip'],
    [text({ ip: '10.10.10.2/25' }), 'ip'],
    [text({ ip: '10.10.10.1/24' }), 'ip'],
    [text({ ip: '10.10.10.2' }), 'ip'],
    [text({ net: 'none' }), 'bridge'],
    [text({ command: [] }), 'command'],
    [text({ command: ['a', 1] }), 'command'],
    [text({ hostname: 7 }), 'hostname'],
    [text({ created: 'yesterday' }), 'created'],
    [text({ created: '2024-13-45T00:00:00Z' }), 'created'],
  ];
  for (const [t, field] of cases) {
    try {
      parseRecord(t, '/x/y.json');
      assert.unreachable(`accepted ${t}`);
    } catch (e) {
      assert.instance(e, StateError, `${t}: ${e}`);
      assert.is(e.file, '/x/y.json');
      assert.is(e.field, field, `${t}: ${e.message}`);
      assert.ok(e.message.startsWith('/x/y.json: '), e.message);
    }
  }
  assert.equal(parseRecord(JSON.stringify(good), 'f'), good);
});

test('records: list skips malformed files with a warning, and files under another id', () => {
  const warnings = [];
  const path = freshDir();
  const d = new StateDir(path, { onWarning: (m) => warnings.push(m) });
  const good = record();
  d.write(good);
  const dir = join(path, 'containers');
  writeFileSync(join(dir, 'aaaaaaaaaaaa.json'), '{not json');
  writeFileSync(join(dir, 'bbbbbbbbbbbb.json'), JSON.stringify(record({ id: 'cccccccccccc' })));
  writeFileSync(join(dir, 'notanid.json'), JSON.stringify(record()));
  writeFileSync(join(dir, `dddddddddddd.json.tmp-99`), 'half a wri');
  writeFileSync(join(dir, 'README'), 'not a record');
  assert.equal(d.list(), [good]);
  assert.is(warnings.length, 3, warnings.join('\n'));
  assert.ok(
    warnings.some((w) => w.includes('aaaaaaaaaaaa.json') && w.includes('not JSON')),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.some((w) => w.includes('bbbbbbbbbbbb.json') && w.includes('cccccccccccc')),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.some((w) => w.includes('notanid.json')),
    warnings.join('\n'),
  );
  assert.throws(
    () => d.read('aaaaaaaaaaaa'),
    (e) => e instanceof StateError && e.file === join(dir, 'aaaaaaaaaaaa.json'),
  );
});

test('records: ids and bridge names that could leave the directory are refused', () => {
  const d = new StateDir(freshDir());
  for (const id of ['', '..', '../aaaaaaaaaa', 'aaaaaaaaaaa/', 'AAAAAAAAAAAA', 'aaaaaaaaaaaaa', 'aaaaaaaaaaa', 7]) {
    assert.throws(
      () => d.read(id),
      (e) => e instanceof StateError && e.field === 'id',
      `read ${id}`,
    );
    assert.throws(
      () => d.remove(id),
      (e) => e instanceof StateError && e.field === 'id',
      `remove ${id}`,
    );
    assert.throws(
      () => d.write(record({ id })),
      (e) => e instanceof StateError && e.field === 'id',
      `write ${id}`,
    );
  }
  for (const name of ['', '.', '..', 'a/b', '../x', 'a b', 'x'.repeat(16)]) {
    assert.throws(
      () => d.bridgeCreated(name, '10.0.0.1/24'),
      (e) => e instanceof StateError && e.field === 'bridge',
      name,
    );
    assert.throws(() => d.cursor(name), isA(StateError), name);
    assert.throws(() => d.setCursor(name, 1), isA(StateError), name);
    assert.throws(() => d.bridgeForget(name), isA(StateError), name);
  }
  assert.not.ok(existsSync(d.path), 'nothing was created');
});

test('atomic writes: no temporary files remain; modes 0755 / 0644 whatever the umask', () => {
  const old = process.umask(0o077);
  try {
    const d = new StateDir(join(freshDir(), 'nested'));
    const rec = record();
    for (let i = 0; i < 20; i++) d.write({ ...rec, pid: 100 + i });
    d.write(record());
    d.bridgeCreated('brg0', '10.10.10.1/24');
    d.setCursor('brg0', ip('10.10.10.9'));
    for (const sub of ['containers', 'bridges', 'cursors']) {
      const names = readdirSync(join(d.path, sub));
      assert.ok(
        names.every((f) => !f.includes('.tmp-')),
        names.join(' '),
      );
      assert.is(statSync(join(d.path, sub)).mode & 0o777, 0o755, sub);
      for (const f of names) assert.is(statSync(join(d.path, sub, f)).mode & 0o777, 0o644, f);
    }
    assert.is(statSync(d.path).mode & 0o777, 0o755);
    assert.is(statSync(join(d.path, '..')).mode & 0o777, 0o755, 'parents it created too');
    assert.is(readdirSync(join(d.path, 'containers')).length, 2);
    assert.is(d.read(rec.id).pid, 119, 'the last write wins');
  } finally {
    process.umask(old);
  }
});

test('reading a state directory that does not exist yet: empty, and nothing is created', () => {
  const d = new StateDir(freshDir());
  assert.equal(d.list(), []);
  assert.equal(d.bridgesCreated(), []);
  assert.is(d.cursor('brg0'), undefined);
  assert.is(d.read('0123456789ab'), undefined);
  d.remove('0123456789ab');
  d.bridgeForget('brg0');
  assert.not.ok(existsSync(d.path));
  assert.is(new StateDir().path, '/run/nsrun');
  assert.is(StateDir.DEFAULT, '/run/nsrun');
});

test('bridges nsrun created, and cursors', () => {
  const warnings = [];
  const d = new StateDir(freshDir(), { onWarning: (m) => warnings.push(m) });
  d.bridgeCreated('nsb1', '10.20.0.1/16');
  d.bridgeCreated('brg0', '10.10.10.1/24');
  d.bridgeCreated('brg0', '10.10.10.1/24'); // again: still one
  assert.throws(() => d.bridgeCreated('brg1', '10.10.10.0/24'), isA(AddressError));
  writeFileSync(join(d.path, 'bridges', 'bad.json'), '{"version":1,"name":"other","gateway":"10.0.0.1/24"}');
  assert.equal(d.bridgesCreated(), [
    { name: 'brg0', gateway: '10.10.10.1/24' },
    { name: 'nsb1', gateway: '10.20.0.1/16' },
  ]);
  assert.is(warnings.length, 1);
  assert.ok(warnings[0].includes('bad.json'), warnings[0]);

  assert.is(d.cursor('brg0'), undefined);
  d.setCursor('brg0', ip('10.10.10.7'));
  assert.is(d.cursor('brg0'), ip('10.10.10.7'));
  assert.is(readFileSync(join(d.path, 'cursors', 'brg0'), 'utf8'), '10.10.10.7\n');
  assert.throws(() => d.setCursor('brg0', -1), isA(AddressError));
  writeFileSync(join(d.path, 'cursors', 'nsb1'), 'garbage\n');
  assert.is(d.cursor('nsb1'), undefined);
  assert.is(warnings.length, 2);

  d.bridgeForget('brg0');
  d.bridgeForget('brg0');
  assert.equal(
    d.bridgesCreated().map((b) => b.name),
    ['nsb1'],
  );
  assert.is(d.cursor('brg0'), undefined, 'its cursor went with it');
});

// ---------------------------------------------------------------- the lock

test('withLock: 8 concurrent callers in one process never overlap, and all run in order', async () => {
  const d = new StateDir(freshDir());
  let active = 0;
  let maxActive = 0;
  const order = [];
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      d.withLock(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        assert.not.ok(lockFree(d.path), 'the flock is held while fn runs');
        await sleep(2);
        await Promise.resolve();
        order.push(i);
        active--;
        return i * 10;
      }),
    ),
  );
  assert.is(maxActive, 1);
  assert.equal(results, [0, 10, 20, 30, 40, 50, 60, 70]);
  assert.equal(order, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.ok(lockFree(d.path), 'released at the end');
  d.close();
});

test('withLock: two StateDir objects on one directory exclude each other (and do not deadlock)', async () => {
  const path = freshDir();
  const [a, b] = [new StateDir(path), new StateDir(path)];
  let active = 0;
  let maxActive = 0;
  const job = (d) =>
    d.withLock(async () => {
      maxActive = Math.max(maxActive, ++active);
      await sleep(3);
      active--;
    });
  await Promise.all([job(a), job(b), job(a), job(b), job(b), job(a)]);
  assert.is(maxActive, 1);
  a.close();
  b.close();
});

test('withLock: released after fn throws (sync or async); the error comes out unchanged', async () => {
  const d = new StateDir(freshDir());
  const boom = new Error('boom');
  let err = await d
    .withLock(() => {
      assert.not.ok(lockFree(d.path));
      throw boom;
    })
    .catch((e) => e);
  assert.is(err, boom);
  assert.ok(lockFree(d.path), 'after a synchronous throw');
  err = await d
    .withLock(async () => {
      await sleep(1);
      throw boom;
    })
    .catch((e) => e);
  assert.is(err, boom);
  assert.ok(lockFree(d.path), 'after a rejection');
  assert.is(await d.withLock(() => 'next'), 'next', 'the queue goes on');
  d.close();
});

test('withLock: a nested call on the same directory is refused, not a deadlock', async () => {
  const d = new StateDir(freshDir());
  const other = new StateDir(freshDir());
  const out = await d.withLock(async () => {
    const e = await d.withLock(() => 'inner').catch((x) => x);
    assert.instance(e, StateError);
    const e2 = await new StateDir(d.path).withLock(() => 'inner').catch((x) => x);
    assert.instance(e2, StateError, 'another object on the same path too');
    return other.withLock(() => 'another directory is fine');
  });
  assert.is(out, 'another directory is fine');
  assert.is(await d.withLock(() => 'after'), 'after', 'a later call is not "nested"');
  d.close();
  other.close();
});

test('withLock: a lock held by another process is waited for', async () => {
  const path = freshDir();
  const d = new StateDir(path);
  await d.withLock(() => {}); // creates <dir>/lock
  const holder = startNode(`
    const fd = sys.openPath(${JSON.stringify(join(path, 'lock'))}, 'r');
    sys.flock(fd, sys.LOCK_EX);
    out('locked');
    process.stdin.resume();
    process.stdin.on('end', () => { out('unlocking'); process.exit(0); });
  `);
  try {
    assert.is(await holder.next(), 'locked');
    let ran = false;
    const p = d.withLock(() => {
      ran = true;
    });
    await sleep(30);
    assert.not.ok(ran, 'still waiting while the other process holds the lock');
    holder.end();
    assert.is(await holder.next(), 'unlocking');
    await p;
    assert.ok(ran);
    assert.is((await holder.exit).code, 0);
  } finally {
    holder.kill();
    d.close();
  }
});

test('withLock: 3 processes taking the lock 25 times each never interleave', async () => {
  const path = freshDir();
  const log = join(root, `log${n}`);
  writeFileSync(log, '');
  const body = (who) => `
    const { StateDir } = await import(${JSON.stringify(STATE_URL)});
    const d = new StateDir(${JSON.stringify(path)});
    out('ready');
    await new Promise((r) => process.stdin.once('data', r));
    for (let i = 0; i < 25; i++) {
      await d.withLock(async () => {
        fs.appendFileSync(${JSON.stringify(log)}, '${who} in\\n');
        await new Promise((r) => setTimeout(r, 1));
        fs.appendFileSync(${JSON.stringify(log)}, '${who} out\\n');
      });
    }
    process.exit(0);
  `;
  const kids = ['a', 'b', 'c'].map((w) => startNode(body(w)));
  try {
    for (const k of kids) assert.is(await k.next(), 'ready');
    for (const k of kids) k.send('go\n');
    for (const k of kids) {
      const e = await k.exit;
      assert.is(e.code, 0, e.stderr);
    }
  } finally {
    for (const k of kids) k.kill();
  }
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.is(lines.length, 3 * 25 * 2);
  for (let i = 0; i < lines.length; i += 2) {
    const who = lines[i].split(' ')[0];
    assert.equal([lines[i], lines[i + 1]], [`${who} in`, `${who} out`], `interleaved at line ${i + 1}`);
  }
  const switches = lines.filter((l, i) => i > 0 && i % 2 === 0 && l[0] !== lines[i - 2][0]).length;
  if (switches === 0) console.log('# note: the children never alternated (ran one after another)');
});

// ---------------------------------------------------------------- addresses

const isAddrErr = (reason, field) => (e) =>
  e instanceof AddressError && e.reason === reason && (field === undefined || e.field === field) && e instanceof RangeError;

test('ipToText / textToIp / overlaps', () => {
  assert.is(textToIp('10.10.10.7'), 0x0a0a0a07);
  assert.is(textToIp('255.255.255.255'), 0xffffffff);
  assert.is(textToIp('0.0.0.0'), 0);
  assert.is(ipToText(0xffffffff), '255.255.255.255');
  assert.is(ipToText(0x0a0a0a07), '10.10.10.7');
  for (const bad of ['10.10.10', '10.10.10.7.1', '10.10.10.256', '010.10.10.7', '10.10.10.-1', '10.10.10.7/24', ' 10.10.10.7', '', 'a.b.c.d']) {
    assert.throws(() => textToIp(bad), isAddrErr('malformed'), bad);
  }
  assert.throws(() => ipToText(2 ** 32), isA(AddressError));
  assert.throws(() => ipToText(1.5), isA(AddressError));
  assert.ok(overlaps(ip('10.0.0.0'), 8, ip('10.10.10.0'), 24));
  assert.ok(overlaps(ip('10.10.10.0'), 24, ip('10.0.0.0'), 8));
  assert.ok(overlaps(ip('10.10.10.0'), 24, ip('10.10.10.128'), 25));
  assert.not.ok(overlaps(ip('10.10.10.0'), 24, ip('10.10.11.0'), 24));
  assert.not.ok(overlaps(ip('192.168.0.0'), 16, ip('10.0.0.0'), 8));
  assert.ok(overlaps(ip('0.0.0.0'), 0, ip('10.0.0.0'), 8), 'a default route covers everything');
  assert.throws(() => overlaps(0, 33, 0, 8), isA(AddressError));
});

test('parseGateway: subnet arithmetic and refusals', () => {
  assert.equal(parseGateway('10.10.10.1/24'), { gateway: ip('10.10.10.1'), prefix: 24, network: ip('10.10.10.0'), broadcast: ip('10.10.10.255') });
  assert.equal(parseGateway('172.16.5.9/12'), { gateway: ip('172.16.5.9'), prefix: 12, network: ip('172.16.0.0'), broadcast: ip('172.31.255.255') });
  assert.equal(parseGateway('192.168.1.6/30').network, ip('192.168.1.4'));
  for (const bad of ['10.10.10.1', '10.10.10/24', '10.10.10.1/24/1', '10.10.10.300/24', '10.10.10.1/', '10.10.10.1/x', '/24', 10]) {
    assert.throws(() => parseGateway(bad), isAddrErr('malformed', 'subnet'), String(bad));
  }
  for (const bad of ['10.10.10.1/7', '10.10.10.1/31', '10.10.10.1/32', '10.10.10.1/0']) {
    assert.throws(() => parseGateway(bad), isAddrErr('prefix', 'subnet'), bad);
  }
  assert.throws(() => parseGateway('10.10.10.0/24'), isAddrErr('network', 'subnet'));
  assert.throws(() => parseGateway('10.10.10.255/24'), isAddrErr('broadcast', 'subnet'));
  assert.throws(() => parseGateway('10.10.10.3/30'), isAddrErr('broadcast', 'subnet'));
});

test('allocateAddress: round robin after the cursor, skipping network, broadcast, gateway and used; wraps', () => {
  const subnet = parseGateway('10.10.10.1/24');
  const next = (cursor, used = new Set()) => ipToText(allocateAddress({ subnet, used, cursor }).ip);
  assert.is(next(undefined), '10.10.10.2', 'first host after the gateway');
  assert.equal(allocateAddress({ subnet: '10.10.10.1/24', used: new Set() }), { ip: ip('10.10.10.2'), text: '10.10.10.2/24', cursor: ip('10.10.10.2') });
  assert.is(next(ip('10.10.10.2')), '10.10.10.3');
  assert.is(next(ip('10.10.10.2'), new Set([ip('10.10.10.3'), ip('10.10.10.4')])), '10.10.10.5');
  assert.is(next(ip('10.10.10.2'), new Set(['10.10.10.3', '10.10.10.4/24'])), '10.10.10.5', 'text, bare or CIDR');
  assert.is(next(ip('10.10.10.253')), '10.10.10.254');
  assert.is(next(ip('10.10.10.254')), '10.10.10.2', 'wraps past broadcast, network, gateway');
  assert.is(next(ip('10.10.10.254'), new Set([ip('10.10.10.2')])), '10.10.10.3');
  assert.is(next(ip('192.168.0.9')), '10.10.10.2', 'a cursor from another subnet starts from the top');
  // The gateway in the middle of a /29: .1-.6 are hosts, .5 is the bridge.
  const s29 = parseGateway('10.0.0.5/29');
  assert.is(ipToText(allocateAddress({ subnet: s29, used: new Set(), cursor: ip('10.0.0.4') }).ip), '10.0.0.6');
  assert.is(ipToText(allocateAddress({ subnet: s29, used: new Set(), cursor: ip('10.0.0.6') }).ip), '10.0.0.1');
  assert.is(ipToText(allocateAddress({ subnet: s29, used: new Set() }).ip), '10.0.0.1');
});

test('allocateAddress: a just released address is not handed out again at once', () => {
  const subnet = parseGateway('10.10.10.1/24');
  const used = new Set();
  const a = allocateAddress({ subnet, used });
  used.add(a.ip);
  const b = allocateAddress({ subnet, used, cursor: a.cursor });
  used.add(b.ip);
  used.delete(a.ip); // a's container exits
  const c = allocateAddress({ subnet, used, cursor: b.cursor });
  assert.equal([a.text, b.text, c.text], ['10.10.10.2/24', '10.10.10.3/24', '10.10.10.4/24']);
});

test('allocateAddress: a wanted address, or why not', () => {
  const subnet = parseGateway('10.10.10.1/24');
  const used = new Map([[ip('10.10.10.9'), 'aaaaaaaaaaaa']]);
  /** @param {string} wanted @param {Map<number, string> | Set<string>} [u] */
  const want = (wanted, u = used) => allocateAddress({ subnet, used: u, wanted, cursor: ip('10.10.10.2') });
  assert.is(want('10.10.10.7').text, '10.10.10.7/24');
  assert.is(want('10.10.10.7/24').ip, ip('10.10.10.7'));
  assert.is(want('10.10.10.2').text, '10.10.10.2/24', 'the cursor does not matter');
  assert.throws(() => want('10.10.10.7/25'), isAddrErr('prefix', 'ip'));
  assert.throws(
    () => want('10.10.11.7'),
    (e) => isAddrErr('outside', 'ip')(e) && e.message.includes('10.10.10.0/24'),
  );
  assert.throws(() => want('10.10.10.1'), isAddrErr('gateway', 'ip'));
  assert.throws(() => want('10.10.10.0'), isAddrErr('network', 'ip'));
  assert.throws(() => want('10.10.10.255'), isAddrErr('broadcast', 'ip'));
  assert.throws(
    () => want('10.10.10.9'),
    (e) => isAddrErr('taken', 'ip')(e) && e.takenBy === 'aaaaaaaaaaaa' && e.message.includes('aaaaaaaaaaaa'),
  );
  assert.throws(
    () => want('10.10.10.9', new Set(['10.10.10.9/24'])),
    (e) => isAddrErr('taken', 'ip')(e) && e.takenBy === undefined,
  );
  assert.throws(() => want('10.10.10'), isAddrErr('malformed', 'ip'));
  assert.throws(() => want('10.10.10.7/24/1'), isAddrErr('malformed', 'ip'));
  assert.throws(() => allocateAddress({ subnet, used: new Set(['nonsense']) }), isAddrErr('malformed', 'used'));
  assert.throws(() => allocateAddress({ subnet, used: new Set(), cursor: -5 }), isAddrErr('malformed', 'cursor'));
  assert.throws(() => allocateAddress({ subnet: '10.10.10.1/31', used: new Set() }), isAddrErr('prefix', 'subnet'));
});

test('allocateAddress: a /30 holds one container; then it is full', () => {
  const subnet = parseGateway('10.0.0.1/30');
  const a = allocateAddress({ subnet, used: new Set() });
  assert.is(a.text, '10.0.0.2/30');
  assert.is(allocateAddress({ subnet, used: new Set(), cursor: a.cursor }).text, '10.0.0.2/30', 'wraps to the only one');
  assert.throws(() => allocateAddress({ subnet, used: new Set([a.ip]), cursor: a.cursor }), isAddrErr('full', 'ip'));
  assert.throws(() => allocateAddress({ subnet, used: new Set([a.ip]), wanted: '10.0.0.2' }), isAddrErr('taken', 'ip'));
});

test('allocateAddress: every address of a /24 once (253 of them, distinct), then full', () => {
  const subnet = parseGateway('10.10.10.1/24');
  const used = new Set();
  let cursor;
  for (let i = 0; i < 253; i++) {
    const got = allocateAddress({ subnet, used, cursor });
    assert.not.ok(used.has(got.ip), `allocation ${i} repeats ${got.text}`);
    assert.ok(got.ip > subnet.network + 1 && got.ip < subnet.broadcast, got.text);
    used.add(got.ip);
    cursor = got.cursor;
  }
  assert.is(used.size, 253);
  assert.throws(
    () => allocateAddress({ subnet, used, cursor }),
    (e) => isAddrErr('full')(e) && e.message.includes('full'),
  );
});

test.run();
