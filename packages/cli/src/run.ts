import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { run, RunnerError, type NetMode, type RunOptions } from '@nsrun/runner';
import { EXIT_RUNNER_FAILED, fail, failure } from './errors.js';
import { FlagError, int, parseFlags, str, type FlagSpec } from './flags.js';
import type { Io } from './io.js';
import { jsonFdProblem } from './json-fd.js';

// `nsrun run`: a thin layer over @nsrun/runner. Every failure of nsrun itself (bad usage
// included) is one line `nsrun: run: <step>: <reason>` and exit status 125, so the command's
// own statuses (including 2) stay unambiguous.

export const RUN_USAGE = `Usage: nsrun run [OPTIONS] [--] CMD [ARG...]
Runs CMD as PID 1 in new mount, pid, uts, ipc and network namespaces, with a fresh /proc and
/sys, wired by default to a host bridge (veth pair, leased address, default route via the bridge),
confined as docker confines a container: its 14 default capabilities, no_new_privs, a seccomp
filter, masked and read-only /proc and /sys paths (see --cap-add, --security-opt, --privileged).
Options:
  --net bridge|none|host|slirp4netns|pasta
                      bridge (default as root): own network namespace on a host bridge;
                      none: only lo, up; host: share nsrun's network namespace;
                      slirp4netns, pasta: user-mode networking, for a user who is not root
                      (default there: slirp4netns, else pasta, when it works)
  --bridge NAME       bridge to attach to (default brg0; created if absent)
  --subnet CIDR       the bridge's address and subnet (default 10.10.10.1/24)
  --ip ADDR[/LEN]     a fixed address in the subnet (default: the next free one)
  --nat               masquerade the container's traffic leaving the host through any other
                      interface than the bridge (rules in nf_tables table "ip nsrun"; turns
                      on IPv4 forwarding, which stays on)
  --publish, -p [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]
                      forward a host port to the container (DNAT; repeatable). HOSTIP must
                      be an address of this host; a port a host service listens on (on
                      0.0.0.0, HOSTIP or, without HOSTIP, any address but 127/8) is refused;
                      with slirp4netns or pasta the helper listens on HOSTPORT (>= 1024)
  --publish-force     publish such a port anyway: the container takes its connections
  --dns IP            a nameserver for the container's own /etc/resolv.conf (repeatable;
                      default: the host's, with systemd-resolved's upstream servers for its stub)
  --rootfs DIR        switch to DIR as the root file system (pivot_root); without it CMD
                      shares the host's files (and devices) as root: use a rootfs to contain
                      untrusted code
  --cap-add CAP       add a capability to the default set (docker's 14) (repeatable; ALL)
  --cap-drop CAP      drop a capability from it (repeatable; ALL drops all)
  --security-opt seccomp=unconfined|no-new-privileges=false
                      no seccomp filter (default: docker's default profile, through perl);
                      keep set-uid programs working (default: no_new_privs)
  --privileged        no confinement: every capability, no filter, writable /sys and /proc/sys
  --hostname NAME     host name inside (default: a copy of the host's)
  --tty, -t           give CMD a terminal of its own (default when stdin and stdout are
                      terminals); --no-tty: pass stdin, stdout, stderr straight through
  --init              run CMD under a minimal PID 1 that reaps orphans and forwards signals
  --env K=V           set a variable for CMD (repeatable; added to nsrun's environment)
  --workdir DIR       working directory of CMD (inside the rootfs with --rootfs)
  --stop-timeout SEC  after a stop signal (TERM, INT, HUP, QUIT), kill the container after SEC
                      seconds (default 10); a second stop signal kills at once
  --state-dir DIR     leases and records (default /run/nsrun; for a user who is not root
                      $XDG_RUNTIME_DIR/nsrun, else /tmp/nsrun-UID)
  --json              lifecycle events (started, exited, failed) as JSON lines on stderr
  --json-fd FD        ... on file descriptor FD instead (never mixed with CMD's stdout); FD
                      must be one nsrun's parent passed open for writing
  --verbose, -v       print each setup step and its time to stderr
  --help, -h          this text
As a user who is not root, nsrun runs in a user namespace of its own (CMD is root inside,
the user outside; with a range in /etc/subuid and /etc/subgid, 65536 ids through newuidmap;
NSRUN_USERNS=single maps only the user).
Exit status: CMD's own; 128+N if killed by signal N; 126 not executable; 127 not found;
125 nsrun failed (nothing was left running or created).
`;

