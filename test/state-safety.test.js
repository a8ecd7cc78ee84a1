// nsrun's state must never be turned against live containers (issue 8, items 3-6, 9, 11-13):
// unreadable records, records judged from another pid namespace, two state directories on one
// bridge, crafted records, a stopped holder of the lock, missing or relative state directories,
// failing state directories and huge command lines. Each test has a network namespace and a
// state directory of its own; containers are real, observed through `ip -j` and the files.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { MAIN, nsrunSpawn, nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';

const k = kernelSuite('nsrun state: safety of live containers');
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.links = () =>
    ctx
      .ip('-j', 'link', 'show')
      .map((l) => l.ifname)
      .sort();
  ctx.kids = [];
});
k.after.each(async (ctx) => {
  for (const c of ctx.kids) {
    c.child.kill('SIGKILL');
    await c.done;
  }
  removeStateDir(ctx.state);
});

const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
/** The state directory's identity as nsrun writes it in records and veth aliases. */
const token = (dir) => {
  const s = statSync(dir, { bigint: true });
  return `${s.dev}:${s.ino}`;
};
const PIDNS = Number(statSync('/proc/self/ns/pid').ino);

/** A running container (sleeps); resolves once it runs, with its `started` event. */
async function container(ctx, dir = ctx.state, extra = []) {
  const c = nsrunSpawn(ctx.ns, ['run', '--state-dir', dir, '--json', ...extra, '--', 'sh', '-c', 'echo ready; exec sleep 1000']);
  ctx.kids.push(c);
  await c.wait('stdout', /^ready$/m);
  return { c, started: JSON.parse((await c.wait('stderr', /^(\{"event":"started".*)$/m))[1]) };
}

/** `nsrun ARGS` in the test's network namespace but a pid namespace (and /proc) of its own. */
function nsrunOtherPidns(ns, args) {
  const r = spawnSync('nsenter', [`--net=${ns.procPath}`, 'unshare', '--pid', '--fork', '--mount-proc', process.execPath, MAIN, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  return r;
}

const json = (r, what) => {
  assert.is(r.status, 0, `${what}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
/** One run of `true`; its address from the started event. */
function runTrue(ctx, dir = ctx.state, extra = []) {
  const r = nsrunSync(ctx.ns, ['run', '--state-dir', dir, '--json', ...extra, '--', 'true']);
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(/^(\{"event":"started".*)$/m.exec(r.stderr)[1]).address;
}

// ---------------------------------------------------------------- item 3

k("a record nsrun cannot read (truncated, or of a newer format) keeps its live container's veth and address; ps and gc warn", async (ctx) => {
  const { started } = await container(ctx);
  const file = join(ctx.state, 'containers', `${started.id}.json`);
  const whole = readFileSync(file, 'utf8');
  const newer = JSON.stringify({ ...JSON.parse(whole), version: 99, future: { x: 1 } });
  for (const [what, text] of [
    ['truncated', whole.slice(0, whole.length >> 1)],
    ['newer', newer],
  ]) {
    writeFileSync(file, text);
    const g = nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]);
    assert.is(g.status, 0, g.stderr);
    assert.equal(JSON.parse(g.stdout).containers, [], `${what}: nothing released`);
    assert.equal(JSON.parse(g.stdout).veths, [], `${what}: no veth deleted`);
    assert.ok(ctx.links().includes(started.veth), `${what}: the live container's veth was deleted`);
    assert.ok(existsSync(file), `${what}: the record is kept`);
    assert.match(g.stderr, new RegExp(`warning: .*${started.id}\\.json`), `${what}: gc names the file`);
    const p = nsrunSync(ctx.ns, ['ps', '--json', '--state-dir', ctx.state]);
    assert.is(p.status, 0, p.stderr);
    assert.ok(Array.isArray(JSON.parse(p.stdout)), `${what}: ps --json is still JSON`);
    assert.match(p.stderr, new RegExp(`warning: .*${started.id}\\.json`), `${what}: ps names the file`);
    // Its address is still leased: the next container gets another one.
    assert.is.not(runTrue(ctx), started.address, `${what}: address handed out twice`);
  }
});

k(
  "leases: one file per address; a dead container's is reclaimed by the next lease on its bridge, an orphan (no record) by the next lease and by gc",
  async (ctx) => {
    const { c, started } = await container(ctx);
    const leases = join(ctx.state, 'leases', 'brg0');
    const ip = started.address.split('/')[0];
    assert.equal(readdirSync(leases), [ip]);
    assert.is(readlinkSync(join(leases, ip)), started.id);
    c.child.kill('SIGKILL');
    await c.done;
    // Its nsrun is gone: a run asking for that very address gets it, and the old record goes.
    assert.is(runTrue(ctx, ctx.state, ['--ip', ip]), started.address);
    assert.not.ok(existsSync(join(ctx.state, 'containers', `${started.id}.json`)));
    // Leases whose record does not exist (a crash between the lease and the record).
    symlinkSync('0123456789ab', join(leases, '10.10.10.9'));
    assert.is(runTrue(ctx, ctx.state, ['--ip', '10.10.10.9']), '10.10.10.9/24');
    symlinkSync('0123456789ac', join(leases, '10.10.10.10'));
    const g = nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]);
    assert.is(g.status, 0, g.stderr);
    assert.equal(JSON.parse(g.stdout).leases, ['brg0/10.10.10.10']);
    assert.equal(readdirSync(leases), []);
  },
);

