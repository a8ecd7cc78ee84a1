// Driving CNI plugins by hand, as a runtime does (containernetworking/cni SPEC.md, section 2):
// the parameters in the environment, the configuration on stdin, inside a test's own network
// namespace (the plugin's "host"). The plugins directory holds nsrun's launcher (written by
// `nsrun cni install`) and the reference plugins of containernetworking-plugins.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { MAIN } from './nsrun.js';

export const REFERENCE_DIR = '/usr/lib/cni';

/** Why the reference plugins cannot be used here, or null. */
export const referenceSkipReason =
  existsSync(`${REFERENCE_DIR}/bridge`) && existsSync(`${REFERENCE_DIR}/host-local`)
    ? null
    : `the reference CNI plugins are not installed (${REFERENCE_DIR}/bridge, host-local: Debian package containernetworking-plugins)`;

/** A fresh plugins directory: nsrun's launcher plus links to the reference plugins. */
export function pluginDir() {
  const dir = mkdtempSync('/run/nsrun-cni-bin-');
  execFileSync(process.execPath, [MAIN, 'cni', 'install', '--dir', dir], { encoding: 'utf8' });
  if (!referenceSkipReason) for (const p of readdirSync(REFERENCE_DIR)) symlinkSync(`${REFERENCE_DIR}/${p}`, `${dir}/${p}`);
  return dir;
}

const envOf = (dir, command, e) => ({
  PATH: process.env.PATH,
  CNI_COMMAND: command,
  CNI_PATH: dir,
  ...(e.id !== undefined && { CNI_CONTAINERID: e.id }),
  ...(e.netns !== undefined && { CNI_NETNS: e.netns }),
  ...(e.ifname !== undefined && { CNI_IFNAME: e.ifname }),
  ...(e.args !== undefined && { CNI_ARGS: e.args }),
  ...e.extra,
});

/**
 * Runs plugin `type` of `dir` with CNI_COMMAND `command` inside `ns`: { status, out (parsed
 * stdout, or undefined), stdout, stderr }. `e`: { id, netns, ifname, args, extra (env) }.
 */
export function cni(ns, dir, type, command, conf, e = {}) {
  const input = typeof conf === 'string' ? conf : JSON.stringify(conf);
  const r = spawnSync('nsenter', [`--net=${ns.procPath}`, `${dir}/${type}`], { input, env: envOf(dir, command, e), encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  let out;
  try {
    out = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    out = undefined;
  }
  return { status: r.status, signal: r.signal, out, stdout: r.stdout, stderr: r.stderr };
}

/** The same, running: { child, done } (done resolves to what `cni` returns). */
export function cniSpawn(ns, dir, type, command, conf, e = {}) {
  const child = spawn('nsenter', [`--net=${ns.procPath}`, `${dir}/${type}`], { env: envOf(dir, command, e), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(typeof conf === 'string' ? conf : JSON.stringify(conf));
  const done = new Promise((resolve) =>
    child.on('close', (status, signal) => {
      let out;
      try {
        out = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {}
      resolve({ status, signal, out, stdout, stderr });
    }),
  );
  return { child, done };
}

/** A network configuration (one plugin's request configuration) with defaults for tests. */
export function netConf(over = {}) {
  return {
    cniVersion: '1.0.0',
    name: 'testnet',
    type: 'nsrun',
    bridge: 'cni0',
    isGateway: true,
    ipam: { type: 'nsrun', ranges: [[{ subnet: '10.22.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] },
    ...over,
  };
}
