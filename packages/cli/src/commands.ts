import { createRequire } from 'node:module';
import { HelpRequest, UsageError, isHelp } from './args.js';
import type { Io } from './io.js';
import type { Failing } from './errors.js';
import { EXIT_OK, usageFailure } from './exit.js';
import { fdWriter } from './out.js';

// The `nsrun` commands and their dispatch. Every command's code is imported when it runs, so a
// start loads only what its command needs (`--version` loads nothing else; the bundle that
// dist/bin.cjs runs initialises a module when it is first imported, see ../scripts/bundle.js).
// main.ts, the in-process entry, replaces `ip` with a statically imported one.

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

/** One command: its arguments (after the command's name) to an exit status. */
export type Command = (args: readonly string[], io: Io) => Promise<number>;

/** A command and how its failures read (errors.ts `fail`). */
export interface CommandEntry {
  run: Command;
  failing: Failing;
}

/**
 * The commands. Each one's errors are thrown up to dispatch, which reports them the one way;
 * `run` reports its own (its --json stream tells them too), the same way, with the runner's
 * failure status.
 */
export const COMMANDS: ReadonlyMap<string, CommandEntry> = new Map<string, CommandEntry>([
  ['run', { run: async (a, io) => (await import('./run.js')).runRun(a, io), failing: { command: 'run', status: 'runner' } }],
  ['ps', { run: async (a, io) => (await import('./containers.js')).runPs(a, io), failing: { command: 'ps' } }],
  ['gc', { run: async (a, io) => (await import('./containers.js')).runGc(a, io), failing: { command: 'gc' } }],
  ['nat', { run: async (a, io) => (await import('./containers.js')).runNat(a, io), failing: { command: 'nat' } }],
  ['net', { run: async (a, io) => (await import('./containers.js')).runNet(a, io), failing: { command: 'net' } }],
  ['netd', { run: async (a, io) => (await import('./netd.js')).runNetd(a, io), failing: { command: 'netd' } }],
  // ip's errors name their own object (`nsrun: linkAdd br0 (bridge): EEXIST ...`).
  [
    'ip',
    {
      run: async (a, io) => {
        const ip = await import('./ip/index.js');
        return ip.runIp(ip.parseIp(a), io);
      },
      failing: {},
    },
  ],
  ['cni', { run: async (a, io) => (await import('./cni.js')).runCni(a, io), failing: { command: 'cni' } }],
  // The plugin itself, as the launcher `nsrun cni install` writes runs it (not in the usage).
  ['cni-plugin', { run: async (_a, io) => (await import('./cni.js')).runCniPlugin(io), failing: { command: 'cni-plugin' } }],
]);

/** Runs `nsrun ARGV...` with these commands; resolves to the exit status (0 ok, 1 failure, 2 bad usage; run: see its usage). */
export async function dispatch(argv: readonly string[], io: Io, commands: ReadonlyMap<string, CommandEntry> = COMMANDS): Promise<number> {
  const [cmd, ...rest] = argv;
  const command = cmd === undefined ? undefined : commands.get(cmd);
  try {
    if (cmd === undefined) throw new UsageError('missing command', USAGE.trimEnd());
    if (isHelp(cmd)) throw new HelpRequest(USAGE);
    if (cmd === '--version' || cmd === '-V') {
      io.stdout(`nsrun ${version()}\n`);
      return EXIT_OK;
    }
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(cmd)}`, 'Try "nsrun help".');
    // main.ts's ip is called before any await: main(['ip', ...]) has opened its socket when it returns.
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof HelpRequest) {
      io.stdout(e.text);
      return EXIT_OK;
    }
    // Before any command: said here. A command's failure needs the libraries' error classes,
    // loaded only then.
    if (command === undefined && e instanceof UsageError) return usageFailure(e, io);
    return (await import('./errors.js')).fail(e, io, command?.failing);
  }
}

/**
 * Runs this process as the `nsrun` binary: process streams, SIGINT and SIGTERM ending
 * long-running commands, the exit status. dist/bin.cjs calls it (through the bundle).
 */
export function cli(argv: readonly string[] = process.argv.slice(2), run: typeof dispatch = dispatch): void {
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop.abort());
  // A closed pipe (`nsrun ip link | head -1`) ends the output, not with a stack trace.
  const epipe = (): never => process.exit(process.exitCode ?? 0);
  // Output that went through a Node stream may still be pending: then the process ends when
  // the event loop has drained, as usual.
  let streamed = false;
  const onStream = (): void => {
    streamed = true;
  };
  const io: Io = { stdout: fdWriter(1, epipe, onStream), stderr: fdWriter(2, epipe, onStream), signal: stop.signal };
  // Started by the rootless launcher: it may forward signals from now on (till now it turned a
  // stop signal into SIGKILL: PID 1 of a pid namespace ignores what it has no handler for).
  const ready = process.env.NSRUN_ROOTLESS === undefined ? Promise.resolve() : import('@nsrun/runner').then((r) => r.rootlessReady());
  // No top-level await: the bundle is CommonJS (packages/cli/scripts/bundle.js).
  void ready
    .then(() => run(argv, io))
    .then((status) => {
      process.exitCode = status;
      // The command is done and its output written: exit now rather than tear the isolate
      // down (an munmap per heap chunk, ~5 ms of a `run`'s CPU here; 'exit' listeners still run).
      if (!streamed) process.exit(status);
    });
}