// ---------------------------------------------------------------- item 4

k("from another pid namespace (a container seeing the host's state dir): gc releases nothing, a run takes no address, ps lists nothing", async (ctx) => {
  const { started } = await container(ctx);
  const g = nsrunOtherPidns(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]);
  assert.is(g.status, 0, g.stderr);
  assert.equal(JSON.parse(g.stdout), { containers: [], veths: [], bridges: [], kept: [started.id] });
  assert.match(g.stderr, /warning: kept 1 record.*another pid namespace/);
  assert.equal(records(ctx.state), [`${started.id}.json`]);
  assert.ok(ctx.links().includes(started.veth));
  const p = nsrunOtherPidns(ctx.ns, ['ps', '--json', '--state-dir', ctx.state]);
  assert.is(p.status, 0, p.stderr);
  assert.equal(JSON.parse(p.stdout), []);
  assert.match(p.stderr, /warning: 1 record.*another pid namespace/);
  const r = nsrunOtherPidns(ctx.ns, ['run', '--state-dir', ctx.state, '--json', '--', 'true']);
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(/^(\{"event":"started".*)$/m.exec(r.stderr)[1]);
  assert.is.not(got.address, started.address, 'the address was handed out twice');
  assert.ok(existsSync(join(ctx.state, 'containers', `${started.id}.json`)), "the host's record was released");
  // From the host's own pid namespace it is still running.
  assert.equal(
    json(nsrunSync(ctx.ns, ['ps', '--json', '--state-dir', ctx.state]), 'ps').map((c) => c.id),
    [started.id],
  );
});

// ---------------------------------------------------------------- item 5

k(
  "two state directories on one bridge: the second is refused; its gc never deletes the first one's veth; gc deletes only its own stamped orphans",
  async (ctx) => {
    const other = stateDir();
    try {
      const { started } = await container(ctx);
      const r = nsrunSync(ctx.ns, ['run', '--state-dir', other, '--', 'true']);
      assert.is(r.status, 125, r.stderr);
      assert.match(r.stderr, new RegExp(`bridge: bridge brg0 has port ${started.veth} of another state directory .*--state-dir.*--bridge`));
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(records(other), []);
      // A state dir that believes it made brg0 (as the second would have) sweeps its ports.
      mkdirSync(join(other, 'bridges'), { recursive: true });
      writeFileSync(join(other, 'bridges', 'brg0.json'), JSON.stringify({ version: 1, name: 'brg0', gateway: '10.10.10.1/24' }));
      const g = nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', other]);
      assert.is(g.status, 0, g.stderr);
      assert.equal(JSON.parse(g.stdout).veths, []);
      assert.ok(ctx.links().includes(started.veth), "the other state dir's gc deleted a live veth");
      // An orphan stamped with this state dir (its record lost) is ours to delete; one stamped
      // with the other's, or not stamped at all, is not.
      for (const [name, alias] of [
        ['nsr0123456789ab', `nsrun ${token(ctx.state)} 0123456789ab`],
        ['nsr0123456789ac', `nsrun ${token(other)} 0123456789ac`],
        ['nsr0123456789ad', undefined],
      ]) {
        ctx.ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `p${name.slice(-2)}`);
        ctx.ip('link', 'set', name, 'master', 'brg0');
        if (alias) ctx.ip('link', 'set', name, 'alias', alias);
      }
      const mine = nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]);
      assert.is(mine.status, 0, mine.stderr);
      assert.equal(JSON.parse(mine.stdout).veths, ['nsr0123456789ab']);
      const left = ctx.links();
      for (const l of [started.veth, 'nsr0123456789ac', 'nsr0123456789ad']) assert.ok(left.includes(l), `${l} deleted`);
      assert.not.ok(left.includes('nsr0123456789ab'));
    } finally {
      removeStateDir(other);
    }
  },
);

