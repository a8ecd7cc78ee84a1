#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HelpRequest, UsageError, isHelp } from './args.js';
import { rootlessReady } from '@nsrun/runner';
import { report } from './errors.js';
import type { Io } from './io.js';
import { parseIp, runIp } from './ip/index.js';

// The `nsrun` binary: dispatch to a command, report failures as one line and an exit status.
// `main` is also the programmatic entry (tests call it in-process with their own Io).
// run, ps, gc and net import their code when they run (`nsrun ip` and `--version` start
// without the runner). ip is imported up front: main(['ip', ...]) opens its socket (and a
// monitor subscribes) before its first await, as callers in-process rely on.

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

/** Runs `nsrun ARGV...`; resolves to the exit status (0 ok, 1 failure, 2 bad usage). */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined) throw new UsageError('missing command', USAGE.trimEnd());
    if (isHelp(cmd)) throw new HelpRequest(USAGE);
    if (cmd === '--version' || cmd === '-V') {
      io.stdout(`nsrun ${version()}\n`);
      return 0;
    }
    if (cmd === 'run') return await (await import('./run.js')).runRun(rest, io);
    if (cmd === 'ps') return await (await import('./containers.js')).runPs(rest, io);
    if (cmd === 'gc') return await (await import('./containers.js')).runGc(rest, io);
    if (cmd === 'nat') return await (await import('./containers.js')).runNat(rest, io);
    if (cmd === 'net') return await (await import('./containers.js')).runNet(rest, io);
    if (cmd === 'netd') return await (await import('./netd.js')).runNetd(rest, io);
    if (cmd === 'ip') return await runIp(parseIp(rest), io);
    if (cmd === 'cni') return await (await import('./cni.js')).runCni(rest, io);
    // The plugin itself, as the launcher `nsrun cni install` writes runs it (not in the usage).
    if (cmd === 'cni-plugin') return await (await import('./cni.js')).runCniPlugin(io);
    throw new UsageError(`unknown command ${JSON.stringify(cmd)}`, 'Try "nsrun help".');
  } catch (e) {
    if (e instanceof HelpRequest) {
      io.stdout(e.text);
      return 0;
    }
    return report(e, io);
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
