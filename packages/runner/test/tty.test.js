// TtyProxy without namespaces: a shell gets a pty of its own in a new session, driven by a
// child Node process running the proxy (its stdin and stdout pipes here: no raw mode), and, when
// tmux is installed, by the proxy in a real terminal. Only the pid-namespace case needs root.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skip } from '@nsrun/test-helpers/kernel';

const TTY_URL = new URL('./tty.js', import.meta.resolve('@nsrun/runner')).href;
// A hang (a handle left open) fails the test instead of stalling the run.
const HANG_GUARD_MS = 60_000;

/**
 * The proxy's driver: runs `script` with sh on the pty's slave (a new session), copies, and
 * prints on stderr one JSON line: the shell's exit (and, for a diagnosis, the handles left).
 * `before` runs between the spawn and start().
 */
const driver = (script, { size = 'undefined', before = '' } = {}) => `
import { TtyProxy } from ${JSON.stringify(TTY_URL)};
import { spawn } from 'node:child_process';
import { once } from 'node:events';
const proxy = TtyProxy.open(${size});
const child = spawn('sh', ['-c', ${JSON.stringify(script)}], { stdio: [proxy.slave, proxy.slave, proxy.slave], detached: true });
const exited = once(child, 'exit');
${before}
proxy.start();
const [[code, signal]] = await Promise.all([exited, proxy.done]);
proxy.close();
proxy.close();
setImmediate(() => process.stderr.write(JSON.stringify({ code, signal, alive: process.getActiveResourcesInfo() }) + '\\n'));
`;

const nodeArgs = (body) => ['--input-type=module', '-e', body];

function result(stderr) {
  const line = stderr.trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`the driver printed no result; stderr:\n${stderr}`);
  }
}

// The gate's prefix: a session leader without a controlling terminal that opens one (no
// O_NOCTTY) acquires it.
const ACQUIRE = 'exec 0<>/proc/self/fd/0';

test('a shell on the pty: its own terminal, the window size set, input copied in, VEOF after stdin ends, exit status kept', () => {
  const script = `${ACQUIRE}; tty; test -t 0 && echo TTY; stty size; read line; echo "got=$line"; if read more; then echo "more=$more"; else echo EOF; fi; exit 5`;
  const r = spawnSync(process.execPath, nodeArgs(driver(script, { size: '{ rows: 33, cols: 77 }' })), {
    input: 'hello\n',
    encoding: 'utf8',
    timeout: HANG_GUARD_MS,
  });
  assert.is(r.signal, null, `the driver did not exit by itself; stderr:\n${r.stderr}`);
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.split('\r\n');
  assert.ok(
    lines.some((l) => /^\/dev\/pts\/\d+$/.test(l)),
    r.stdout,
  );
  assert.ok(lines.includes('TTY'), r.stdout);
  assert.ok(lines.includes('33 77'), r.stdout);
  assert.ok(lines.includes('got=hello'), r.stdout);
  assert.ok(lines.includes('EOF'), `stdin's end passed on as VEOF:\n${r.stdout}`);
  assert.ok(lines.includes('hello'), 'echoed by the pty (canonical mode)');
  const { code, signal } = result(r.stderr);
  assert.equal({ code, signal }, { code: 5, signal: null });
});

test('stdin still open when the shell exits: the proxy process ends anyway', async () => {
  const script = `${ACQUIRE}; read line; echo "got=$line"; exit 7`;
  const child = spawn(process.execPath, nodeArgs(driver(script)), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
  child.stdin.write('first\n');
  const [status, sig] = await once(child, 'close');
  clearTimeout(guard);
  child.stdin.destroy();
  assert.is(sig, null, `the driver did not exit by itself; stderr:\n${stderr}`);
  assert.is(status, 0, stderr);
  assert.ok(stdout.split('\r\n').includes('got=first'), stdout);
  assert.is(result(stderr).code, 7);
});

test('output still in the pty when the shell has exited is all copied (libuv ends on POLLHUP after a short read)', () => {
  // 8000 bytes fit in the pty's buffers (the shell does not block) and take two reads or more;
  // the proxy starts only after the shell has exited.
  const script = `head -c 8000 /dev/zero | tr '\\0' x; echo END; exit 0`;
  const r = spawnSync(process.execPath, nodeArgs(driver(script, { before: 'await exited;' })), { encoding: 'utf8', timeout: HANG_GUARD_MS });
  assert.is(r.signal, null, r.stderr);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, `${'x'.repeat(8000)}END\r\n`);
  assert.is(result(r.stderr).code, 0);
});

test('input the shell does not read yet waits (no blocked event loop), then arrives whole', () => {
  // 300 KB of lines into a shell that sleeps first: the master's writes hit EAGAIN.
  const lines = 30_000;
  const input = Array.from({ length: lines }, (_, i) => `line ${String(i).padStart(3, '0')}`).join('\n') + '\n';
  const script = `${ACQUIRE}; stty -echo; sleep 0.5; n=0; while read l; do n=$((n+1)); last=$l; done; echo "n=$n last=$last"; exit 0`;
  const r = spawnSync(process.execPath, nodeArgs(driver(script)), { input, encoding: 'utf8', timeout: HANG_GUARD_MS, maxBuffer: 64 * 1024 * 1024 });
  assert.is(r.signal, null, r.stderr);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, `n=${lines} last=line ${lines - 1}\r\n`);
});

// ---- in a real terminal (tmux)

const haveTmux = spawnSync('tmux', ['-V']).status === 0;
const isRoot = process.getuid?.() === 0;

