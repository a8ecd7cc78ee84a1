// nsrun netd in a test's network namespace, with its own socket, policy and state directory
// under /run (a tmpfs of the sandbox), and its clients as other users: `setpriv --reuid=N`,
// each in a user and network namespace of its own (`unshare --user --map-root-user --net`), as
// a rootless nsrun's container is.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { MAIN, RUNNER_URL } from './nsrun.js';

export function netdDir(policy) {
  const dir = mkdtempSync('/run/nsrun-netd-');
  chmodSync(dir, 0o755); // other users reach the socket inside
  writeFileSync(`${dir}/usernet`, policy);
  return dir;
}

/** Starts netd inside `ns`; resolves once it listens: { child, log(), stop() }. */
export async function startNetd(ns, dir, extra = []) {
  const child = spawn(
    'nsenter',
    [
      `--net=${ns.procPath}`,
      process.execPath,
      MAIN,
      'netd',
      '--socket',
      `${dir}/netd.sock`,
      '--policy',
      `${dir}/usernet`,
      '--state-dir',
      `${dir}/state`,
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  await new Promise((/** @type {(v?: unknown) => void} */ resolve, reject) => {
    const check = () => (/listening on/.test(log) ? resolve() : undefined);
    child.stderr.on('data', check);
    exited.then((x) => reject(new Error(`netd exited (${x.code ?? x.signal}):\n${log}`)));
  });
  return {
    child,
    log: () => log,
    exited,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export const asUser = (uid) => ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
const userNs = ['unshare', '--user', '--map-root-user', '--net'];

/**
 * A client of `uid` in a user and network namespace of its own that asks netd to wire that
 * namespace (netdAttach), prints the reply as a JSON line, then waits: a line "release" on its
 * stdin releases it (and prints the result). `await c.reply` is the attachment (or { error }).
 */
export function ownClient(ns, dir, uid, req = {}) {
  const code = `import { netdAttach } from ${JSON.stringify(RUNNER_URL)};
import { createInterface } from 'node:readline';
const out = (v) => process.stdout.write(JSON.stringify(v) + '\\n');
let a;
try {
  a = await netdAttach(${JSON.stringify(req)}, { socket: ${JSON.stringify(`${dir}/netd.sock`)} });
  const { release, ...rest } = a;
  out({ ...rest, self: process.pid });
} catch (e) {
  out({ error: { name: e.name, message: e.message, step: e.step, object: e.object, code: e.code, field: e.field } });
}
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'release') out({ released: await a.release() });
}`;
  const child = spawn('nsenter', [`--net=${ns.procPath}`, ...asUser(uid), ...userNs, process.execPath, '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: '/tmp',
  });
  let out = '';
  let err = '';
  const waiters = [];
  child.stderr.on('data', (d) => (err += d));
  child.stdout.on('data', (d) => {
    out += d;
    for (;;) {
      const nl = out.indexOf('\n');
      if (nl < 0) break;
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      waiters.shift()?.resolve(JSON.parse(line));
    }
  });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const next = () =>
    new Promise((resolve, reject) => {
      waiters.push({ resolve });
      exited.then((x) => reject(new Error(`client exited (${x.code ?? x.signal}): ${err}`)));
    });
  const reply = next();
  return {
    child,
    reply,
    exited,
    async release() {
      const r = next();
      child.stdin.write('release\n');
      return r;
    },
    kill() {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/** `sleep` as `uid` in a user and network namespace of its own; resolves once it runs there: { pid, kill() }. */
export async function userSleeper(ns, uid) {
  const child = spawn('nsenter', [`--net=${ns.procPath}`, ...asUser(uid), ...userNs, 'sleep', '1000'], { stdio: 'ignore' });
  for (let i = 0; i < 500; i++) {
    try {
      if (readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep') break;
    } catch {}
    await new Promise((r) => setTimeout(r, 10));
  }
  const exited = new Promise((r) => child.on('exit', r));
  return { pid: child.pid, kill: () => (child.kill('SIGKILL'), exited) };
}

/** `nsrun ARGS` as `uid` (no namespaces of its own) inside `ns`: { status, stdout, stderr }. */
export function nsrunAs(ns, uid, args) {
  const r = spawnSync('nsenter', [`--net=${ns.procPath}`, ...asUser(uid), process.execPath, MAIN, ...args], { encoding: 'utf8', cwd: '/tmp', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Sends `chunks` (strings; `{ end: true }` half-closes, `{ wait: ms }` pauses) to netd's socket
 * as `uid` and returns what netd answered (text) and how the connection ended.
 */
export function rawRequest(ns, dir, uid, chunks) {
  const code = `import { createConnection } from 'node:net';
const chunks = ${JSON.stringify(chunks)};
const s = createConnection(${JSON.stringify(`${dir}/netd.sock`)});
let got = '';
s.on('data', (d) => (got += d));
s.on('error', () => {}); // EPIPE after netd answered and closed (a huge request): the answer counts
s.on('close', () => process.stdout.write(JSON.stringify({ got })));
s.on('connect', async () => {
  for (const c of chunks) {
    if (typeof c === 'string') { if (!s.destroyed) s.write(c); }
    else if (c.end) s.end();
    else if (c.repeat) { const b = Buffer.alloc(c.repeat, 'a'); for (let i = 0; i < c.times && !s.destroyed; i++) if (!s.write(b)) await new Promise((r) => { s.once('drain', r); s.once('close', r); }); }
    else if (c.wait) await new Promise((r) => setTimeout(r, c.wait));
  }
});`;
  const r = spawnSync('nsenter', [`--net=${ns.procPath}`, ...asUser(uid), process.execPath, '--input-type=module', '-e', code], {
    encoding: 'utf8',
    cwd: '/tmp',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`raw client failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout).got;
}

/** Container records in netd's state directory. */
export function netdRecords(dir) {
  try {
    return readdirSync(`${dir}/state/containers`)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
  } catch (e) {
    if (e.code === 'ENOENT') return [];
    throw e;
  }
}

/** Leases in netd's state directory (`bridge/address`). */
export function netdLeases(dir) {
  try {
    return readdirSync(`${dir}/state/leases`).flatMap((b) => readdirSync(`${dir}/state/leases/${b}`).map((a) => `${b}/${a}`));
  } catch (e) {
    if (e.code === 'ENOENT') return [];
    throw e;
  }
}

export function removeNetdDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** Polls `fn` until it returns a truthy value, up to `ms`; returns the last value. */
export async function until(fn, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}
