// The state directory's safety rules, piece by piece: records of format 2 and what makes one
// opaque, judging a record (live / dead / unknown), the command a record keeps, the lease store
// (one file per address), who holds the lock and giving up waiting for it, and state failures
// naming their file. Everything lives in temporary directories; no privileges needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNode } from '@nsrun/test-helpers/child';

const STATE_URL = new URL('./state/index.js', import.meta.resolve('@nsrun/runner'));
const {
  StateDir,
  StateError,
  LeaseStore,
  classifyRecord,
  formatRecord,
  parseRecord,
  boundCommand,
  commandLength,
  judgeRecord,
  pidNamespace,
  processIdentity,
  flockHolders,
  devNumbers,
  lockHolder,
  describeHolder,
  textToIp,
  newId,
  MAX_COMMAND_BYTES,
  RECORD_VERSION,
} = await import(STATE_URL.href);

const root = mkdtempSync(join(tmpdir(), 'nsrun-records-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);
const ip = textToIp;

const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const PIDNS = statSync('/proc/self/ns/pid').ino;
const tokenOf = (dir) => {
  const s = statSync(dir, { bigint: true });
  return `${s.dev}:${s.ino}`;
};
const me = () => processIdentity(process.pid);

function record(over = {}) {
  const id = 'id' in over ? over.id : newId();
  return {
    version: 2,
    id,
    kind: 'run',
    owner: me(),
    pidns: PIDNS,
    stateDir: '64:1234',
    pid: 4242,
    net: 'bridge',
    bridge: 'brg0',
    gateway: '10.10.10.1/24',
    ip: '10.10.10.2/24',
    veth: `nsr${id}`,
    command: ['sleep', '1'],
    created: new Date().toISOString(),
    ...over,
  };
}

// ---------------------------------------------------------------- records: format 2, opaque ones

test('classifyRecord: format 2 is read; truncated, garbage, newer, version 1 and refused ones are opaque, saying why', () => {
  const good = record();
  assert.equal(classifyRecord(JSON.stringify(good), 'f').record, good);
  const text = JSON.stringify(good);
  /** @type {[string, RegExp, object][]} */
  const cases = [
    [text.slice(0, text.length >> 1), /^not JSON .*truncated/, {}],
    ['\u0000\u0001garbage', /^not JSON/, {}],
    ['[1,2]', /no format version/, {}],
    [JSON.stringify({ ...good, version: undefined }), /no format version/, { bridge: 'brg0', ip: '10.10.10.2/24' }],
    [
      JSON.stringify({ ...good, version: 3, future: [1] }),
      /format version 3, newer than this nsrun reads \(2\)/,
      { version: 3, bridge: 'brg0', ip: '10.10.10.2/24' },
    ],
    [
      JSON.stringify({ ...good, version: 1, pidns: undefined, stateDir: undefined }),
      /format version 1, of an older nsrun/,
      { version: 1, bridge: 'brg0', ip: '10.10.10.2/24' },
    ],
    [
      JSON.stringify({ ...good, veth: 'brg0' }),
      /^veth: must be nsr[0-9a-f]{12} \(the container's own veth\), got "brg0"/,
      { version: 2, bridge: 'brg0', ip: '10.10.10.2/24' },
    ],
    [JSON.stringify({ ...good, extra: 1 }), /^extra: unknown field/, { version: 2, bridge: 'brg0', ip: '10.10.10.2/24' }],
  ];
  for (const [t, why, contract] of cases) {
    const c = classifyRecord(t, 'f');
    assert.is(c.record, undefined, t);
    assert.match(c.opaque, why, t);
    assert.equal(c.contract, contract, t);
  }
  assert.is(RECORD_VERSION, 2);
});

test('StateDir: entries() keeps every record file, the opaque ones with their reason; list() skips and warns; read() refuses them', () => {
  const warnings = [];
  const d = new StateDir(freshDir(), { onWarning: (m) => warnings.push(m) });
  const good = record({ created: '2024-01-01T00:00:00.000Z' });
  d.write(good);
  const dir = join(d.path, 'containers');
  writeFileSync(join(dir, 'aaaaaaaaaaaa.json'), JSON.stringify(record({ id: 'aaaaaaaaaaaa' })).slice(0, 40));
  writeFileSync(join(dir, 'bbbbbbbbbbbb.json'), JSON.stringify({ ...record({ id: 'bbbbbbbbbbbb' }), version: 9 }));
  // A record this big was not written by this nsrun: it is not even parsed.
  writeFileSync(join(dir, 'cccccccccccc.json'), JSON.stringify(record({ id: 'cccccccccccc', hostname: 'x'.repeat(70_000) })));
  const es = d.entries();
  assert.equal(
    es.map((e) => e.id),
    [good.id, 'aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc'],
  );
  assert.equal(es[0].record, good);
  assert.match(es[1].opaque, /not JSON/);
  assert.match(es[2].opaque, /format version 9/);
  assert.equal(es[2].contract, { version: 9, bridge: 'brg0', ip: '10.10.10.2/24' });
  assert.match(es[3].opaque, /larger than 64 KiB/);
  assert.is(es[3].file, join(dir, 'cccccccccccc.json'));
  assert.equal(warnings, [], 'entries() leaves the warnings to its caller');
  assert.equal(d.list(), [good]);
  assert.is(warnings.length, 3);
  assert.throws(
    () => d.read('bbbbbbbbbbbb'),
    (e) => e instanceof StateError && e.file === join(dir, 'bbbbbbbbbbbb.json') && /version 9/.test(e.message),
  );
  assert.is(d.entry('dddddddddddd'), undefined);
});

test('boundCommand: whole arguments up to 4 KiB, the next one cut on a character boundary, the whole length noted', () => {
  assert.equal(boundCommand(['sh', '-c', 'true']), { command: ['sh', '-c', 'true'] });
  const big = ['sh', '-c', 'x'.repeat(100_000), 'y'.repeat(100_000)];
  const b = boundCommand(big);
  assert.equal(b.command.slice(0, 2), ['sh', '-c']);
  assert.is(b.command.length, 3);
  assert.is(commandLength(b.command).bytes, MAX_COMMAND_BYTES);
  assert.equal(b.commandTruncated, { args: 4, bytes: 200_008 });
  // € is 3 bytes: the cut never splits one.
  const euro = boundCommand(['€'.repeat(3000)]);
  assert.ok(/^€+$/.test(euro.command[0]));
  assert.ok(commandLength(euro.command).bytes <= MAX_COMMAND_BYTES);
  assert.equal(euro.commandTruncated, { args: 1, bytes: 9001 });
  // What it keeps is a valid record; a record keeping more is refused.
  formatRecord(record({ ...b }));
  assert.throws(
    () => formatRecord(record({ command: big })),
    (e) => e instanceof StateError && e.field === 'command',
  );
  assert.throws(
    () => parseRecord(JSON.stringify(record({ command: ['x'], commandTruncated: { args: 1, bytes: 1 } })), 'f'),
    (e) => e.field === 'commandTruncated',
  );
});

// ---------------------------------------------------------------- judging

test('judgeRecord: live, dead (owner gone, another boot), unknown (another pid namespace or state directory)', async () => {
  const here = { pidns: PIDNS, stateDir: '64:1234' };
  const rec = record();
  assert.is(pidNamespace(), PIDNS);
  assert.is(judgeRecord(rec, here), 'live');
  assert.is(judgeRecord({ ...rec, owner: { ...rec.owner, start: rec.owner.start + 1 } }, here), 'dead', 'pid reused');
  assert.is(judgeRecord(rec, { ...here, pidns: PIDNS + 1 }), 'unknown', 'read from another pid namespace');
  assert.is(
    judgeRecord({ ...rec, owner: { pid: 999999, start: 1, boot: BOOT } }, { ...here, pidns: PIDNS + 1 }),
    'unknown',
    'a pid that means nothing here is never judged dead',
  );
  assert.is(judgeRecord(rec, { ...here, stateDir: '64:9999' }), 'unknown', 'a copy of the state directory');
  assert.is(judgeRecord(rec, { pidns: undefined, stateDir: '64:1234' }), 'unknown', 'no /proc of our own');
  assert.is(
    judgeRecord({ ...rec, owner: { ...rec.owner, boot: '00000000-0000-0000-0000-000000000000' } }, { ...here, pidns: 1 }),
    'dead',
    'another boot: dead whoever asks',
  );
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const owner = processIdentity(child.pid);
  assert.is(judgeRecord(record({ owner }), here), 'live');
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.is(judgeRecord(record({ owner }), here), 'dead');
});

test('StateDir: token() is <dev>:<ino>, the same through another path, undefined (and nothing created) while missing; origin() makes the directory', () => {
  const path = freshDir();
  const d = new StateDir(path);
  assert.is(d.token(), undefined);
  assert.not.ok(d.exists());
  assert.not.ok(existsSync(path));
  const o = d.origin();
  assert.equal(o, { pidns: PIDNS, stateDir: tokenOf(path) });
  symlinkSync(path, `${path}-link`);
  assert.is(new StateDir(`${path}-link`).token(), tokenOf(path));
  // Judged from here, a record written for this directory is live; one for another is not.
  assert.is(d.verdict(record({ ...o })), 'live');
  assert.is(d.verdict(record({ ...o, stateDir: '1:1' })), 'unknown');
  for (const bad of ['relative/dir', './x', ''])
    assert.throws(
      () => new StateDir(bad),
      (e) => e instanceof StateError && e.field === 'stateDir',
      bad,
    );
});

// ---------------------------------------------------------------- the lease store

test('LeaseStore: one exclusive file per address, holding its holder; released only by its holder', () => {
  const s = new LeaseStore(join(freshDir(), 'leases'));
  assert.not.ok(s.exists());
  assert.equal(s.list('brg0'), []);
  assert.equal(s.pools(), []);
  const umask = process.umask(0o077);
  try {
    assert.ok(s.claim('brg0', ip('10.10.10.3'), 'aaaaaaaaaaaa'));
  } finally {
    process.umask(umask);
  }
  for (const d of [s.root, join(s.root, 'brg0')]) assert.is(statSync(d).mode & 0o777, 0o755, `${d}: readable by all, whatever the umask`);
  assert.not.ok(s.claim('brg0', ip('10.10.10.3'), 'bbbbbbbbbbbb'), 'taken');
  assert.ok(s.claim('brg0', ip('10.10.10.2'), 'bbbbbbbbbbbb'));
  assert.ok(s.claim('other', ip('10.10.10.3'), 'cccccccccccc'), 'pools are separate');
  assert.ok(s.exists());
  assert.equal(s.pools().sort(), ['brg0', 'other']);
  const file = join(s.root, 'brg0', '10.10.10.3');
  assert.ok(lstatSync(file).isSymbolicLink());
  assert.is(readlinkSync(file), 'aaaaaaaaaaaa');
  assert.equal(s.list('brg0'), [
    { ip: ip('10.10.10.2'), holder: 'bbbbbbbbbbbb' },
    { ip: ip('10.10.10.3'), holder: 'aaaaaaaaaaaa' },
  ]);
  assert.is(s.holder('brg0', ip('10.10.10.3')), 'aaaaaaaaaaaa');
  assert.is(s.holder('brg0', ip('10.10.10.9')), undefined);
  assert.not.ok(s.release('brg0', ip('10.10.10.3'), 'bbbbbbbbbbbb'), 'not its holder');
  assert.ok(s.release('brg0', ip('10.10.10.3'), 'aaaaaaaaaaaa'));
  assert.not.ok(s.release('brg0', ip('10.10.10.3'), 'aaaaaaaaaaaa'), 'gone already');
  // A regular file holding the id is a lease too (another writer's); other names are not leases.
  writeFileSync(join(s.root, 'brg0', '10.10.10.7'), 'dddddddddddd\n');
  writeFileSync(join(s.root, 'brg0', 'README'), 'x');
  const skipped = [];
  assert.equal(
    s.list('brg0', (f) => skipped.push(f)).map((l) => l.holder),
    ['bbbbbbbbbbbb', 'dddddddddddd'],
  );
  assert.equal(skipped, [join(s.root, 'brg0', 'README')]);
  for (const pool of ['', '.', '..', 'a/b', 7])
    assert.throws(
      () => s.list(pool),
      (e) => e instanceof StateError && e.field === 'pool',
      String(pool),
    );
  for (const holder of ['', 'a b', 'x'.repeat(256), 7])
    assert.throws(
      () => s.claim('brg0', ip('10.10.10.8'), holder),
      (e) => e instanceof StateError && e.field === 'holder',
      String(holder),
    );
});

test('StateDir: drop() gives the lease back, then the record; adoptLegacyLeases() leases what records of format 1 hold', () => {
  const d = new StateDir(freshDir());
  const rec = record({ ...d.origin(), ip: '10.10.10.5/24' });
  d.leases.claim('brg0', ip('10.10.10.5'), rec.id);
  d.write(rec);
  d.drop(rec);
  assert.equal(d.leases.list('brg0'), []);
  assert.is(d.entry(rec.id), undefined);
  const old = { ...record({ id: 'aaaaaaaaaaa1', ip: '10.10.10.9/24' }), version: 1 };
  delete old.pidns;
  delete old.stateDir;
  writeFileSync(join(d.path, 'containers', 'aaaaaaaaaaa1.json'), JSON.stringify(old));
  writeFileSync(join(d.path, 'containers', 'aaaaaaaaaaa2.json'), JSON.stringify({ ...old, id: 'aaaaaaaaaaa2', net: 'none', bridge: undefined, ip: undefined }));
  rmSync(d.leases.root, { recursive: true });
  d.adoptLegacyLeases();
  assert.equal(d.leases.list('brg0'), [{ ip: ip('10.10.10.9'), holder: 'aaaaaaaaaaa1' }]);
});

// ---------------------------------------------------------------- the lock

test('flockHolders / devNumbers: /proc/locks read as the kernel writes it', () => {
  const locks = [
    '1: POSIX  ADVISORY  WRITE 500 00:2d:77 0 EOF',
    '2: FLOCK  ADVISORY  WRITE 1234 00:2d:77 0 EOF',
    '2: -> FLOCK  ADVISORY  WRITE 1300 00:2d:77 0 EOF',
    '3: FLOCK  ADVISORY  WRITE 1400 00:2d:78 0 EOF',
    '4: FLOCK  ADVISORY  WRITE 1500 103:10001:77 0 EOF',
    '',
  ].join('\n');
  assert.equal(flockHolders(locks, 0, 0x2d, 77n), [1234]);
  assert.equal(flockHolders(locks, 0x103, 0x10001, 77n), [1500]);
  assert.equal(flockHolders(locks, 0, 0x2e, 77n), []);
  assert.equal(devNumbers(0x801n), [8, 1]);
  // glibc's makedev(0x103, 0x10001): minor's high bits above bit 20, major's above bit 32.
  assert.equal(devNumbers(((0x103n & 0xfffn) << 8n) | (0x10001n & 0xffn) | ((0x10001n & ~0xffn) << 12n) | ((0x103n & ~0xfffn) << 32n)), [0x103, 0x10001]);
  assert.is(describeHolder(undefined), 'held by another process (not visible from this pid namespace)');
  assert.match(describeHolder({ pid: 9, comm: 'nsrun', stopped: true }), /^held by pid 9 \(nsrun\), which is stopped: .*kill -CONT 9/);
});

test('withLock: the holder is named (and seen stopped); an abort while waiting rejects naming the lock file and its holder', async () => {
  const path = freshDir();
  const d = new StateDir(path);
  await d.withLock(() => {});
  const holder = startNode(`
    const fd = sys.openPath(${JSON.stringify(join(path, 'lock'))}, 'r');
    sys.flock(fd, sys.LOCK_EX);
    out('locked');
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
  `);
  try {
    assert.is(await holder.next(), 'locked');
    const fd = (await import('@nsrun/sys')).openPath(join(path, 'lock'), 'r');
    try {
      assert.equal(lockHolder(fd), { pid: holder.child.pid, comm: 'node', stopped: false });
      process.kill(holder.child.pid, 'SIGSTOP');
      for (let i = 0; i < 200 && !lockHolder(fd)?.stopped; i++) await sleep(5);
      assert.ok(lockHolder(fd).stopped, 'seen stopped');
    } finally {
      (await import('@nsrun/sys')).close(fd);
    }
    const ac = new AbortController();
    let ran = false;
    const p = d.withLock(() => (ran = true), { signal: ac.signal });
    await sleep(20);
    ac.abort();
    const e = await p.catch((x) => x);
    assert.instance(e, StateError);
    assert.is(e.file, join(path, 'lock'));
    assert.match(e.message, new RegExp(`lock: interrupted while waiting for the lock \\(held by pid ${holder.child.pid} \\(node\\), which is stopped`));
    assert.not.ok(ran);
    process.kill(holder.child.pid, 'SIGCONT');
    holder.end();
    await holder.exit;
    assert.is(await d.withLock(() => 'after'), 'after', 'the lock still works');
  } finally {
    holder.kill();
    d.close();
  }
});

test('withLock: giving up in the in-process queue keeps the queue in order', async () => {
  const d = new StateDir(freshDir());
  let release;
  const order = [];
  const first = d.withLock(async () => {
    order.push('first in');
    await new Promise((r) => (release = r));
    order.push('first out');
  });
  const ac = new AbortController();
  const second = d.withLock(() => order.push('second'), { signal: ac.signal });
  const third = d.withLock(() => order.push('third'));
  await sleep(5);
  ac.abort();
  const e = await second.catch((x) => x);
  assert.instance(e, StateError);
  assert.match(e.message, /interrupted while waiting for the lock \(held by another caller in this process\)/);
  await sleep(5);
  assert.equal(order, ['first in'], 'the third did not jump the queue');
  release();
  await Promise.all([first, third]);
  assert.equal(order, ['first in', 'first out', 'third']);
  d.close();
});

test('state failures are StateErrors naming the file, with the errno name and text', async () => {
  const path = freshDir();
  mkdirSync(join(path, 'lock'), { recursive: true });
  const e = await new StateDir(path).withLock(() => {}).catch((x) => x);
  assert.instance(e, StateError);
  assert.is(e.file, join(path, 'lock'));
  assert.is(e.message, `${join(path, 'lock')}: cannot open the lock file: EISDIR (illegal operation on a directory)`);
  const file = freshDir();
  writeFileSync(file, 'not a directory');
  const d = new StateDir(join(file, 'sub'));
  assert.throws(
    () => d.write(record()),
    (x) => x instanceof StateError && /^.*: cannot create: (ENOTDIR|EEXIST) /.test(x.message) && x.message.startsWith(file),
  );
  if (process.getuid?.() !== 0) {
    const ro = freshDir();
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    assert.throws(
      () => new StateDir(ro).write(record()),
      (x) => x instanceof StateError && x.message === `${join(ro, 'containers')}: cannot create: EACCES (permission denied)`,
    );
  }
  assert.equal(
    readdirSync(root).filter((f) => f.includes('.tmp-')),
    [],
  );
});

test.run();
