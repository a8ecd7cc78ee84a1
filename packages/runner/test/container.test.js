// The container side of run(): a rootfs with pivot_root, the workdir inside it, --init, the
// stop timeout, and the container dying with nsrun. run() always runs in a child Node process
// (root, inside the test sandbox) so this process never unshares; the child reports its own
// namespaces, root and cwd before and after, which must be the same. The container's output
// goes to the child's stdout, its lines interleaved with the child's JSON lines.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { PDEATHSIG_AVAILABLE } from '@nsrun/runner';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { PERL, runWithPerlAs } from '@nsrun/test-helpers/perl-swap';
import { MARKER, busyboxSkipReason, tempBusyboxRootfs } from '@nsrun/test-helpers/rootfs';

const RUNNER_URL = import.meta.resolve('@nsrun/runner');

// Every stopping signal is acknowledged on stdout first, so a test knows it arrived before
// sending the next one (two signals of a kind sent at once may merge into one).
const CHILD = `import { run } from ${JSON.stringify(RUNNER_URL)};
import * as fs from 'node:fs';
const out = (v) => fs.writeSync(1, JSON.stringify(v) + '\\n');
const opts = JSON.parse(process.argv[1]);
for (const s of ['SIGTERM', 'SIGINT', 'SIGUSR1']) process.on(s, () => out({ got: s }));
const state = () => ({
  ns: Object.fromEntries(['mnt', 'uts', 'ipc', 'net', 'pid', 'pid_for_children'].map((k) => {
    try { return [k, fs.readlinkSync('/proc/thread-self/ns/' + k)]; } catch (e) { return [k, e.code]; }
  })),
  cwd: process.cwd(),
  realCwd: fs.readlinkSync('/proc/thread-self/cwd'),
  root: fs.readlinkSync('/proc/thread-self/root'),
  top: fs.readdirSync('/').sort(),
  children: fs.readdirSync('/proc/self/task').map((t) => fs.readFileSync('/proc/self/task/' + t + '/children', 'utf8').trim()).join(' ').trim(),
});
const before = state();
let status = null, error = null;
try {
  const h = await run(opts);
  let grandchild = null;
  if (opts.init) {
    // The command, the init's child, appears once the init has forked it.
    for (let i = 0; i < 500 && !grandchild; i++) {
      try { grandchild = Number(fs.readFileSync('/proc/' + h.pid + '/task/' + h.pid + '/children', 'utf8').trim().split(' ')[0]) || null; } catch {}
      if (!grandchild) await new Promise((r) => setTimeout(r, 10));
    }
  }
  out({ started: h.pid, grandchild });
  status = await h.wait();
} catch (e) {
  error = { name: e.name, step: e.step, field: e.field, message: e.message };
}
out({ before, after: state(), status, error });`;

/**
 * Starts run(opts) in a child Node process (in network namespace `netns` if given: nsenter
 * execs node, same pid); lines are parsed as they come.
 */
/**
 * @param {object} opts
 * @param {{ netns?: import('@nsrun/sys').NetNs }} [where]
 */
