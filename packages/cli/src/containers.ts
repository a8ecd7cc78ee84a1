import { gc, natShow, netAttach, netDetach, netdAttach, netdDetach, netdList, ps, RunnerError } from '@nsrun/runner';
import { FlagError, int, parseFlags, str, type FlagSpec } from './flags.js';
import type { Io } from './io.js';
import { ATTACH_FLAGS, checkPublishForce, runFlagOptions, runFlagSpec, runFlagUsage } from './run-flags.js';

// `nsrun ps`, `nsrun gc`, `nsrun net attach|detach`: thin layers over @nsrun/runner. What
// they throw main reports (errors.ts): bad usage exits 2, failures 1 (one line naming the
// step), like the ip commands.

export const PS_USAGE = `Usage: nsrun ps [--json] [--state-dir DIR]
Lists running containers (and networks attached with "nsrun net attach"): id, pid, address,
host veth, command (as the record keeps it: a command cut at 4 KiB ends with "…"). Records it
cannot read, or cannot judge from here (another pid namespace's), are named on stderr.
`;
export const GC_USAGE = `Usage: nsrun gc [--bridges] [--json] [--state-dir DIR]
Removes what nsruns that were killed left behind: host veths and leases of containers whose
nsrun is gone, and veths stamped with this state directory that no record names. Records it
cannot read or judge keep their address and veth (and are named on stderr). With --bridges,
also the bridges nsrun created that no container uses. Safe to run at any time, and again;
a state directory that does not exist is nothing to do.
`;
export const NET_USAGE = `Usage: nsrun net attach --pid PID [NETWORK OPTIONS] [--json] [--state-dir DIR]
       nsrun net detach --pid PID [--state-dir DIR]
       nsrun net list [--json]                          (through netd)
       as a user other than root: [--socket PATH] instead of --state-dir, no --subnet or --publish-force
attach: wires the network namespace of a running process to the bridge, as nsrun run does
(veth pair, address, default route via the bridge), with nsrun run's network options:
${runFlagUsage(ATTACH_FLAGS)}detach: undoes it. A user other than root goes through nsrun netd (its socket: --socket, else
$NSRUN_NETD_SOCKET, else /run/nsrun/netd.sock), for a process in a network namespace of a user
namespace of their own, as netd's policy allows (bridge, count, --nat, --publish ports).
list: the attachments netd keeps for you.
`;

export const NAT_USAGE = `Usage: nsrun nat show [--json]
Lists the nf_tables rules nsrun added for --nat and --publish (table "ip nsrun", and accept
rules in "ip filter DOCKER-USER"), with the container each belongs to.
`;

const stateDir = (d: string | undefined): { stateDir?: string } => (d === undefined ? {} : { stateDir: d });

