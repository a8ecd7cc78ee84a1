import { statSync } from 'node:fs';
import { HOST_NAME_MAX } from '@nsrun/sys';
import { RunnerError } from './errors.js';
import { checkDnsServers, type HostResolvFiles } from './dns.js';
import { parsePublishList } from './nat/publish.js';
import { GATE_CONFINES } from './gate.js';
import { securityPlan, type SecurityPlan } from './security/plan.js';

// What `run` accepts, checked before anything is created.

/**
 * bridge: a veth on a host bridge (root, or rootless through nsrun netd); none: loopback only;
 * host: the host's network; slirp4netns / pasta: user-mode networking (rootless runs only).
 */
export type NetMode = 'bridge' | 'none' | 'host' | 'slirp4netns' | 'pasta';
const NET_MODES: readonly string[] = ['bridge', 'none', 'host', 'slirp4netns', 'pasta'];
/** Whether `net` is user-mode networking (a helper process relays the container's packets). */
export const isUsernet = (net: string | undefined): net is 'slirp4netns' | 'pasta' => net === 'slirp4netns' || net === 'pasta';

export interface RunOptions {
  /** The command and its arguments; found through PATH like a shell does. */
  command: readonly string[];
  /** Host name inside the container (default: the host's, copied into the new UTS namespace). */
  hostname?: string;
  /**
   * `bridge` (default): a new network namespace wired to a host bridge by a veth pair, with an
   * address leased from the bridge's subnet and a default route via the bridge.
   * `none`: a new network namespace with only `lo`, up. `host`: share nsrun's.
   */
  net?: NetMode;
  /** Bridge to attach to (default `brg0`); created when absent. */
  bridge?: string;
  /** The bridge's address and subnet, CIDR (default `10.10.10.1/24`). */
  subnet?: string;
  /** A fixed address for the container, CIDR or bare (refused if taken or outside the subnet). */
  ip?: string;
  /**
   * Masquerade the container's traffic that leaves the host through any interface but the
   * bridge (rules in nsrun's own nf_tables table `ip nsrun`), and turn on IPv4 forwarding.
   * Bridged network only.
   */
  nat?: boolean;
  /**
   * Host ports forwarded to the container: `[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]` (DNAT;
   * turns on IPv4 forwarding). Bridged network only.
   */
  publish?: readonly string[];
  /**
   * Publish a host port even when a host service listens on it (its connections then go to the
   * container; named through onWarning). By default such a publish is refused, naming the listener.
   */
  publishForce?: boolean;
  /** Told what nsrun changed on the host beyond its own objects (IPv4 forwarding turned on); for --verbose. */
  onNotice?: (message: string) => void;
  /** Switch to this root filesystem (pivot_root), with fresh /proc, /sys and a minimal /dev. */
  rootfs?: string;
  /**
   * Confinement off, as nsrun was before it had any: every capability, no seccomp filter, no
   * no_new_privs, /sys and /proc/sys writable, no masked paths, device nodes usable in a rootfs.
   * Still new namespaces, a fresh /proc, and nsrun's state hidden.
   */
  privileged?: boolean;
  /**
   * Capabilities added to the default set (docker's 14: CHOWN, DAC_OVERRIDE, FSETID, FOWNER,
   * MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL,
   * AUDIT_WRITE), by name (`NET_ADMIN` or `CAP_NET_ADMIN`), or `ALL`.
   */
  capAdd?: readonly string[];
  /** Capabilities removed from the default set; `ALL` empties it (then capAdd adds back). */
  capDrop?: readonly string[];
  /**
   * `default`: a seccomp filter with the intent of docker's default profile (installed through
   * perl); `unconfined`: none.
   */
  seccomp?: 'default' | 'unconfined';
  /** Set no_new_privs on the container (default true): set-uid programs and file capabilities grant nothing. */
  noNewPrivileges?: boolean;
  /** Run the command under a minimal PID 1 that reaps orphans and forwards signals. */
  init?: boolean;
  /** Seconds between the first stop signal (TERM, INT, HUP, QUIT) and SIGKILL (default 10). */
  stopTimeout?: number;
  /**
   * Nameservers for the container's own /etc/resolv.conf (bind-mounted over the host's, which
   * is never written). Default: the host's, with systemd-resolved's stub replaced by its
   * upstream servers and unreachable loopback ones left out (with a warning).
   */
  dns?: readonly string[];
  /** Testing aid: where the host's resolver files are read. */
  resolvFiles?: HostResolvFiles;
  /** Where leases and container records live (default `/run/nsrun`). */
  stateDir?: string;
  /** Variables added to (or replacing) nsrun's own environment for the command. */
  env?: Readonly<Record<string, string>>;
  /** Working directory of the command (default: nsrun's). */
  cwd?: string;
  /**
   * Give the container a terminal of its own (a pty whose other end nsrun copies to and from
   * its stdin/stdout, in raw mode when stdin is a terminal), as `docker run -t` does. The CLI
   * turns it on when its stdin and stdout are terminals. Without it: the three pass straight.
   */
  tty?: boolean;
  /** Only `inherit`: the command reads and writes nsrun's own stdin, stdout, stderr. */
  stdio?: 'inherit';
  /** Called with each step's name and its duration in ms, as it completes (--verbose). */
  log?: (step: string, ms: number) => void;
  /**
   * Aborting it before the command is released (a SIGINT or SIGTERM to nsrun during setup)
   * undoes everything and rejects (step `release`); afterwards, use the handle's kill().
   */
  signal?: AbortSignal;
  /** Told about problems that do not fail the run (e.g. a cleanup step that failed at exit). */
  onWarning?: (message: string) => void;
  /**
   * Testing aid (fault injection): fail at this step as if its system call had failed; `NAME`
   * for the step's first use in the run, `NAME#N` for its Nth.
   */
  faultAt?: string;
}

