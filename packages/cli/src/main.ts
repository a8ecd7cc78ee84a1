#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HelpRequest, UsageError, isHelp } from './args.js';
import { rootlessReady } from '@nsrun/runner';
import { EXIT_OK, EXIT_RUNNER_FAILED, fail, type Failing } from './errors.js';
import type { Io } from './io.js';
import { parseIp, runIp } from './ip/index.js';

// The `nsrun` binary: dispatch to a command, report failures as one line and an exit status.
// `main` is also the programmatic entry (tests call it in-process with their own Io).
// ip is imported up front: main(['ip', ...]) opens its socket (and a monitor subscribes)
// before its first await, as callers in-process rely on.

export const USAGE = `Usage: nsrun COMMAND [ARGS]
COMMAND := ip        iproute2-style links, addresses, routes, neighbours, monitor (over netlink)
           run       a command in new namespaces with a bridged network (try "nsrun run --help")
           ps        running containers
           gc        remove what killed nsruns left behind (veths, leases)
           net       attach | detach | list the network of a running process
           netd      the privileged helper that wires users' namespaces (root)
           nat       show the nf_tables rules of --nat and --publish
           cni       install nsrun as a CNI plugin for containerd, podman, Kubernetes
           help | --help | --version
Try "nsrun ip help".
`;

const version = (): string => (createRequire(import.meta.url)('../package.json') as { version: string }).version;

type Command = (argv: readonly string[], io: Io) => Promise<number>;

/**
 * The commands and how their failures read (errors.ts `fail`): each one's errors are thrown
 * up to main, which reports them the one way. run, ps, gc and net import their code when they
 * run (`nsrun ip` and `--version` start without it). `run` reports its own failures (its
 * --json stream tells them too), the same way.
 */
const COMMANDS = new Map<string, { run: Command; failing: Failing }>([
  ['run', { run: async (argv, io) => (await import('./run.js')).runRun(argv, io), failing: { command: 'run', status: EXIT_RUNNER_FAILED } }],
  ['ps', { run: async (argv, io) => (await import('./containers.js')).runPs(argv, io), failing: { command: 'ps' } }],
  ['gc', { run: async (argv, io) => (await import('./containers.js')).runGc(argv, io), failing: { command: 'gc' } }],
  ['nat', { run: async (argv, io) => (await import('./containers.js')).runNat(argv, io), failing: { command: 'nat' } }],
  ['net', { run: async (argv, io) => (await import('./containers.js')).runNet(argv, io), failing: { command: 'net' } }],
  ['netd', { run: async (argv, io) => (await import('./netd.js')).runNetd(argv, io), failing: { command: 'netd' } }],
  // ip's errors name their own object (`nsrun: linkAdd br0 (bridge): EEXIST ...`).
  ['ip', { run: (argv, io) => runIp(parseIp(argv), io), failing: {} }],
  ['cni', { run: async (argv, io) => (await import('./cni.js')).runCni(argv, io), failing: { command: 'cni' } }],
  // The plugin itself, as the launcher `nsrun cni install` writes runs it (not in the usage).
  ['cni-plugin', { run: async (_argv, io) => (await import('./cni.js')).runCniPlugin(io), failing: { command: 'cni-plugin' } }],
]);

/** Runs `nsrun ARGV...`; resolves to the exit status (0 ok, 1 failure, 2 bad usage; run: see its usage). */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  const command = cmd === undefined ? undefined : COMMANDS.get(cmd);
  try {
    if (cmd === undefined) throw new UsageError('missing command', USAGE.trimEnd());
    if (isHelp(cmd)) throw new HelpRequest(USAGE);
    if (cmd === '--version' || cmd === '-V') {
      io.stdout(`nsrun ${version()}\n`);
      return EXIT_OK;
    }
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(cmd)}`, 'Try "nsrun help".');
    // ip is called before any await: main(['ip', ...]) has opened its socket when it returns.
    return await command.run(rest, io);
  } catch (e) {
    return fail(e, io, command?.failing);
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

/**
 * Runs this process as the `nsrun` binary: process streams, SIGINT and SIGTERM ending
 * long-running commands, the exit status. dist/bin.cjs calls it (through the bundle).
 */
export function cli(argv: readonly string[] = process.argv.slice(2)): void {
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop.abort());
  // Started by the rootless launcher: it may forward signals from now on (till now it turned a
  // stop signal into SIGKILL: PID 1 of a pid namespace ignores what it has no handler for).
  rootlessReady();
  // A closed pipe (`nsrun ip link | head -1`) ends the output, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const io: Io = {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    signal: stop.signal,
  };
  // No top-level await: the bundle is CommonJS (packages/cli/scripts/bundle.js).
  void main(argv, io).then((status) => {
    process.exitCode = status;
  });
}

if (isEntryPoint()) cli();