export async function runPs(argv: readonly string[], io: Io): Promise<number> {
  const p = parseFlags(argv, { '--help': { alias: ['-h'] }, '--json': {}, '--state-dir': { value: true } }, 'nsrun ps', false);
  if (p.flags.has('--help')) return (io.stdout(PS_USAGE), 0);
  // Warnings (records it cannot read or judge) on stderr: stdout stays the list, JSON or not.
  const list = ps({ ...stateDir(str(p, '--state-dir')), onWarning: (m) => io.stderr(`nsrun: ps: warning: ${m}\n`) });
  if (p.flags.has('--json')) {
    io.stdout(`${JSON.stringify(list)}\n`);
    return 0;
  }
  // A command the record keeps only the start of ends with "…".
  const command = (c: (typeof list)[number]): string =>
    c.cni
      ? `(cni ${c.cni.network}) ${c.cni.containerId} ${c.cni.ifname} ${c.cni.netns}`
      : `${c.kind === 'attach' ? '(attached) ' : ''}${c.command.join(' ')}${c.commandTruncated ? '…' : ''}`;
  const rows = [
    ['ID', 'PID', 'ADDRESS', 'VETH', 'COMMAND'],
    ...list.map((c) => [c.id, c.pid ? String(c.pid) : '-', c.address ?? '-', c.veth ?? '-', command(c)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  io.stdout(rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
  return 0;
}

export async function runGc(argv: readonly string[], io: Io): Promise<number> {
  const p = parseFlags(argv, { '--help': { alias: ['-h'] }, '--json': {}, '--bridges': {}, '--state-dir': { value: true } }, 'nsrun gc', false);
  if (p.flags.has('--help')) return (io.stdout(GC_USAGE), 0);
  const r = await gc({
    ...stateDir(str(p, '--state-dir')),
    bridges: p.flags.has('--bridges'),
    onWarning: (m) => io.stderr(`nsrun: gc: warning: ${m}\n`),
    ...(io.signal && { signal: io.signal }),
  });
  if (p.flags.has('--json')) io.stdout(`${JSON.stringify(r)}\n`);
  else {
    const parts = [
      `${r.containers.length} container record(s)`,
      `${r.veths.length} veth(s)`,
      ...(p.flags.has('--bridges') ? [`${r.bridges.length} bridge(s)`] : []),
    ];
    if (r.nat?.length) parts.push(`the nat rules of ${r.nat.length} container(s) without a record`);
    if (r.leases?.length) parts.push(`${r.leases.length} lease(s) without a record`);
    const names = [...r.containers, ...r.veths, ...r.bridges, ...(r.nat ?? []), ...(r.leases ?? [])];
    io.stdout(`removed ${parts.join(', ')}${names.length ? `: ${names.join(' ')}` : ''}\n`);
    if (r.kept?.length) io.stdout(`kept ${r.kept.length} record(s) it cannot judge (see the warnings): ${r.kept.join(' ')}\n`);
  }
  return 0;
}

export async function runNet(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    if (sub === undefined) throw new FlagError('missing attach, detach or list (try "nsrun net --help")');
    return (io.stdout(NET_USAGE), 0);
  }
  if (sub !== 'attach' && sub !== 'detach' && sub !== 'list') throw new FlagError(`unknown subcommand ${JSON.stringify(sub)}: attach, detach or list`);
  // Root wires namespaces itself; anyone else asks netd.
  const viaNetd = sub === 'list' || process.getuid?.() !== 0;
  const spec: Record<string, FlagSpec> =
    sub === 'attach'
      ? {
          '--help': { alias: ['-h'] },
          '--pid': { value: true },
          ...runFlagSpec(ATTACH_FLAGS),
          '--json': {},
          '--state-dir': { value: true },
          '--verbose': { alias: ['-v'] },
          '--socket': { value: true },
        }
      : sub === 'detach'
        ? { '--help': { alias: ['-h'] }, '--pid': { value: true }, '--json': {}, '--state-dir': { value: true }, '--socket': { value: true } }
        : { '--help': { alias: ['-h'] }, '--json': {}, '--socket': { value: true } };
  const p = parseFlags(rest, spec, `nsrun net ${sub}`, false);
  if (p.flags.has('--help')) return (io.stdout(NET_USAGE), 0);
  if (viaNetd) return netViaNetd(sub, p, io);
  if (p.flags.has('--socket')) throw new FlagError('--socket is for users other than root (root wires namespaces itself)');
  // run's network options (run-flags.ts): what each gives, and their rule, checked as run checks them.
  const net = runFlagOptions(p.flags, ATTACH_FLAGS);
  checkPublishForce(net);
  const pid = int(p, '--pid');
  if (pid === undefined) throw new FlagError(`${sub} needs --pid PID`);
  if (sub === 'detach') {
    const r = await netDetach({
      pid,
      ...stateDir(str(p, '--state-dir')),
      ...(io.signal && { signal: io.signal }),
      onWarning: (m) => io.stderr(`nsrun: net: warning: ${m}\n`),
    });
    io.stdout(p.flags.has('--json') ? `${JSON.stringify(r)}\n` : `detached ${r.ids.join(' ')}\n`);
    return 0;
  }
  const opts: Parameters<typeof netAttach>[0] = {
    pid,
    ...net,
    ...stateDir(str(p, '--state-dir')),
    onWarning: (m: string) => io.stderr(`nsrun: net: warning: ${m}\n`),
    ...(io.signal && { signal: io.signal }),
  };
  if (p.flags.has('--verbose')) {
    opts.log = (step, ms) => io.stderr(`nsrun: net: ${step} ${ms.toFixed(2)} ms\n`);
    opts.onNotice = (m) => io.stderr(`nsrun: net: ${m}\n`);
  }
  const a = await netAttach(opts);
  io.stdout(p.flags.has('--json') ? `${JSON.stringify(a)}\n` : `attached ${a.id}: pid ${a.pid} address ${a.address} veth ${a.veth} bridge ${a.bridge}\n`);
  return 0;
}

/** `net attach|detach|list` through nsrun netd (a user other than root, or list). */
async function netViaNetd(sub: 'attach' | 'detach' | 'list', p: ReturnType<typeof parseFlags>, io: Io): Promise<number> {
  for (const [flag, why] of [
    ['--state-dir', 'netd keeps its own state'],
    ['--subnet', "the subnet is the bridge's, as netd's policy sets it"],
    ['--publish-force', 'only root may publish over a host service'],
    ['--verbose', 'the steps run in netd'],
  ] as const) {
    if (p.flags.has(flag)) throw new FlagError(`${flag} is for root only (${why})`);
  }
  const o = { socket: str(p, '--socket'), signal: io.signal };
  const json = p.flags.has('--json');
  if (sub === 'list') {
    const list = await netdList(o);
    if (json) return (io.stdout(`${JSON.stringify(list)}\n`), 0);
    const rows = [['ID', 'PID', 'ADDRESS', 'BRIDGE', 'VETH'], ...list.map((a) => [a.id, String(a.pid), a.ip, a.bridge, a.veth])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    io.stdout(rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
    return 0;
  }
  const pid = int(p, '--pid');
  if (pid === undefined) throw new FlagError(`${sub} needs --pid PID`);
  if (sub === 'detach') {
    const r = await netdDetach({ pid }, o);
    io.stdout(json ? `${JSON.stringify(r)}\n` : `detached ${r.ids.join(' ')}\n`);
    return 0;
  }
  const { bridge, ip, nat, publish } = runFlagOptions(p.flags, ATTACH_FLAGS);
  const { release: _release, ...a } = await netdAttach(
    {
      pid,
      ...(bridge !== undefined && { bridge }),
      ...(ip !== undefined && { ip }),
      ...(nat && { nat }),
      ...(publish !== undefined && { publish }),
    },
    o,
  );
  io.stdout(
    json ? `${JSON.stringify({ ...a, address: a.ip })}\n` : `attached ${a.id}: pid ${a.pid} address ${a.ip} veth ${a.veth} bridge ${a.bridge} (through netd)\n`,
  );
  return 0;
}

export async function runNat(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') return (io.stdout(NAT_USAGE), 0);
  if (sub !== 'show') throw new FlagError(sub === undefined ? 'missing show (try "nsrun nat --help")' : `unknown subcommand ${JSON.stringify(sub)}: show`);
  const p = parseFlags(rest, { '--help': { alias: ['-h'] }, '--json': {} }, 'nsrun nat show', false);
  if (p.flags.has('--help')) return (io.stdout(NAT_USAGE), 0);
  if (process.getuid?.() !== 0) throw new RunnerError('privileges', 'nsrun nat show needs root (CAP_NET_ADMIN to read nf_tables)');
  const list = await natShow();
  if (p.flags.has('--json')) {
    io.stdout(`${JSON.stringify(list)}\n`);
    return 0;
  }
  const rows = [['ID', 'CHAIN', 'HANDLE', 'RULE'], ...list.map((r) => [r.id ?? '-', `${r.family} ${r.table} ${r.chain}`, String(r.handle ?? '-'), r.rule])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  io.stdout(rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
  return 0;
}