// ---------------------------------------------------------------- item 6

/** A record as an attacker (or a bug) might leave it: its owner long gone. */
function crafted(ctx, over) {
  const id = over.id;
  const rec = {
    version: 1,
    id,
    kind: 'run',
    owner: { pid: 999999, start: 1, boot: BOOT },
    pid: 999999,
    net: 'bridge',
    bridge: 'brg0',
    gateway: '10.10.10.1/24',
    ip: '10.10.10.200/24',
    command: ['x'],
    created: new Date().toISOString(),
    ...over,
  };
  writeFileSync(join(ctx.state, 'containers', `${id}.json`), JSON.stringify(rec));
  return rec;
}

k(
  'gc deletes only the veth vethName(id) of a dead record, and only a veth on its bridge: crafted records naming the bridge or a live veth harm nothing',
  async (ctx) => {
    const { started } = await container(ctx);
    // The old format, as the attack was written: one naming the bridge, one a live container's veth.
    crafted(ctx, { id: 'aaaaaaaaaaa1', veth: 'brg0' });
    crafted(ctx, { id: 'aaaaaaaaaaa2', veth: started.veth, ip: '10.10.10.201/24' });
    // The current format: a veth that is not vethName(id) is refused as a whole...
    const v2 = { pidns: PIDNS, stateDir: token(ctx.state) };
    crafted(ctx, { version: 2, ...v2, id: 'aaaaaaaaaaa3', veth: 'brg0', ip: '10.10.10.202/24' });
    // ...and vethName(id) is deleted only if it is a veth on the record's bridge.
    ctx.ip('link', 'add', 'nsraaaaaaaaaaa4', 'type', 'bridge');
    crafted(ctx, { version: 2, ...v2, id: 'aaaaaaaaaaa4', veth: 'nsraaaaaaaaaaa4', ip: '10.10.10.203/24' });
    ctx.ip('link', 'add', 'nsraaaaaaaaaaa5', 'type', 'veth', 'peer', 'name', 'pa5');
    crafted(ctx, { version: 2, ...v2, id: 'aaaaaaaaaaa5', veth: 'nsraaaaaaaaaaa5', ip: '10.10.10.204/24' });
    const g = nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]);
    assert.is(g.status, 0, g.stderr);
    const report = JSON.parse(g.stdout);
    const links = ctx.links();
    for (const l of ['brg0', started.veth, 'nsraaaaaaaaaaa4', 'nsraaaaaaaaaaa5', 'pa5'])
      assert.ok(links.includes(l), `${l} was deleted: ${JSON.stringify(report)}`);
    assert.equal(report.veths, []);
    assert.equal(report.containers.sort(), ['aaaaaaaaaaa4', 'aaaaaaaaaaa5'], 'the dead records of the current format are released');
    assert.match(g.stderr, /nsraaaaaaaaaaa4.* not a veth on brg0/);
    assert.match(g.stderr, /nsraaaaaaaaaaa5.* not a veth on brg0/);
    assert.match(g.stderr, /aaaaaaaaaaa3\.json.*veth/);
    assert.match(g.stderr, /aaaaaaaaaaa1\.json.*version 1/);
    // The container still works: its veth is on the bridge and up.
    const [v] = ctx.ip('-j', 'link', 'show', 'dev', started.veth);
    assert.is(v.master, 'brg0');
  },
);

// ---------------------------------------------------------------- version-1 records