function startRun(opts, { netns } = {}) {
  const argv = [process.execPath, '--input-type=module', '-e', CHILD, JSON.stringify(opts)];
  if (netns) argv.unshift('nsenter', `--net=${netns.procPath}`);
  const child = spawn(argv[0], argv.slice(1), { cwd: '/tmp', stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = [];
  const text = [];
  let stderr = '';
  let buf = '';
  let wake = () => {};
  child.stdout.setEncoding('utf8').on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let v;
      try {
        v = l.startsWith('{') ? JSON.parse(l) : undefined;
      } catch {
        v = undefined;
      }
      if (v === undefined) text.push(l);
      else lines.push(v);
    }
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exit = once(child, 'close');
  // A run that hangs fails its test instead of the whole file.
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  exit.then(() => {
    clearTimeout(timer);
    wake();
  });
  let done = false;
  exit.then(() => (done = true));
  return {
    child,
    text,
    get stderr() {
      return stderr;
    },
    /** The first JSON line with `key`, waiting for it; fails if the child exits first. */
    async line(key) {
      for (;;) {
        const v = lines.find((l) => key in l);
        if (v) return v;
        if (done) assert.unreachable(`child exited without a "${key}" line; stderr:\n${stderr}\nstdout:\n${text.join('\n')}`);
        await new Promise((/** @type {(v?: unknown) => void} */ r) => (wake = r));
      }
    },
    /** The final report: { before, after, status, error }, with the container's text output. */
    async result() {
      const r = await this.line('after');
      await exit;
      return { ...r, out: text.join('\n'), stderr };
    },
  };
}

const runToEnd = (opts, where) => startRun(opts, where).result();

/** Lines "key=value" printed by the container. */
function values(out) {
  return Object.fromEntries(
    out
      .split('\n')
      .filter((l) => /^\w+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function assertRestored(r) {
  assert.equal(r.after, r.before);
  assert.is(r.after.cwd, '/tmp');
  assert.is(r.after.root, '/');
  assert.ok(r.after.top.includes('usr'), 'nsrun still sees the host tree');
  assert.is(r.after.children, '');
}

const gone = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'Z'; // dead; its parent (killed) cannot reap it
  } catch {
    return true;
  }
};

async function eventuallyGone(pid) {
  for (let i = 0; i < 100 && !gone(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return gone(pid);
}

// ---- with a rootfs

const k = kernelSuite('run() with a rootfs');
const needBusybox = () => {
  if (busyboxSkipReason) skip(`busybox rootfs: ${busyboxSkipReason}`);
  return !busyboxSkipReason;
};

const LOOK_AROUND = [
  'echo top=$(ls / | tr "\\n" " ")',
  // Builtins only: no process is forked while /proc is listed.
  'printf procs=; for p in /proc/[0-9]*; do read c < $p/comm; printf "%s:%s " ${p#/proc/} $c; done; echo',
  'echo pid1=$(tr "\\0" " " < /proc/1/cmdline)',
  'echo self=$$',
  'echo nets=$(ls /sys/class/net | tr "\\n" " ")',
  'echo hi > /dev/null && echo null=ok',
  'echo zero=$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")',
  'echo dev=$(ls /dev | tr "\\n" " ")',
  'echo pts=$(ls /dev/pts | tr "\\n" " ")',
  'echo pwd=$(pwd)',
].join('; ');

k('only the rootfs is visible: its tree, its /proc, a minimal /dev, a /sys with lo; nsrun unchanged', () => {
  if (!needBusybox()) return;
  const fs = tempBusyboxRootfs();
  return runToEnd({ command: ['sh', '-c', LOOK_AROUND], net: 'none', rootfs: fs.dir })
    .then((r) => {
      assert.is(r.error, null, r.stderr);
      assert.is(r.status, 0, r.stderr);
      const v = values(r.out);
      assert.equal(v.top.trim().split(' ').sort(), readdirSync(fs.dir).sort(), r.out);
      assert.ok(v.top.includes(MARKER));
      assert.not.ok(v.top.includes('usr'), 'a host directory is visible');
      // PID 1 is the command itself (the gate exec'd it); $$ is that shell.
      assert.is(v.self, '1');
      assert.match(v.pid1, /^sh -c /);
      assert.is(v.procs.trim(), '1:sh', "only the container's processes");
      assert.is(v.nets.trim(), 'lo');
      assert.is(v.null, 'ok');
      assert.is(v.zero, '00000000');
      for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm', 'ptmx', 'fd', 'stdin', 'stdout', 'stderr'])
        assert.ok(v.dev.split(' ').includes(d), `/dev/${d} missing: ${v.dev}`);
      assert.is(v.pts.trim(), 'ptmx', 'a new devpts instance has no host ptys');
      assert.is(v.pwd, '/');
      assertRestored(r);
    })
    .finally(fs.remove);
});

k("--net host with a rootfs: its sysfs shows the host's links", (ctx) => {
  if (!needBusybox()) return;
  const fs = tempBusyboxRootfs();
  ctx.ip('link', 'add', 'nsrun-a', 'type', 'veth', 'peer', 'name', 'nsrun-b');
  const opts = { command: ['sh', '-c', 'echo nets=$(ls /sys/class/net | tr "\\n" " ")'], net: 'host', rootfs: fs.dir };
  return runToEnd(opts, { netns: ctx.ns })
    .then((r) => {
      assert.is(r.status, 0, r.stderr);
      assert.is(values(r.out).nets.trim(), 'lo nsrun-a nsrun-b');
      assert.equal(r.after, r.before);
    })
    .finally(fs.remove);
});

k('the workdir is a path inside the rootfs; a missing one exits 125 naming it', () => {
  if (!needBusybox()) return;
  const fs = tempBusyboxRootfs();
  return runToEnd({ command: ['pwd'], net: 'none', rootfs: fs.dir, cwd: '/srv/work' })
    .then((r) => {
      assert.is(r.status, 0, r.stderr);
      assert.is(r.out.trim(), '/srv/work');
      return runToEnd({ command: ['pwd'], net: 'none', rootfs: fs.dir, cwd: '/no/such/dir' });
    })
    .then((r) => {
      assert.is(r.status, 125);
      assert.is(r.out, '', 'the command did not run');
      assert.match(r.stderr, /workdir \/no\/such\/dir/);
      assertRestored(r);
    })
    .finally(fs.remove);
});

k('command not found in the rootfs: 127; not executable: 126', () => {
  if (!needBusybox()) return;
  const fs = tempBusyboxRootfs();
  return runToEnd({ command: ['no-such-command'], net: 'none', rootfs: fs.dir })
    .then((r) => {
      assert.is(r.status, 127);
      return runToEnd({ command: ['/etc/passwd'], net: 'none', rootfs: fs.dir });
    })
    .then((r) => assert.is(r.status, 126))
    .finally(fs.remove);
});

k('a missing rootfs is refused before anything runs', async () => {
  const r = await runToEnd({ command: ['true'], net: 'none', rootfs: '/nonexistent-nsrun-rootfs' });
  assert.is(r.error?.step, 'validate');
  assert.is(r.error?.field, 'rootfs');
  assert.is(r.status, null);
  assertRestored(r);
});

k('a rootfs without a mount point fails at `rootfs`, naming it, and writes nothing', () => {
  if (!needBusybox()) return;
  const fs = tempBusyboxRootfs({ omit: ['sys'] });
  const entries = readdirSync(fs.dir).sort();
  return runToEnd({ command: ['true'], net: 'none', rootfs: fs.dir })
    .then((r) => {
      assert.is(r.error?.step, 'rootfs');
      assert.ok(r.error.message.includes(`${fs.dir}/sys`), r.error.message);
      assert.equal(readdirSync(fs.dir).sort(), entries);
      assertRestored(r);
    })
    .finally(fs.remove);
});

for (const step of ['rootfs', 'mount-proc', 'mount-sys', 'mount-dev', 'pivot-root']) {
  k(`a failure at ${step}: RunnerError naming it, nsrun restored, the gate reaped`, () => {
    if (!needBusybox()) return;
    const fs = tempBusyboxRootfs();
    return runToEnd({ command: ['true'], net: 'none', rootfs: fs.dir, faultAt: step })
      .then((r) => {
        assert.is(r.error?.step, step, JSON.stringify(r.error));
        assert.is(r.status, null);
        assertRestored(r);
      })
      .finally(fs.remove);
  });
}

k("--init in a rootfs: the init is PID 1, the command its child; stdin kept; the status is the command's", () => {
  if (!needBusybox()) return;
  const fs = tempBusyboxRootfs();
  const script = 'echo self=$$; echo parent=$PPID; echo pid1=$(tr "\\0" " " < /proc/1/cmdline); read line; echo line=$line; exit 5';
  const run = startRun({ command: ['sh', '-c', script], net: 'none', rootfs: fs.dir, init: true });
  run.child.stdin.end('through stdin\n');
  return run
    .result()
    .then((r) => {
      assert.is(r.status, 5, r.stderr);
      const v = values(r.out);
      assert.is(v.parent, '1');
      assert.is.not(v.self, '1');
      assert.match(v.pid1, / nsrun-init /);
      assert.is(v.line, 'through stdin');
      assertRestored(r);
    })
    .finally(fs.remove);
});

k('--init reaps orphans: a grandchild that outlives its parent does not stay a zombie', () => {
  if (!needBusybox()) return;
  const fs = tempBusyboxRootfs();
  // The orphan exits when told through a FIFO; the command then waits (bounded) for its pid
  // to vanish, which only a reaping PID 1 makes happen.
  const script = [
    'mkfifo /tmp/go',
    '(sh -c "echo \\$\\$ > /tmp/orphan; read x < /tmp/go" &)',
    'while [ ! -s /tmp/orphan ]; do sleep 0.05; done',
    'o=$(cat /tmp/orphan)',
    'echo ppid=$(cut -d" " -f4 /proc/$o/stat)',
    'echo go > /tmp/go',
    'i=0; while [ -e /proc/$o ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done',
    'if [ -e /proc/$o ]; then echo orphan=$(cut -d" " -f3 /proc/$o/stat); else echo orphan=reaped; fi',
  ].join('\n');
  return runToEnd({ command: ['sh', '-c', script], net: 'none', rootfs: fs.dir, init: true })
    .then((r) => {
      assert.is(r.status, 0, r.stderr);
      const v = values(r.out);
      assert.is(v.ppid, '1', 'the orphan was re-parented to the init');
      assert.is(v.orphan, 'reaped');
    })
    .finally(fs.remove);
});

// ---- --init without a rootfs, signals, stop timeout, dying with nsrun

const s = kernelSuite('run(): init, signals, stop timeout, dying with nsrun');

s('--init without a rootfs: PID 1 is the init; command not found is 127; a signal death is 128+n', async () => {
  let r = await runToEnd({ command: ['sh', '-c', 'echo self=$$; echo parent=$PPID'], net: 'none', init: true });
  assert.is(r.status, 0, r.stderr);
  assert.is(values(r.out).parent, '1');
  assert.is.not(values(r.out).self, '1');
  r = await runToEnd({ command: ['no-such-command-nsrun'], net: 'none', init: true });
  assert.is(r.status, 127);
  assert.match(r.stderr, /no-such-command-nsrun/);
  r = await runToEnd({ command: ['sh', '-c', 'kill -KILL $$'], net: 'none', init: true });
  assert.is(r.status, 137);
  assertRestored(r);
});

s('--init forwards USR1 and TERM to the command, which handles them', async () => {
  const script = `trap 'echo "{\\"usr1\\":1}"' USR1; trap 'exit 3' TERM; echo '{"ready":1}'; sleep 1000 & while :; do wait; done`;
  const run = startRun({ command: ['sh', '-c', script], net: 'none', init: true });
  await run.line('ready');
  run.child.kill('SIGUSR1');
  await run.line('usr1'); // the command's trap ran
  run.child.kill('SIGTERM');
  const r = await run.result();
  assert.is(r.status, 3, r.stderr);
});

s('--init: SIGINT reaches the command with its default action (not ignored as in a background job)', async () => {
  const run = startRun({ command: ['sh', '-c', 'echo {\\"ready\\":1}; exec sleep 1000'], net: 'none', init: true });
  await run.line('ready');
  run.child.kill('SIGINT');
  const r = await run.result();
  assert.is(r.status, 130, r.stderr);
});

s('stop timeout: a PID 1 that ignores TERM is killed after stopTimeout (137)', async () => {
  const run = startRun({ command: ['sh', '-c', 'trap "" TERM; echo {\\"ready\\":1}; sleep 1000'], net: 'none', stopTimeout: 1 });
  await run.line('ready');
  run.child.kill('SIGTERM');
  const r = await run.result();
  assert.is(r.status, 137, r.stderr);
  assertRestored(r);
});

s('stop timeout: a second TERM kills at once', async () => {
  const run = startRun({ command: ['sh', '-c', 'trap "" TERM; echo {\\"ready\\":1}; sleep 1000'], net: 'none', stopTimeout: 600 });
  await run.line('ready');
  run.child.kill('SIGTERM');
  await run.line('got');
  run.child.kill('SIGTERM');
  const r = await run.result();
  assert.is(r.status, 137, r.stderr);
});

// The gate sets its parent-death signal: the Perl gate itself, or util-linux setpriv without
// perl (gate.ts); with neither, nsrun cannot (and warns).
const NO_PDEATHSIG = 'neither perl (perl-base) nor setpriv (util-linux) is here: nsrun cannot set a parent-death signal';

for (const init of [false, true]) {
  s(`the container dies with nsrun, even by SIGKILL${init ? ' (--init: the command too)' : ''}`, async () => {
    if (!PDEATHSIG_AVAILABLE) return skip(NO_PDEATHSIG);
    const run = startRun({ command: ['sleep', '1000'], net: 'none', init });
    const { started, grandchild } = await run.line('started');
    assert.ok(started > 1);
    assert.not.ok(gone(started));
    if (init) assert.ok(grandchild && !gone(grandchild), 'the init has started the command');
    run.child.kill('SIGKILL');
    // 'exit', not 'close': a container that outlived nsrun would hold the output pipes open.
    await once(run.child, 'exit');
    const pid1Gone = await eventuallyGone(started);
    const commandGone = !init || (await eventuallyGone(grandchild));
    // A survivor is ended here (by pid: it is this test's), then the test fails.
    for (const [pid, isGone] of [
      [started, pid1Gone],
      [grandchild, commandGone],
    ])
      if (pid && !isGone) process.kill(pid, 'SIGKILL');
    assert.ok(pid1Gone, `the container's PID 1 (${started}) outlived nsrun`);
    assert.ok(commandGone, `the command (${grandchild}) outlived nsrun`);
  });
}

s(
  'a slow gate (its first program takes 0.5 s to start): run() resolves only once its parent-death signal is set, so an nsrun killed just after takes the container along',
  async () => {
    if (!PERL) return skip('perl is missing: this test slows perl, the gate that sets the parent-death signal');
    // In a mount namespace of the child's own, perl (the gate, which sets the parent-death
    // signal) is a wrapper that sleeps first: nsrun's setup is done long before the gate is.
    const dir = mkdtempSync('/tmp/nsrun-slow-gate-');
    const code = `import { run } from ${JSON.stringify(RUNNER_URL)};
import * as fs from 'node:fs';
const h = await run({ command: ['sleep', '30'], net: 'none' });
fs.writeFileSync(${JSON.stringify(`${dir}/pid`)}, String(h.pid));
// Long enough for the release ("go") to reach the gate, far shorter than the gate's slow start.
setTimeout(() => process.kill(process.pid, 'SIGKILL'), 100);`;
    try {
      // No pipes: a container that outlived nsrun would hold them open (and spawnSync waiting).
      const r = runWithPerlAs(dir, (real) => `sleep 0.5\nexec ${real} "$@"`, code, { stdio: 'ignore' });
      const read = (f) => (existsSync(`${dir}/${f}`) ? readFileSync(`${dir}/${f}`, 'utf8') : '');
      const pid = Number(read('pid'));
      assert.ok(pid > 1, `no pid: status ${r.status} signal ${r.signal}; stderr:\n${read('stderr')}`);
      assert.is(r.signal, 'SIGKILL');
      const died = await eventuallyGone(pid);
      if (!died) process.kill(pid, 'SIGKILL'); // this test's own survivor
      assert.ok(died, `the container (${pid}) outlived an nsrun killed as run() resolved`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

k.run();
s.run();
