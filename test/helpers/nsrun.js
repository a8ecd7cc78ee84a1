// Running nsrun (the CLI, or the runner API in a child Node process) inside a test's own network
// namespace with a state directory of its own, so test files running side by side in the
// sandbox never see each other's bridges, veths or leases.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
export const RUNNER_URL = import.meta.resolve('@nsrun/runner');

/** A fresh state directory (under /run, a tmpfs in the sandbox). */
export function stateDir() {
  return mkdtempSync('/run/nsrun-test-');
}

/** Container records left in a state directory. */
export function records(dir) {
  try {
    return readdirSync(`${dir}/containers`).filter((f) => f.endsWith('.json'));
  } catch (e) {
    if (e.code === 'ENOENT') return [];
    throw e;
  }
}

export function removeStateDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * @param {{ procPath: string }} ns
 * @param {string[]} argv
 * @returns {[string, string[]]}
 */
const inNs = (ns, argv) => ['nsenter', [`--net=${ns.procPath}`, ...argv]];

/**
 * `nsrun ARGS` inside `ns`, to completion: { status, stdout, stderr }.
 * @param {{ procPath: string }} ns
 * @param {string[]} args
 * `via`: the programs nsrun runs under (strace ..., a mount namespace of its own ...), each
 * ending by exec'ing the rest of its arguments.
 * @param {{ timeout?: number, input?: string, env?: NodeJS.ProcessEnv, cwd?: string, via?: string[] }} [opts]
 */
export function nsrunSync(ns, args, opts = {}) {
  const [cmd, argv] = inNs(ns, [...(opts.via ?? []), process.execPath, MAIN, ...args]);
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    timeout: opts.timeout ?? 30_000,
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
    ...(opts.cwd !== undefined && { cwd: opts.cwd }),
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `nsrun ARGS` inside `ns`, running: the child, plus `lines(stream)` async iterators and
 * `done` resolving to { status, stdout, stderr }.
 * @param {{ procPath: string }} ns
 * @param {string[]} args
 * @param {{ extraFds?: (number | 'pipe' | 'ignore' | 'inherit' | import('node:stream').Stream)[], env?: NodeJS.ProcessEnv }} [opts]
 */
export function nsrunSpawn(ns, args, opts = {}) {
  const [cmd, argv] = inNs(ns, [process.execPath, MAIN, ...args]);
  const child = /** @type {import('node:child_process').ChildProcessWithoutNullStreams} */ (
    spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe', ...(opts.extraFds ?? [])], env: { ...process.env, ...opts.env } })
  );
  let stdout = '';
  let stderr = '';
  const waiters = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.re.exec(w.which === 'stdout' ? stdout : stderr);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on('data', (d) => ((stdout += d), check()));
  child.stderr.on('data', (d) => ((stderr += d), check()));
  const done = new Promise((resolve) =>
    child.on('close', (status, signal) => {
      for (const w of waiters)
        w.reject(new Error(`nsrun exited (${status ?? signal}) before ${w.which} matched ${w.re}\nstdout: ${stdout}\nstderr: ${stderr}`));
      resolve({ status, signal, stdout, stderr });
    }),
  );
  return {
    child,
    done,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Resolves with the first match of `re` in the output so far or to come. */
    wait(which, re) {
      return new Promise((resolve, reject) => {
        waiters.push({ which, re, resolve, reject });
        check();
      });
    },
  };
}

/**
 * Runs JS (an ES module body, with `run` and friends imported) in a child Node inside `ns`; returns its last JSON line.
 * @param {{ procPath: string }} ns
 * @param {string} body
 */
export function apiInNs(ns, body, timeout = 60_000) {
  const code = `import * as runner from ${JSON.stringify(RUNNER_URL)};\nimport * as fs from 'node:fs';\nconst out = (v) => fs.writeSync(1, JSON.stringify(v) + '\\n');\n${body}`;
  const [cmd, argv] = inNs(ns, [process.execPath, '--input-type=module', '-e', code]);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/tmp', timeout });
  if (r.status !== 0) throw new Error(`child failed: ${r.status ?? r.signal}\n${r.stderr}`);
  const line = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{') || l.startsWith('['))
    .pop();
  return JSON.parse(line);
}

/** Host-side veths nsrun made (name prefix nsr) in `ctx`'s namespace, through `ip -j`. */
export function ourVeths(ctx) {
  return ctx
    .ip('-j', 'link', 'show', 'type', 'veth')
    .map((l) => l.ifname)
    .filter((n) => n.startsWith('nsr'));
}

/**
 * Waits (up to `ms`) until no host veth of nsrun's is left; returns those still there. The
 * kernel deletes a pair when the container's namespace is torn down, just after it exits.
 */
export async function vethsGone(ctx, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const left = ourVeths(ctx);
    if (!left.length || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 20));
  }
}
