#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS, cli, dispatch, type CommandEntry } from './commands.js';
import type { Io } from './io.js';
import { parseIp, runIp } from './ip/index.js';

// `nsrun` as a library (`main`, for tests and embedding), and the binary when dist/main.js is
// run directly (the installed binary runs the bundle of ./entry.js instead: dist/bin.cjs).
// Here ip is imported up front: main(['ip', ...]) opens its socket (and a monitor subscribes)
// before its first await, as callers in-process rely on.

export { USAGE } from './commands.js';

const IN_PROCESS: ReadonlyMap<string, CommandEntry> = new Map([...COMMANDS, ['ip', { run: async (a, io) => runIp(parseIp(a), io), failing: {} }]]);

/** Runs `nsrun ARGV...`; resolves to the exit status (0 ok, 1 failure, 2 bad usage; run: see its usage). */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return dispatch(argv, io, IN_PROCESS);
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

if (isEntryPoint()) cli(process.argv.slice(2), main);
