// Runs a piece of ESM code in a child Node process with `sys` (the built @nsrun/sys) imported
// and `out(value)` printing one JSON line to stdout (fs.writeSync: synchronous, and it leaves
// libuv's stdio setup alone). Anything that changes a process's namespaces, mounts, root,
// host name or signal state runs there, never in the test process.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';

export const SYS_URL = import.meta.resolve('@nsrun/sys');

export function childCode(body) {
  return `import * as sys from ${JSON.stringify(SYS_URL)};
import * as fs from 'node:fs';
const out = (v) => fs.writeSync(1, JSON.stringify(v) + '\\n');
const errInfo = (e) => ({ name: e?.name, syscall: e?.syscall, code: e?.code, errno: e?.errno, target: e?.target, message: e?.message });
${body}`;
}

/** The argv that runs `body` with node. */
export function nodeArgs(body) {
  return ['--input-type=module', '-e', childCode(body)];
}

/**
 * Runs `body` to completion: { status, signal, stdout, stderr, lines (parsed JSON lines of stdout) }.
 * A child that dies or fails shows its stderr in the assertion message of the caller.
 * @param {string} body
 * @param {{ env?: NodeJS.ProcessEnv, input?: string, timeout?: number, uid?: number, gid?: number }} [opts]
 */
export function runNode(body, { env = process.env, input, timeout = 30_000, uid, gid } = {}) {
  const r = spawnSync(process.execPath, nodeArgs(body), { encoding: 'utf8', env, input, timeout, uid, gid });
  if (r.error) throw r.error;
  return { ...r, lines: jsonLines(r.stdout), why: `exit ${r.status ?? r.signal}; stderr:\n${r.stderr}` };
}

export function jsonLines(text) {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{') || l.startsWith('[') || l.startsWith('"'))
    .map((l) => JSON.parse(l));
}

/**
 * Starts `body` and lets the test talk to it: `next()` resolves to the next JSON line it prints,
 * `send(text)` writes to its stdin, `exit` resolves to { code, signal, stderr }.
 */
export function startNode(body, { env = process.env } = {}) {
  const child = spawn(process.execPath, nodeArgs(body), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exit = once(child, 'close').then(([code, signal]) => ({ code, signal, stderr }));
  const pending = [];
  const waiting = [];
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const v = JSON.parse(line);
      const w = waiting.shift();
      if (w) w.resolve(v);
      else pending.push(v);
    }
  });
  exit.then((e) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`child exited (${e.code ?? e.signal}) before printing; stderr:\n${e.stderr}`));
  });
  return {
    child,
    pid: child.pid,
    exit,
    next() {
      if (pending.length) return Promise.resolve(pending.shift());
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    send(text) {
      child.stdin.write(text);
    },
    end() {
      child.stdin.end();
    },
    /** @param {NodeJS.Signals} [sig] */
    kill(sig = 'SIGKILL') {
      child.kill(sig);
    },
  };
}
