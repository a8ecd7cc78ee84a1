import { writeSync } from 'node:fs';
import { isatty } from '@nsrun/sys';
import { run, RunnerError, type RunOptions } from '@nsrun/runner';
import { EXIT_RUNNER_FAILED, fail, failure } from './errors.js';
import { FlagError, int, parseFlags } from './flags.js';
import type { Io } from './io.js';
import { jsonFdProblem } from './json-fd.js';
import { checkPublishForce, RUN_FLAGS, runFlagOptions, runFlagSpec, runFlagUsage, type RunOptionsDraft } from './run-flags.js';

// `nsrun run`: a thin layer over @nsrun/runner. Every failure of nsrun itself (bad usage
// included) is one line `nsrun: run: <step>: <reason>` and exit status 125, so the command's
// own statuses (including 2) stay unambiguous.

export const RUN_USAGE = `Usage: nsrun run [OPTIONS] [--] CMD [ARG...]
Runs CMD as PID 1 in new mount, pid, uts, ipc and network namespaces, with a fresh /proc and
/sys, wired by default to a host bridge (veth pair, leased address, default route via the bridge),
confined as docker confines a container: its 14 default capabilities, no_new_privs, a seccomp
filter, masked and read-only /proc and /sys paths (see --cap-add, --security-opt, --privileged).
${runFlagUsage()}As a user who is not root, nsrun runs in a user namespace of its own (CMD is root inside,
the user outside; with a range in /etc/subuid and /etc/subgid, 65536 ids through newuidmap;
NSRUN_USERNS=single maps only the user).
Exit status: CMD's own; 128+N if killed by signal N; 126 not executable; 127 not found;
125 nsrun failed (nothing was left running or created).
`;

const SPEC = runFlagSpec();

export interface RunInvocation {
  help: boolean;
  verbose: boolean;
  /** Where lifecycle events go (undefined: nowhere). */
  jsonFd: number | undefined;
  opts: RunOptions;
}

/** Parses `nsrun run` arguments (after `run`). Throws FlagError on bad usage. */
export function parseRun(argv: readonly string[]): RunInvocation {
  const p = parseFlags(argv, SPEC, 'nsrun run', true);
  const has = (n: string): boolean => p.flags.has(n);
  if (has('--help')) return { help: true, verbose: false, jsonFd: undefined, opts: { command: [] } };
  const opts: RunOptionsDraft = { ...runFlagOptions(p.flags), command: p.rest };
  const net = opts.net;
  const misplaced = net === undefined ? undefined : RUN_FLAGS.find((f) => f.nets && !f.nets.includes(net) && has(f.flag));
  if (misplaced) throw new FlagError(`${misplaced.flag} needs --net bridge`);
  checkPublishForce(opts);
  if (has('--tty') && has('--no-tty')) throw new FlagError('--tty and --no-tty: choose one');
  // isatty(3), not process.stdin.isTTY: that would build a stream for stdin (for a file, Node's
  // fs streams and the modules behind them) that nsrun never reads; nor node:tty's isatty, which
  // loads node:net and the stream machinery at every start.
  opts.tty = has('--tty') || (!has('--no-tty') && isatty(0) && isatty(1));
  let jsonFd = has('--json') ? 2 : undefined;
  const fd = int(p, '--json-fd', 0);
  if (fd !== undefined) {
    // Checked before nsrun opens anything of its own (json-fd.ts says what and why).
    const problem = jsonFdProblem(fd);
    if (problem !== undefined) throw new FlagError(`--json-fd ${fd}: ${problem}`);
    jsonFd = fd;
  }
  if (opts.command.length === 0) throw new FlagError('missing command (try "nsrun run --help")');
  return { help: false, verbose: has('--verbose'), jsonFd, opts };
}

/** `nsrun run ARGV...`: resolves to the exit status. */
export async function runRun(argv: readonly string[], io: Io): Promise<number> {
  let events: ((e: Record<string, unknown>) => void) | undefined;
  try {
    const inv = parseRun(argv);
    if (inv.help) {
      io.stdout(RUN_USAGE);
      return 0;
    }
    if (inv.jsonFd !== undefined) {
      const fd = inv.jsonFd;
      // Synchronous writes: an event is out before the next thing happens (exit included).
      events = (e) => writeSync(fd, `${JSON.stringify({ ...e, time: new Date().toISOString() })}\n`);
    }
    const opts: RunOptions = {
      ...inv.opts,
      onWarning: (m) => io.stderr(`nsrun: run: warning: ${m}\n`),
      ...(io.signal && { signal: io.signal }),
      ...(inv.verbose && { log: (step: string, ms: number) => io.stderr(`nsrun: run: ${step} ${ms.toFixed(2)} ms\n`) }),
      ...(inv.verbose && { onNotice: (m: string) => io.stderr(`nsrun: run: ${m}\n`) }),
    };
    const h = await run(opts);
    // From here the command runs: a broken event stream is a warning, never nsrun's status.
    const emit = (e: Record<string, unknown>): void => {
      try {
        events?.(e);
      } catch (err) {
        events = undefined;
        io.stderr(`nsrun: run: warning: --json events stopped: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    };
    emit({ event: 'started', id: h.id, pid: h.pid, address: h.address ?? null, veth: h.veth ?? null, bridge: h.bridge ?? null });
    if (inv.verbose) io.stderr(`nsrun: run: started ${h.id} pid ${h.pid}${h.address ? ` address ${h.address} veth ${h.veth}` : ''}\n`);
    const status = await h.wait();
    emit({ event: 'exited', id: h.id, pid: h.pid, status });
    if (inv.verbose) io.stderr(`nsrun: run: exited with status ${status}\n`);
    return status;
  } catch (e) {
    // The line first, as every command reports it (errors.ts), then the event that tells it.
    const status = fail(e, io, { command: 'run', status: EXIT_RUNNER_FAILED });
    try {
      events?.({ event: 'failed', step: e instanceof RunnerError ? e.step : e instanceof FlagError ? 'usage' : 'internal', error: failure(e, 'run').text });
    } catch {
      // the event fd is gone: the line on stderr is all we can do
    }
    return status;
  }
}
