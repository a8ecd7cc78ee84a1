#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HelpRequest, UsageError, isHelp } from './args.js';
import { report } from './errors.js';
import type { Io } from './io.js';
import { parseIp, runIp } from './ip/index.js';
import { runRun } from './run.js';

// The `nsrun` binary: dispatch to a command, report failures as one line and an exit status.
// `main` is also the programmatic entry (tests call it in-process with their own Io).

export const USAGE = `Usage: nsrun COMMAND [ARGS]
COMMAND := ip        iproute2-style links, addresses, routes, neighbours, monitor (over netlink)
           run       a command in new namespaces (try "nsrun run --help")
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
    if (cmd === 'run') return await runRun(rest, io);
    if (cmd === 'ip') {
      await runIp(parseIp(rest), io);
      return 0;
    }
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

if (isEntryPoint()) {
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop.abort());
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
  process.exitCode = await main(process.argv.slice(2), io);
}
