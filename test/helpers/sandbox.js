// The one way the test runner, the fixture capture scripts and the benchmarks enter a throwaway
// sandbox: `unshare` with new namespaces, so nothing they create can touch the machine's own
// network. Everything that re-runs itself inside one (reexecInSandbox) or runs a program in one
// (sandboxArgv) goes through here.
import { execFileSync, spawnSync } from 'node:child_process';

/** New network, mount and pid namespaces, with a /proc of the new pid namespace. */
const NAMESPACES = ['--net', '--mount', '--pid', '--fork', '--mount-proc'];

/**
 * The argv (for spawn) that runs `command` (a program and its arguments) in a fresh sandbox.
 * `setup`: shell lines run first inside it (then `command` is exec'd); `script`: a shell script
 * to run instead, `"$@"` being the command; `netOnly`: a new network namespace only (the
 * benchmarks, as the peer harness does).
 * @param {readonly string[]} command
 * @param {{ setup?: string, script?: string, netOnly?: boolean }} [opts]
 * @returns {[string, string[]]}
 */
export function sandboxArgv(command, { setup, script, netOnly = false } = {}) {
  const namespaces = netOnly ? ['--net'] : NAMESPACES;
  const body = script ?? (setup ? `set -e\n${setup}\nexec "$@"` : undefined);
  if (body === undefined) return ['unshare', [...namespaces, '--', ...command]];
  return ['unshare', [...namespaces, '--', 'bash', '-c', body, 'nsrun-sandbox', ...command]];
}

/**
 * Runs this script (process.argv) again inside a fresh sandbox, with the environment variable
 * `marker` set to `value` there (so the script knows it is inside: process.env[marker]).
 * Refuses, exit 1 with `tool: run as root (why)`, when not root. With `exit` (the default) this
 * process then exits with the sandboxed run's status; without, it returns that status.
 * @param {{ tool: string, why: string, marker: string, value?: string, setup?: string, exit?: boolean }} opts
 * @returns {number}
 */
export function reexecInSandbox({ tool, why, marker, value = '1', setup, exit = true }) {
  if (process.getuid?.() !== 0) {
    console.error(`${tool}: run as root (${why})`);
    process.exit(1);
  }
  const [cmd, argv] = sandboxArgv([process.execPath, ...process.execArgv, ...process.argv.slice(1)], { setup });
  const r = spawnSync(cmd, argv, { stdio: 'inherit', env: { ...process.env, [marker]: value } });
  if (r.error) {
    console.error(`${tool}: cannot create the sandbox (unshare): ${r.error.message}`);
    process.exit(1);
  }
  const status = r.status ?? 1;
  if (exit) process.exit(status);
  return status;
}

/**
 * Inside the sandbox: refuses (exit 1) to go on in a network namespace that holds anything but
 * `lo` (or, with `ruleset`, any nf_tables rule); then sets `lo` up.
 * @param {string} tool
 * @param {{ ruleset?: boolean }} [opts]
 */
export function checkFreshSandbox(tool, { ruleset = false } = {}) {
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).trim().split('\n');
  const rules = ruleset ? execFileSync('nft', ['list', 'ruleset'], { encoding: 'utf8' }).trim() : '';
  if (links.length !== 1 || !/^1: lo:/.test(links[0] ?? '') || rules !== '') {
    console.error(`${tool}: refusing to run: this network namespace is not a fresh sandbox:\n${[...links, rules].join('\n').trim()}`);
    process.exit(1);
  }
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
}
