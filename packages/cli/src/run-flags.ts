import type { NetMode, RunOptions } from '@nsrun/runner';
import { FlagError, type FlagSpec } from './flags.js';

// The options of `nsrun run`, one row each: the parser's spec, the usage's Options part and
// what each gives RunOptions are made from this table (run.ts). A new option is one row here
// (and its field in the runner); rules between options (--tty or --no-tty) stay in parseRun.
// `nsrun net attach` takes the network options marked `attach` from here too (containers.ts),
// and their one rule, checkPublishForce.

/** RunOptions while parseRun fills it in. */
export type RunOptionsDraft = { -readonly [K in keyof RunOptions]: RunOptions[K] };

interface Common {
  /** The option's name, e.g. `--net`. */
  readonly flag: string;
  /** Other spellings, e.g. `-p`. */
  readonly alias?: readonly string[];
  /** Where it is listed in the usage. */
  readonly group: RunFlagGroup;
  /** The usage's lines for it: the first beside the flag (or under a long one), the others under it. */
  readonly help: readonly string[];
  /** The --net modes it works with (another --net is bad usage); absent: all. */
  readonly nets?: readonly NetMode[];
  /** Also an option of `nsrun net attach`, with the same meaning (what it gives is a field of AttachOptions). */
  readonly attach?: true;
}

/**
 * One option. `to` says what it gives RunOptions, from its value (`one`), its values in
 * order (`many`, repeatable) or its presence (`flag`); without `to`, parseRun reads it itself
 * (--help, --verbose, --tty, --json ...).
 */
export type RunFlag = Common &
  (
    | { readonly kind: 'flag'; readonly to?: () => Partial<RunOptions> }
    | { readonly kind: 'one'; readonly value: string; readonly to?: (v: string) => Partial<RunOptions> }
    | { readonly kind: 'many'; readonly value: string; readonly to?: (v: readonly string[]) => Partial<RunOptions> }
  );

export type RunFlagGroup = 'Network' | 'Files and confinement' | 'The command' | 'nsrun itself';
const GROUPS: readonly RunFlagGroup[] = ['Network', 'Files and confinement', 'The command', 'nsrun itself'];

const NET_MODES: readonly NetMode[] = ['bridge', 'none', 'host', 'slirp4netns', 'pasta'];
const BRIDGE: readonly NetMode[] = ['bridge'];