k('a record of an older nsrun (format 1) for a running container: its address stays taken, gc keeps it and says how to clear it', async (ctx) => {
  const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
  try {
    await new Promise((r) => sleeper.once('spawn', r));
    const st = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
    const start = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[19]);
    mkdirSync(join(ctx.state, 'containers'), { recursive: true });
    crafted(ctx, { id: 'bbbbbbbbbbb1', owner: { pid: sleeper.pid, start, boot: BOOT }, pid: sleeper.pid, ip: '10.10.10.2/24', veth: 'nsrbbbbbbbbbbb1' });
    assert.is(runTrue(ctx), '10.10.10.3/24');
    const g = nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', ctx.state]);
    assert.is(g.status, 0, g.stderr);
    assert.equal(JSON.parse(g.stdout).containers, []);
    assert.match(g.stderr, /bbbbbbbbbbb1\.json.*version 1.*remove/);
    assert.ok(existsSync(join(ctx.state, 'containers', 'bbbbbbbbbbb1.json')));
    assert.is.not(runTrue(ctx), '10.10.10.2/24');
  } finally {
    sleeper.kill('SIGKILL');
  }
});

// ---------------------------------------------------------------- item 9

k('waiting for the lock: the wait names the holder (stopped); SIGINT ends nsrun run (125) and SIGTERM ends gc, leaving nothing', async (ctx) => {
  writeFileSync(join(ctx.state, 'lock'), '');
  const holder = spawn('flock', ['--no-fork', join(ctx.state, 'lock'), 'sleep', '1000'], { stdio: 'ignore' });
  const watchdog = [];
  try {
    // Held once /proc/locks shows a lock of that pid.
    for (
      let i = 0;
      i < 500 &&
      !readFileSync('/proc/locks', 'utf8')
        .split('\n')
        .some((l) => l.split(/\s+/)[4] === String(holder.pid));
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    process.kill(holder.pid, 'SIGSTOP');
    /** @type {[string[], NodeJS.Signals, number][]} */
    const signalled = [
      [['run', '--state-dir', ctx.state, '--', 'true'], 'SIGINT', 125],
      [['gc', '--state-dir', ctx.state], 'SIGTERM', 1],
    ];
    for (const [args, sig, status] of signalled) {
      const c = nsrunSpawn(ctx.ns, args);
      // A watchdog, not a timing assertion: an nsrun that ignores the signal would hang the suite.
      watchdog.push(setTimeout(() => c.child.kill('SIGKILL'), 30_000));
      const [, pid, more] = await c.wait('stderr', /waiting for .*lock: held by pid (\d+)(.*)$/m);
      assert.is(Number(pid), holder.pid);
      assert.match(more, /stopped/);
      c.child.kill(sig);
      const done = await c.done;
      assert.is(done.signal, null, `${args[0]} was killed by the watchdog: it ignored ${sig}\n${done.stderr}`);
      assert.is(done.status, status, done.stderr);
      assert.match(done.stderr, new RegExp(`state: ${ctx.state}/lock: interrupted while waiting for the lock \\(held by pid ${holder.pid}`));
    }
    assert.equal(ctx.links(), ['lo']);
    assert.equal(records(ctx.state), []);
    assert.equal(readdirSync(ctx.state).sort(), ['lock']);
  } finally {
    for (const t of watchdog) clearTimeout(t);
    holder.kill('SIGKILL');
  }
});

// ---------------------------------------------------------------- item 11

k('gc, ps and net detach on a missing state directory create nothing; a relative --state-dir is refused by every command', (ctx) => {
  const missing = join(ctx.state, 'not', 'there');
  const g = nsrunSync(ctx.ns, ['gc', '--json', '--state-dir', missing]);
  assert.is(g.status, 0, g.stderr);
  assert.equal(JSON.parse(g.stdout), { containers: [], veths: [], bridges: [] });
  const p = nsrunSync(ctx.ns, ['ps', '--json', '--state-dir', missing]);
  assert.is(p.status, 0, p.stderr);
  assert.equal(JSON.parse(p.stdout), []);
  const d = nsrunSync(ctx.ns, ['net', 'detach', '--pid', String(process.pid), '--state-dir', missing]);
  assert.is(d.status, 1, d.stderr);
  assert.match(d.stderr, /no network of nsrun's is attached to process/);
  assert.not.ok(existsSync(join(ctx.state, 'not')), 'a missing state directory was created');

  const cwd = mkdtempSync('/run/nsrun-cwd-');
  try {
    // (run takes its options before the command)
    for (const args of [['gc'], ['ps'], ['net', 'detach', '--pid', '1'], ['net', 'attach', '--pid', '1'], ['run', '--net', 'none']]) {
      const argv = [...args, '--state-dir', 'rel/dir', ...(args[0] === 'run' ? ['--', 'true'] : [])];
      const rr = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, process.execPath, MAIN, ...argv], { encoding: 'utf8', cwd });
      assert.is(rr.status, args[0] === 'run' ? 125 : 2, `${args.join(' ')}: ${rr.stderr}`);
      assert.match(rr.stderr, /stateDir: must be an absolute path/, args.join(' '));
      assert.equal(readdirSync(cwd), [], `${args.join(' ')} created something`);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- item 12

/** Runs `sh -c CMD` (mounts) in the test process's mount namespace: the sandbox's. */
const sh = (cmd) => {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
};

k('state directory failures (read-only, full, lock is a directory) are step "state" naming the file, and leave nothing', (ctx) => {
  /** @type {[string, () => void, RegExp, string[]?][]} */
  const cases = [
    [
      'read-only',
      () => sh(`mount --bind ${ctx.state} ${ctx.state} && mount -o remount,bind,ro ${ctx.state}`),
      new RegExp(`^nsrun: run: state: ${ctx.state}/\\S+: cannot [a-z ]+: EROFS \\(read-only file system\\)$`, 'm'),
    ],
    [
      'full',
      () => {
        sh(`mount -t tmpfs -o size=8k,mode=0755 nsrun-full ${ctx.state}`);
        writeFileSync(join(ctx.state, 'lock'), '');
        spawnSync('sh', ['-c', `cat /dev/zero > ${ctx.state}/filler`]);
      },
      new RegExp(`^nsrun: run: state: ${ctx.state}/\\S+: cannot [a-z ]+: ENOSPC \\(no space left on device\\)$`, 'm'),
    ],
    // (--net none takes no lock)
    [
      'lock is a directory',
      () => mkdirSync(join(ctx.state, 'lock')),
      new RegExp(`^nsrun: run: state: ${ctx.state}/lock: cannot open the lock file: EISDIR \\(illegal operation on a directory\\)$`, 'm'),
      ['bridge'],
    ],
  ];
  for (const [what, prepare, re, nets = ['none', 'bridge']] of cases) {
    prepare();
    try {
      for (const net of nets) {
        const r = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--net', net, '--', 'true']);
        assert.is(r.status, 125, `${what}, --net ${net}: ${r.stderr}`);
        assert.match(r.stderr, re, `${what}, --net ${net}: ${r.stderr}`);
        assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.equal(ctx.links(), ['lo'], `${what}, --net ${net}: links left`);
        assert.equal(records(ctx.state), [], `${what}, --net ${net}: records left`);
        const left = readdirSync(ctx.state, { recursive: true, encoding: 'utf8' }).filter((f) => /tmp-|resolv/.test(f));
        assert.equal(left, [], `${what}: files left`);
      }
    } finally {
      spawnSync('umount', [ctx.state]);
      rmSync(join(ctx.state, 'lock'), { recursive: true, force: true });
    }
  }
});

// ---------------------------------------------------------------- item 13 (argv)

k('a record keeps at most 4 KiB of the command, marked truncated; ps shows the truncated form', async (ctx) => {
  const huge = 'x'.repeat(100_000); // MAX_ARG_STRLEN is 128 KiB per argument
  const { started } = await container(ctx, ctx.state, []);
  const c = nsrunSpawn(ctx.ns, ['run', '--state-dir', ctx.state, '--net', 'none', '--json', '--', 'sh', '-c', 'echo ready; exec sleep 1000', huge, huge, huge]);
  ctx.kids.push(c);
  await c.wait('stdout', /^ready$/m);
  const big = JSON.parse((await c.wait('stderr', /^(\{"event":"started".*)$/m))[1]);
  const file = join(ctx.state, 'containers', `${big.id}.json`);
  assert.ok(statSync(file).size < 6000, `record of ${statSync(file).size} bytes`);
  const rec = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(rec.command.slice(0, 2), ['sh', '-c']);
  assert.ok(rec.commandTruncated, 'marked as truncated');
  const list = json(nsrunSync(ctx.ns, ['ps', '--json', '--state-dir', ctx.state]), 'ps');
  const shown = list.find((x) => x.id === big.id);
  assert.ok(shown.commandTruncated);
  assert.ok(shown.command.join(' ').length <= 4096);
  assert.not.ok(list.find((x) => x.id === started.id).commandTruncated);
  const text = nsrunSync(ctx.ns, ['ps', '--state-dir', ctx.state]).stdout;
  assert.match(
    text.split('\n').find((l) => l.startsWith(big.id)),
    /x…$/,
  );
});

k.run();