// Runs in the pane: the proxy around argv[2] (a JSON argv), `stty -g` of the pane before,
// during and after, the result in argv[3]; then `tmux wait-for` wakes the test (no polling).
const PANE_DRIVER = `
import { TtyProxy } from ${JSON.stringify(TTY_URL)};
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
const [argv, resultFile, sock] = [JSON.parse(process.argv[2]), process.argv[3], process.argv[4]];
const stty = () => spawnSync('stty', ['-g'], { stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8' }).stdout.trim();
const modes = { before: stty() };
const proxy = TtyProxy.open();
const child = spawn(argv[0], argv.slice(1), { stdio: [proxy.slave, proxy.slave, proxy.slave], detached: true });
const exited = once(child, 'exit');
proxy.start();
modes.during = stty();
spawnSync('tmux', ['-L', sock, 'wait-for', '-S', 'started']);
const [[code, signal]] = await Promise.all([exited, proxy.done]);
proxy.close();
modes.after = stty();
writeFileSync(resultFile, JSON.stringify({ code, signal, modes }));
`;

/**
 * Runs `argv` in a 90x25 tmux pane, through the proxy (`proxy`) or on the pane's terminal
 * itself, types `keys` and Enter, and returns { screen, result (the proxy's), status (the
 * pane command's) } once it has ended.
 */
let terminals = 0;
function inTerminal(argv, keys, { proxy }) {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-tty-'));
  // A server of its own each time: the previous one may still be exiting after kill-server,
  // and a new session on its socket then fails with "server exited unexpectedly".
  const sock = `nsrun-tty-test-${process.pid}-${++terminals}`;
  const tmux = (...args) => execFileSync('tmux', ['-L', sock, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  const q = (s) => `'${s.replaceAll("'", `'\\''`)}'`;
  const driverFile = join(dir, 'driver.mjs');
  writeFileSync(driverFile, PANE_DRIVER);
  const run = proxy ? `${q(process.execPath)} ${q(driverFile)} ${q(JSON.stringify(argv))} ${q(join(dir, 'result.json'))} ${q(sock)}` : argv.map(q).join(' ');
  // The screen is saved from inside the pane before it closes.
  const cmd = [
    `${run} 2>${join(dir, 'stderr')}`,
    `echo "status=$?" >> ${join(dir, 'stderr')}`,
    `tmux -L ${sock} capture-pane -p -S - > ${join(dir, 'screen')}`,
    `tmux -L ${sock} wait-for -S finished`,
    // Keep the server up until we have seen the signal (kill-server below ends it).
    'sleep 60',
  ].join('; ');
  try {
    tmux('new-session', '-d', '-s', 't', '-x', '90', '-y', '25', cmd);
    if (proxy) tmux('wait-for', 'started');
    // Typed ahead: the terminal holds it until the shell reads.
    tmux('send-keys', '-t', 't', keys, 'Enter');
    tmux('wait-for', 'finished');
    const read = (f) => readFileSync(join(dir, f), 'utf8');
    const stderr = read('stderr');
    const screen = read('screen');
    return { stderr, screen, status: Number(/^status=(\d+)$/m.exec(stderr)?.[1]), result: proxy ? JSON.parse(read('result.json')) : undefined };
  } finally {
    // Normally gone already, with its last session.
    spawnSync('tmux', ['-L', sock, 'kill-server'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

test('in a terminal: raw mode while running and restored after; an interactive sh that exits 3 gives 3', () => {
  if (!haveTmux) return skip('tmux is not installed');
  const { stderr, screen, status, result } = inTerminal(['sh', '-c', `${ACQUIRE}; stty size; exec sh`], 'echo "in=$(tty)"; exit 3', { proxy: true });
  assert.is(status, 0, stderr);
  assert.equal({ code: result.code, signal: result.signal }, { code: 3, signal: null }, screen);
  assert.not.match(screen, /Cannot set tty process group/);
  assert.match(screen, /^25 90$/m, 'the window size of the pane');
  // Typed ahead, the line may be echoed before the shell prints its prompt; the output then
  // follows the prompt ("# in=...") instead of starting a line.
  assert.match(screen, /^(?:[#$] )?in=\/dev\/pts\/\d+$/m, screen);
  assert.is.not(result.modes.during, result.modes.before, 'raw mode while running');
  assert.is(result.modes.after, result.modes.before, 'the mode restored');
});

test('in a terminal, the shell PID 1 of a new pid namespace: with the proxy it exits 3; sharing the terminal it cannot (the reason for the pty)', () => {
  if (!haveTmux) return skip('tmux is not installed');
  if (!isRoot) return skip('a pid namespace needs root');
  // unshare's child (PID 1) is no process group leader: setsid makes it a session leader
  // without a fork, as nsrun's spawn (detached) does for the gate.
  const shared = inTerminal(['unshare', '--pid', '--fork', 'sh', '-c', 'exec sh'], 'exit 3', { proxy: false });
  assert.is(shared.status, 2, `the failure this is about, reproduced:\n${shared.screen}`);
  assert.match(shared.stderr, /Cannot set tty process group/);

  const own = inTerminal(['unshare', '--pid', '--fork', 'setsid', 'sh', '-c', `${ACQUIRE}; echo "pid=$$"; exec sh`], 'exit 3', { proxy: true });
  assert.is(own.status, 0, own.stderr);
  assert.match(own.screen, /^pid=1$/m);
  assert.not.match(own.screen, /Cannot set tty process group/);
  assert.equal({ code: own.result.code, signal: own.result.signal }, { code: 3, signal: null }, own.screen);
});

test.run();