export const RUN_FLAGS: readonly RunFlag[] = [
  {
    flag: '--net',
    kind: 'one',
    value: NET_MODES.join('|'),
    group: 'Network',
    help: [
      'bridge (default as root): own network namespace on a host bridge;',
      "none: only lo, up; host: share nsrun's network namespace;",
      'slirp4netns, pasta: user-mode networking, for a user who is not root',
      '(default there: slirp4netns, else pasta, when it works)',
    ],
    to: (v) => {
      if (!(NET_MODES as readonly string[]).includes(v)) throw new FlagError(`--net ${JSON.stringify(v)}: must be bridge, none, host, slirp4netns or pasta`);
      return { net: v as NetMode };
    },
  },
  {
    flag: '--bridge',
    attach: true,
    kind: 'one',
    value: 'NAME',
    group: 'Network',
    nets: BRIDGE,
    help: ['bridge to attach to (default brg0; created if absent)'],
    to: (bridge) => ({ bridge }),
  },
  {
    flag: '--subnet',
    attach: true,
    kind: 'one',
    value: 'CIDR',
    group: 'Network',
    nets: BRIDGE,
    help: ["the bridge's address and subnet (default 10.10.10.1/24)"],
    to: (subnet) => ({ subnet }),
  },
  {
    flag: '--ip',
    attach: true,
    kind: 'one',
    value: 'ADDR[/LEN]',
    group: 'Network',
    nets: BRIDGE,
    help: ['a fixed address in the subnet (default: the next free one)'],
    to: (ip) => ({ ip }),
  },
  {
    flag: '--nat',
    attach: true,
    kind: 'flag',
    group: 'Network',
    nets: BRIDGE,
    help: [
      "masquerade the container's traffic leaving the host through any other",
      'interface than the bridge (rules in nf_tables table "ip nsrun"; turns',
      'on IPv4 forwarding, which stays on)',
    ],
    to: () => ({ nat: true }),
  },
  {
    flag: '--publish',
    attach: true,
    alias: ['-p'],
    kind: 'many',
    value: '[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]',
    group: 'Network',
    nets: ['bridge', 'slirp4netns', 'pasta'],
    help: [
      'forward a host port to the container (DNAT; repeatable). HOSTIP must',
      'be an address of this host; a port a host service listens on (on',
      '0.0.0.0, HOSTIP or, without HOSTIP, any address but 127/8) is refused;',
      'with slirp4netns or pasta the helper listens on HOSTPORT (>= 1024)',
    ],
    to: (publish) => ({ publish }),
  },
  {
    flag: '--publish-force',
    attach: true,
    kind: 'flag',
    group: 'Network',
    help: ['publish such a port anyway: the container takes its connections'],
    to: () => ({ publishForce: true }),
  },
  {
    flag: '--dns',
    kind: 'many',
    value: 'IP',
    group: 'Network',
    help: ["a nameserver for the container's own /etc/resolv.conf (repeatable;", "default: the host's; for systemd-resolved's stub, its upstream servers)"],
    to: (dns) => ({ dns }),
  },
  {
    flag: '--rootfs',
    kind: 'one',
    value: 'DIR',
    group: 'Files and confinement',
    help: [
      'switch to DIR as the root file system (pivot_root); without it CMD',
      "shares the host's files (and devices) as root: use a rootfs to contain",
      'untrusted code',
    ],
    to: (rootfs) => ({ rootfs }),
  },
  {
    flag: '--cap-add',
    kind: 'many',
    value: 'CAP',
    group: 'Files and confinement',
    help: ["add a capability to the default set (docker's 14) (repeatable; ALL)"],
    to: (capAdd) => ({ capAdd }),
  },
  {
    flag: '--cap-drop',
    kind: 'many',
    value: 'CAP',
    group: 'Files and confinement',
    help: ['drop a capability from it (repeatable; ALL drops all)'],
    to: (capDrop) => ({ capDrop }),
  },
  {
    flag: '--security-opt',
    kind: 'many',
    value: 'seccomp=unconfined|no-new-privileges=false',
    group: 'Files and confinement',
    help: ["no seccomp filter (default: docker's default profile, through perl);", 'keep set-uid programs working (default: no_new_privs)'],
    to: securityOpts,
  },
  {
    flag: '--privileged',
    kind: 'flag',
    group: 'Files and confinement',
    help: ['no confinement: every capability, no filter, writable /sys and /proc/sys'],
    to: () => ({ privileged: true }),
  },
  {
    flag: '--hostname',
    kind: 'one',
    value: 'NAME',
    group: 'The command',
    help: ["host name inside (default: a copy of the host's)"],
    to: (hostname) => ({ hostname }),
  },
  {
    flag: '--tty',
    alias: ['-t'],
    kind: 'flag',
    group: 'The command',
    help: ['give CMD a terminal of its own (default when stdin and stdout are', 'terminals)'],
  },
  {
    flag: '--no-tty',
    kind: 'flag',
    group: 'The command',
    help: ['pass stdin, stdout, stderr straight through (default otherwise)'],
  },
  {
    flag: '--init',
    kind: 'flag',
    group: 'The command',
    help: ['run CMD under a minimal PID 1 that reaps orphans and forwards signals'],
    to: () => ({ init: true }),
  },
  {
    flag: '--env',
    kind: 'many',
    value: 'K=V',
    group: 'The command',
    help: ["set a variable for CMD (repeatable; added to nsrun's environment)"],
    to: (list) => {
      const env: Record<string, string> = {};
      for (const kv of list) {
        const at = kv.indexOf('=');
        if (at <= 0) throw new FlagError(`--env ${JSON.stringify(kv)}: must be KEY=VALUE`);
        env[kv.slice(0, at)] = kv.slice(at + 1);
      }
      return { env };
    },
  },
  {
    flag: '--workdir',
    kind: 'one',
    value: 'DIR',
    group: 'The command',
    help: ['working directory of CMD (inside the rootfs with --rootfs)'],
    to: (cwd) => ({ cwd }),
  },
  {
    flag: '--stop-timeout',
    kind: 'one',
    value: 'SEC',
    group: 'The command',
    help: ['after a stop signal (TERM, INT, HUP, QUIT), kill the container after SEC', 'seconds (default 10); a second stop signal kills at once'],
    to: (v) => {
      if (!/^\d+(\.\d+)?$/.test(v)) throw new FlagError(`--stop-timeout ${JSON.stringify(v)}: must be a number of seconds`);
      return { stopTimeout: Number(v) };
    },
  },
  {
    flag: '--state-dir',
    kind: 'one',
    value: 'DIR',
    group: 'nsrun itself',
    help: ['leases and records (default /run/nsrun; for a user who is not root', '$XDG_RUNTIME_DIR/nsrun, else /tmp/nsrun-UID)'],
    to: (stateDir) => ({ stateDir }),
  },
  {
    flag: '--json',
    kind: 'flag',
    group: 'nsrun itself',
    help: ['lifecycle events (started, exited, failed) as JSON lines on stderr'],
  },
  {
    flag: '--json-fd',
    kind: 'one',
    value: 'FD',
    group: 'nsrun itself',
    help: ["... on file descriptor FD instead (never mixed with CMD's stdout); FD", "must be one nsrun's parent passed open for writing"],
  },
  {
    flag: '--verbose',
    alias: ['-v'],
    kind: 'flag',
    group: 'nsrun itself',
    help: ['print each setup step and its time to stderr'],
  },
  {
    flag: '--help',
    alias: ['-h'],
    kind: 'flag',
    group: 'nsrun itself',
    help: ['this text'],
  },
];