// RFC 1123 labels: letters, digits, inner hyphens; dots between labels.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME_RE = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

const invalid = (field: string, reason: string): RunnerError => new RunnerError('validate', `${field}: ${reason}`, { field });

function checkDir(field: string, dir: unknown): void {
  if (typeof dir !== 'string' || dir === '') throw invalid(field, 'must be a non-empty path');
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    throw invalid(field, `${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!isDir) throw invalid(field, `${dir}: not a directory`);
}

/**
 * Checks every option; throws RunnerError (step `validate`, `field` set) on the first bad one.
 * Returns how the container is to be confined.
 */
export function validateRunOptions(opts: RunOptions): SecurityPlan {
  if (opts === null || typeof opts !== 'object') throw invalid('options', 'must be an object');
  const { command, hostname, net, env, cwd, stdio, rootfs, init, stopTimeout, stateDir } = opts;
  if (!Array.isArray(command) || command.length === 0) throw invalid('command', 'missing: give the program to run and its arguments');
  command.forEach((a, i) => {
    if (typeof a !== 'string') throw invalid('command', `argument ${i} is not a string`);
    if (a.includes('\0')) throw invalid('command', `argument ${i} contains a NUL byte`);
  });
  if (command[0] === '') throw invalid('command', 'the program name is empty');
  if (hostname !== undefined) {
    if (typeof hostname !== 'string' || hostname === '') throw invalid('hostname', 'must be a non-empty string');
    const bytes = Buffer.byteLength(hostname);
    if (bytes > HOST_NAME_MAX) throw invalid('hostname', `${JSON.stringify(hostname)} is ${bytes} bytes, longer than ${HOST_NAME_MAX}`);
    if (!HOSTNAME_RE.test(hostname))
      throw invalid('hostname', `${JSON.stringify(hostname)} is not a valid host name (letters, digits, inner hyphens, dot-separated labels of at most 63)`);
  }
  if (net !== undefined && (typeof net !== 'string' || !NET_MODES.includes(net)))
    throw invalid('net', `${JSON.stringify(net)} is not one of ${NET_MODES.join(', ')}`);
  if (opts.nat !== undefined && typeof opts.nat !== 'boolean') throw invalid('nat', 'must be true or false');
  if (opts.publish !== undefined) {
    const p = parsePublishList(opts.publish);
    if (typeof p === 'string') throw invalid('publish', p);
  }
  if (opts.publishForce !== undefined && typeof opts.publishForce !== 'boolean') throw invalid('publishForce', 'must be true or false');
  if (opts.nat && (net ?? 'bridge') !== 'bridge') {
    throw invalid(
      'nat',
      isUsernet(net)
        ? `${net} is NAT already (the container reaches what the host reaches)`
        : `needs the bridged network (--net bridge), not ${JSON.stringify(net)}`,
    );
  }
  if (opts.publish?.length && (net ?? 'bridge') !== 'bridge' && !isUsernet(net)) {
    throw invalid('publish', `needs the bridged network (--net bridge) or user-mode networking (slirp4netns, pasta), not ${JSON.stringify(net)}`);
  }
  if (opts.publishForce && isUsernet(net)) throw invalid('publishForce', `means nothing with ${net}: it binds the host port itself, or fails`);
  if (rootfs !== undefined) checkDir('rootfs', rootfs);
  if (init !== undefined && typeof init !== 'boolean') throw invalid('init', 'must be true or false');
  if (opts.tty !== undefined && typeof opts.tty !== 'boolean') throw invalid('tty', 'must be true or false');
  if (stopTimeout !== undefined && (typeof stopTimeout !== 'number' || !Number.isFinite(stopTimeout) || stopTimeout < 0)) {
    throw invalid('stopTimeout', `${String(stopTimeout)}: must be a number of seconds, 0 or more`);
  }
  if (opts.dns !== undefined) {
    const bad = Array.isArray(opts.dns) ? checkDnsServers(opts.dns) : 'must be a list of IP addresses';
    if (bad) throw invalid('dns', bad);
  }
  if (stateDir !== undefined && (typeof stateDir !== 'string' || !stateDir.startsWith('/'))) throw invalid('stateDir', 'must be an absolute path');
  if (env !== undefined) {
    if (env === null || typeof env !== 'object') throw invalid('env', 'must be an object of strings');
    for (const [k, v] of Object.entries(env)) {
      if (k === '' || k.includes('=') || k.includes('\0')) throw invalid('env', `invalid variable name ${JSON.stringify(k)}`);
      if (typeof v !== 'string' || v.includes('\0')) throw invalid('env', `value of ${k} must be a string without NUL bytes`);
    }
  }
  // With a rootfs the working directory is a path inside it (checked there, by the gate).
  if (cwd !== undefined) {
    if (rootfs === undefined) checkDir('cwd', cwd);
    else if (typeof cwd !== 'string' || !cwd.startsWith('/')) throw invalid('cwd', 'with a rootfs, must be an absolute path inside it');
  }
  if (stdio !== undefined && stdio !== 'inherit') throw invalid('stdio', `${JSON.stringify(stdio)}: only "inherit" is supported`);
  const security = securityPlan(opts);
  if (!security.privileged && !GATE_CONFINES) {
    throw invalid(
      'privileged',
      "neither perl (perl-base) nor setpriv (util-linux) was found: nsrun drops the container's capabilities with one of them; install one, or run it privileged",
    );
  }
  if (process.getuid?.() !== 0) {
    throw new RunnerError(
      'privileges',
      `nsrun run needs root, or a user namespace: as uid ${String(process.getuid?.())}, run it through the nsrun executable (bin/nsrun), which makes one first`,
    );
  }
  return security;
}
