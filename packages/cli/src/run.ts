import { run, RunnerError, EXIT_RUNNER_FAILED, type NetMode, type RunOptions } from '@nsrun/runner';
import type { Io } from './io.js';

// `nsrun run`: a thin layer over @nsrun/runner. Every failure of nsrun itself (bad usage
// included) is one line `nsrun: run: <step>: <reason>` and exit status 125, so the command's
// own statuses (including 2) stay unambiguous.

export const RUN_USAGE = `Usage: nsrun run [OPTIONS] [--] CMD [ARG...]
Runs CMD as PID 1 in new mount, pid, uts, ipc and network namespaces, with a fresh /proc.
Options:
  --hostname NAME    host name inside (default: a copy of the host's)
  --net none|host    none (default): own network namespace with only lo, up;
                     host: share nsrun's network namespace
  --env K=V          set a variable for CMD (repeatable; added to nsrun's environment)
  --workdir DIR      working directory of CMD
  --verbose, -v      print each setup step and its time to stderr
  --help, -h         this text
Exit status: CMD's own; 128+N if killed by signal N; 126 not executable; 127 not found;
125 nsrun failed (nothing was run).
`;

/** Bad usage of `nsrun run`, reported as the step `usage`. */
class RunUsageError extends Error {}

export interface RunInvocation {
  help: boolean;
  verbose: boolean;
  opts: RunOptions;
}

/** Parses `nsrun run` arguments (after `run`). Throws on bad usage. */
export function parseRun(argv: readonly string[]): RunInvocation {
  const env: Record<string, string> = {};
  const opts: { command: string[]; hostname?: string; net?: NetMode; cwd?: string } = { command: [] };
  let verbose = false;
  let i = 0;
  const value = (name: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const v = argv[++i];
    if (v === undefined) throw new RunUsageError(`${name} needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break; // the command starts here
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq === -1 ? a : a.slice(0, eq);
    const inline = eq === -1 ? undefined : a.slice(eq + 1);
    switch (name) {
      case '--help':
      case '-h':
        return { help: true, verbose, opts: { command: [] } };
      case '--verbose':
      case '-v':
        verbose = true;
        break;
      case '--hostname':
        opts.hostname = value(name, inline);
        break;
      case '--net': {
        const v = value(name, inline);
        if (v !== 'none' && v !== 'host') throw new RunUsageError(`--net ${JSON.stringify(v)}: must be none or host (bridge is not built yet)`);
        opts.net = v;
        break;
      }
      case '--env': {
        const kv = value(name, inline);
        const at = kv.indexOf('=');
        if (at <= 0) throw new RunUsageError(`--env ${JSON.stringify(kv)}: must be KEY=VALUE`);
        env[kv.slice(0, at)] = kv.slice(at + 1);
        break;
      }
      case '--workdir':
        opts.cwd = value(name, inline);
        break;
      default:
        throw new RunUsageError(`unknown option ${JSON.stringify(a)} (try "nsrun run --help")`);
    }
  }
  opts.command = argv.slice(i);
  if (opts.command.length === 0) throw new RunUsageError('missing command (try "nsrun run --help")');
  return { help: false, verbose, opts: Object.keys(env).length ? { ...opts, env } : opts };
}

/** `nsrun run ARGV...`: resolves to the exit status. */
export async function runRun(argv: readonly string[], io: Io): Promise<number> {
  try {
    const inv = parseRun(argv);
    if (inv.help) {
      io.stdout(RUN_USAGE);
      return 0;
    }
    const opts: RunOptions = inv.verbose ? { ...inv.opts, log: (step, ms) => io.stderr(`nsrun: run: ${step} ${ms.toFixed(2)} ms\n`) } : inv.opts;
    const handle = await run(opts);
    if (inv.verbose) io.stderr(`nsrun: run: started pid ${handle.pid}\n`);
    const status = await handle.wait();
    if (inv.verbose) io.stderr(`nsrun: run: exited with status ${status}\n`);
    return status;
  } catch (e) {
    const what = e instanceof RunUsageError ? `usage: ${e.message}` : e instanceof RunnerError ? e.message : `internal: ${e instanceof Error ? e.message : String(e)}`;
    io.stderr(`nsrun: run: ${what.split('\n')[0]}\n`);
    return EXIT_RUNNER_FAILED;
  }
}