/** The options `nsrun net attach` shares with run. */
export const ATTACH_FLAGS: readonly RunFlag[] = RUN_FLAGS.filter((f) => f.attach);

/** The rule between the network options, for run and net attach alike. */
export function checkPublishForce(opts: Pick<RunOptions, 'publish' | 'publishForce'>): void {
  if (opts.publishForce && opts.publish === undefined) throw new FlagError('--publish-force needs --publish');
}

/** docker's --security-opt spellings that nsrun has: seccomp=unconfined|default, no-new-privileges[=true|false]. */
function securityOpts(list: readonly string[]): Pick<RunOptions, 'seccomp' | 'noNewPrivileges'> {
  const out: { seccomp?: 'default' | 'unconfined'; noNewPrivileges?: boolean } = {};
  for (const o of list) {
    const [k, v] = o.includes('=') ? [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] : [o, undefined];
    if (k === 'seccomp' && (v === 'unconfined' || v === 'default')) out.seccomp = v;
    else if (k === 'no-new-privileges' && (v === undefined || v === 'true' || v === 'false')) out.noNewPrivileges = v !== 'false';
    else throw new FlagError(`--security-opt ${JSON.stringify(o)}: nsrun knows seccomp=unconfined|default and no-new-privileges[=true|false]`);
  }
  return out;
}

/** The parser's spec (flags.ts) of these options. */
export function runFlagSpec(flags: readonly RunFlag[] = RUN_FLAGS): Record<string, FlagSpec> {
  const spec: Record<string, FlagSpec> = {};
  for (const f of flags)
    spec[f.flag] = { ...(f.alias && { alias: f.alias }), ...(f.kind !== 'flag' && { value: true }), ...(f.kind === 'many' && { repeat: true }) };
  return spec;
}

/** Where the help text starts: a flag longer than this gets a line of its own. */
const HELP_COLUMN = 22;

/** The usage's options, group by group, the help aligned in one column. */
export function runFlagUsage(flags: readonly RunFlag[] = RUN_FLAGS): string {
  const out: string[] = [];
  for (const group of GROUPS) {
    const rows = flags.filter((f) => f.group === group);
    if (!rows.length) continue;
    out.push(`${group}:`);
    for (const f of rows) {
      const label = `  ${[f.flag, ...(f.alias ?? [])].join(', ')}${f.kind === 'flag' ? '' : ` ${f.value}`}`;
      const [first, ...more] = f.help;
      if (label.length + 2 <= HELP_COLUMN) out.push(`${label.padEnd(HELP_COLUMN)}${first}`);
      else out.push(label, `${' '.repeat(HELP_COLUMN)}${first}`);
      for (const line of more) out.push(`${' '.repeat(HELP_COLUMN)}${line}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** What the given options give RunOptions, row by row (`given`: parseFlags' result for each flag). */
export function runFlagOptions(given: ReadonlyMap<string, true | string | string[]>, flags: readonly RunFlag[] = RUN_FLAGS): Partial<RunOptions> {
  const opts: Partial<RunOptionsDraft> = {};
  for (const f of flags) {
    const v = given.get(f.flag);
    if (v === undefined || f.to === undefined) continue;
    if (f.kind === 'flag') Object.assign(opts, f.to());
    else if (f.kind === 'one' && typeof v === 'string') Object.assign(opts, f.to(v));
    else if (f.kind === 'many' && Array.isArray(v)) Object.assign(opts, f.to(v));
  }
  return opts;
}
