// Running nsrun as a user who is not root, inside a test's own network namespace: a mount
// namespace of its own for the files that user needs (bind mounts over /etc/subuid, a usable
// /dev/net/tun; never the host's files), then setpriv to the user with a clean environment.
// Every layer execs the next, so the spawned child's pid is the launcher's (the pid the user's
// nsrun has).
import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../packages/cli/bin/nsrun', import.meta.url));
export const NODE_ENTRY = fileURLToPath(new URL('../../packages/cli/bin/nsrun.cjs', import.meta.url));

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** A scratch directory under /run (tmpfs in the sandbox) owned by `uid`: the user's XDG_RUNTIME_DIR. */
export function userDir(uid) {
  const dir = mkdtempSync('/run/nsrun-user-');
  chownSync(dir, uid, uid);
  return dir;
}

/** Files for the user's private mount namespace: { '/etc/subuid': 'text', ... } → bind mounts of copies. */
function bindScript(scratch, files, tun) {
  const lines = ['mount --make-rprivate /'];
  let i = 0;
  for (const [target, text] of Object.entries(files)) {
    const src = `${scratch}/bind-${i++}`;
    writeFileSync(src, text);
    lines.push(`mount --bind ${q(src)} ${q(target)}`);
  }
  // A tun node of the sandbox's own (0666 as udev makes it; 0600 as on machines without udev).
  if (tun !== undefined) lines.push(`mknod -m ${tun} ${q(`${scratch}/tun`)} c 10 200 && mount --bind ${q(`${scratch}/tun`)} /dev/net/tun`);
  return lines.join('\n');
}

/**
 * Spawns `script` (sh) as `uid` in `ns`, with $NSRUN the launcher bin, $NSRUN_NODE the Node entry,
 * XDG_RUNTIME_DIR `dir`. Options: files (bind-mounted), tun ('666' | '600'), env.
 * Returns { child, done: Promise<{status, signal, stdout, stderr}>, waitFor(re) }.
 */
export function spawnAsUser(ns, uid, dir, script, opts = {}) {
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME: dir,
    XDG_RUNTIME_DIR: dir,
    NSRUN: BIN,
    NSRUN_NODE: NODE_ENTRY,
    LANG: 'C',
    ...opts.env,
  };
  const setup = bindScript(dir, opts.files ?? {}, opts.tun);
  const user = `exec setpriv --reuid=${uid} --regid=${uid} --clear-groups env -i ${Object.entries(env)
    .map(([k, v]) => q(`${k}=${v}`))
    .join(' ')} sh -c ${q(script)}`;
  const child = spawn('nsenter', [`--net=${ns.procPath}`, 'unshare', '--mount', 'sh', '-c', `${setup}\n${user}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.re.exec(stdout);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on('data', (d) => ((stdout += d), check()));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  const waitFor = (re, ms = 20_000) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in stdout: ${JSON.stringify(stdout)}; stderr: ${JSON.stringify(stderr)}`)), ms);
      waiters.push({ re, resolve: (m) => (clearTimeout(t), resolve(m)) });
      check();
    });
  return { child, done, waitFor };
}

/** The same, to completion. */
export function runAsUser(ns, uid, dir, script, opts = {}) {
  const r = spawnAsUser(ns, uid, dir, script, opts);
  r.child.stdin.end(opts.input ?? '');
  return r.done;
}

/** Pids of live processes whose real uid (as the sandbox sees it) is `uid`. */
export function processesOf(uid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const m = /^Uid:\s+(\d+)/m.exec(status);
      const state = /^State:\s+(\S)/m.exec(status)?.[1];
      if (m && Number(m[1]) === uid && state !== 'Z') out.push(`${name} ${/^Name:\s+(.*)$/m.exec(status)?.[1]}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits (up to `ms`) until `uid` has no process left; returns what is left. */
export async function settledProcessesOf(uid, ms = 3000) {
  const end = Date.now() + ms;
  let left = processesOf(uid);
  while (left.length && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    left = processesOf(uid);
  }
  return left;
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}