const SPEC: Record<string, FlagSpec> = {
  '--help': { alias: ['-h'] },
  '--verbose': { alias: ['-v'] },
  '--net': { value: true },
  '--bridge': { value: true },
  '--subnet': { value: true },
  '--ip': { value: true },
  '--rootfs': { value: true },
  '--privileged': {},
  '--cap-add': { value: true, repeat: true },
  '--cap-drop': { value: true, repeat: true },
  '--security-opt': { value: true, repeat: true },
  '--hostname': { value: true },
  '--init': {},
  '--tty': { alias: ['-t'] },
  '--no-tty': {},
  '--env': { value: true, repeat: true },
  '--dns': { value: true, repeat: true },
  '--nat': {},
  '--publish': { alias: ['-p'], value: true, repeat: true },
  '--publish-force': {},
  '--workdir': { value: true },
  '--stop-timeout': { value: true },
  '--state-dir': { value: true },
  '--json': {},
  '--json-fd': { value: true },
};

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
  const opts: { -readonly [K in keyof RunOptions]: RunOptions[K] } = { command: p.rest };
  const net = str(p, '--net');
  if (net !== undefined) {
    if (!['bridge', 'none', 'host', 'slirp4netns', 'pasta'].includes(net))
      throw new FlagError(`--net ${JSON.stringify(net)}: must be bridge, none, host, slirp4netns or pasta`);
    opts.net = net as NetMode;
  }
  for (const [flag, key] of [
    ['--bridge', 'bridge'],
    ['--subnet', 'subnet'],
    ['--ip', 'ip'],
    ['--rootfs', 'rootfs'],
    ['--hostname', 'hostname'],
    ['--workdir', 'cwd'],
    ['--state-dir', 'stateDir'],
  ] as const) {
    const v = str(p, flag);
    if (v !== undefined) opts[key] = v;
  }
  if (net !== undefined && net !== 'bridge') {
    const usernet = net === 'slirp4netns' || net === 'pasta';
    for (const f of ['--bridge', '--subnet', '--ip', '--nat', ...(usernet ? [] : ['--publish'])]) if (has(f)) throw new FlagError(`${f} needs --net bridge`);
  }
  if (has('--init')) opts.init = true;
  if (has('--privileged')) opts.privileged = true;
  const capAdd = p.flags.get('--cap-add');
  if (Array.isArray(capAdd)) opts.capAdd = capAdd;
  const capDrop = p.flags.get('--cap-drop');
  if (Array.isArray(capDrop)) opts.capDrop = capDrop;
  const secOpts = p.flags.get('--security-opt');
  if (Array.isArray(secOpts)) Object.assign(opts, parseSecurityOpts(secOpts));
  if (has('--nat')) opts.nat = true;
  const publish = p.flags.get('--publish');
  if (Array.isArray(publish)) opts.publish = publish;
  if (has('--publish-force')) {
    if (!Array.isArray(publish)) throw new FlagError('--publish-force needs --publish');
    opts.publishForce = true;
  }
  if (has('--tty') && has('--no-tty')) throw new FlagError('--tty and --no-tty: choose one');
  // isatty, not process.stdin.isTTY: that would build a stream for stdin (for a file, Node's
  // fs streams and the modules behind them) that nsrun never reads.
  opts.tty = has('--tty') || (!has('--no-tty') && isatty(0) && isatty(1));
  const timeout = str(p, '--stop-timeout');
  if (timeout !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(timeout)) throw new FlagError(`--stop-timeout ${JSON.stringify(timeout)}: must be a number of seconds`);
    opts.stopTimeout = Number(timeout);
  }
  const dns = p.flags.get('--dns');
  if (Array.isArray(dns)) opts.dns = dns;
  const envs = p.flags.get('--env');
  if (Array.isArray(envs)) {
    const env: Record<string, string> = {};
    for (const kv of envs) {
      const at = kv.indexOf('=');
      if (at <= 0) throw new FlagError(`--env ${JSON.stringify(kv)}: must be KEY=VALUE`);
      env[kv.slice(0, at)] = kv.slice(at + 1);
    }
    opts.env = env;
  }
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

/** docker's --security-opt spellings that nsrun has: seccomp=unconfined|default, no-new-privileges[=true|false]. */
function parseSecurityOpts(list: readonly string[]): Pick<RunOptions, 'seccomp' | 'noNewPrivileges'> {
  const out: { seccomp?: 'default' | 'unconfined'; noNewPrivileges?: boolean } = {};
  for (const o of list) {
    const [k, v] = o.includes('=') ? [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] : [o, undefined];
    if (k === 'seccomp' && (v === 'unconfined' || v === 'default')) out.seccomp = v;
    else if (k === 'no-new-privileges' && (v === undefined || v === 'true' || v === 'false')) out.noNewPrivileges = v !== 'false';
    else throw new FlagError(`--security-opt ${JSON.stringify(o)}: nsrun knows seccomp=unconfined|default and no-new-privileges[=true|false]`);
  }
  return out;
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
