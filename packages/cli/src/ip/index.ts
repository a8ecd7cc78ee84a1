import { Args, HelpRequest, isHelp, matches } from '../args.js';
import type { Io } from '../io.js';
import { IpContext, type IpOptions } from './context.js';
import { ADDR_USAGE, parseAddr, runAddr, type AddrCommand } from './addr.js';
import { runBatch } from './batch.js';
import { LINK_USAGE, parseLink, runLink, type LinkCommand } from './link.js';
import { MONITOR_USAGE, parseMonitor, runMonitor, type MonitorCommand } from './monitor.js';
import { NEIGH_USAGE, parseNeigh, runNeigh, type NeighCommand } from './neigh.js';
import { NETNS_USAGE, parseNetns, runNetns, type NetnsCommand } from './netns.js';
import { ROUTE_USAGE, parseRoute, runRoute, type RouteCommand } from './route.js';

// `nsrun ip`: global options, then the object (abbreviated as ip abbreviates it), then the
// object's command; or -batch FILE, one such command per line. Parsing is pure; only running
// opens a netlink socket.

export const IP_USAGE = `Usage: nsrun ip [OPTIONS] OBJECT { COMMAND | help }
       nsrun ip [-force] -batch FILENAME|-
OBJECT  := link | address | route | neigh | netns | monitor
OPTIONS := -j[son] | -p[retty] | -s[tatistics] | -d[etails] | -o[neline] | -br[ief] |
           -4 | -6 | -f[amily] inet|inet6 | -n[etns] NAME|PID | -a[ll] | -h[elp]
  -j        print JSON in the shapes of \`ip -j\` (-p: indented)
  -s        counters (-s -s: the error counters too)     (link, address)
  -d        details: the link kind's settings, bridge ports, queues, sizes...
  -o        each object on one line, its line breaks shown as "\\"
  -br       one short line per link: name, state, address (link) or addresses (address)
  -n NAME   run inside the network namespace /run/netns/NAME (or of process PID)
  -a        with netns exec and netns delete: every named namespace
  -batch F  run the commands of file F (- for standard input), one per line; the changes
            are sent through netlink in bulk. A failing line stops the batch unless -force.
Try "nsrun ip OBJECT help".
`;

/** One `OBJECT COMMAND...` (a command line, or a line of a batch). */
export type IpCommand =
  | { object: 'link'; command: LinkCommand }
  | { object: 'address'; command: AddrCommand }
  | { object: 'route'; command: RouteCommand }
  | { object: 'neigh'; command: NeighCommand }
  | { object: 'netns'; command: NetnsCommand }
  | { object: 'monitor'; command: MonitorCommand };

export type IpInvocation = (IpCommand & { opts: IpOptions }) | { object: 'batch'; opts: IpOptions; file: string };

type ObjectName = IpCommand['object'];

// ip's object table in ip's order, so an abbreviation resolves as it does in ip ("ip m" is
// maddress there, so it is refused here rather than meaning monitor).
const OBJECTS: readonly (readonly [string, ObjectName | undefined])[] = [
  ['address', 'address'],
  ['addrlabel', undefined],
  ['maddress', undefined],
  ['route', 'route'],
  ['rule', undefined],
  ['neighbor', 'neigh'],
  ['neighbour', 'neigh'],
  ['ntable', undefined],
  ['ntbl', undefined],
  ['link', 'link'],
  ['l2tp', undefined],
  ['fou', undefined],
  ['ila', undefined],
  ['macsec', undefined],
  ['tunnel', undefined],
  ['tunl', undefined],
  ['tuntap', undefined],
  ['tap', undefined],
  ['token', undefined],
  ['tcpmetrics', undefined],
  ['tcp_metrics', undefined],
  ['monitor', 'monitor'],
  ['xfrm', undefined],
  ['mroute', undefined],
  ['mrule', undefined],
  ['netns', 'netns'],
  ['netconf', undefined],
  ['vrf', undefined],
  ['sr', undefined],
  ['nexthop', undefined],
  ['mptcp', undefined],
  ['ioam', undefined],
  ['help', undefined],
  ['stats', undefined],
];

const USAGES: Record<ObjectName, string> = {
  link: LINK_USAGE,
  address: ADDR_USAGE,
  route: ROUTE_USAGE,
  neigh: NEIGH_USAGE,
  netns: NETNS_USAGE,
  monitor: MONITOR_USAGE,
};
const IMPLEMENTED = 'link, address, route, neigh, netns, monitor';

/**
 * The global options in ip's order (ip.c main), so that an abbreviation means what it means
 * in ip: "-b" is -batch, "-br" -brief, "-f" -family, "-fo" -force. `take` consumes the value.
 */
const OPTIONS: readonly (readonly [string, (o: IpOptions, take: (what: string) => string, a: Args) => void])[] = [
  [
    '-family',
    (o, take, a) => {
      const f = take('family');
      if (f === 'inet') o.family = 4;
      else if (f === 'inet6') o.family = 6;
      else throw a.error(`unsupported family ${JSON.stringify(f)} (inet or inet6)`);
    },
  ],
  ['-stats', (o) => void (o.stats = (o.stats ?? 0) + 1)],
  ['-statistics', (o) => void (o.stats = (o.stats ?? 0) + 1)],
  ['-details', (o) => void (o.details = true)],
  ['-oneline', (o) => void (o.oneline = true)],
  ['-force', (o) => void (o.force = true)],
  ['-batch', (o, take) => void (o.batch = take('file name after -batch'))],
  ['-brief', (o) => void (o.brief = true)],
  ['-json', (o) => void (o.json = true)],
  ['-pretty', (o) => void (o.pretty = true)],
  ['-netns', (o, take) => void (o.netns = take('namespace name or pid after -n'))],
  ['-all', (o) => void (o.all = true)],
];

// Options of ip that nsrun ip does not have: named, so that the refusal says so.
const UNSUPPORTED = [
  '-loops',
  '-0',
  '-M',
  '-B',
  '-human',
  '-human-readable',
  '-iec',
  '-resolve',
  '-timestamp',
  '-tshort',
  '-Version',
  '-rcvbuf',
  '-color',
  '-Numeric',
  '-echo',
];

/** Parses `nsrun ip ...` (the words after "ip"). Throws UsageError, ValidationError or HelpRequest. */
export function parseIp(argv: readonly string[]): IpInvocation {
  const a = new Args(argv, 'ip', IP_USAGE);
  const opts: IpOptions = { json: false, pretty: false, family: undefined, netns: undefined };
  const take = (what: string): string => a.need(what);
  for (let w = a.peek(); w !== undefined && w.startsWith('-') && w.length > 1; w = a.peek()) {
    a.next();
    if (w === '--') break;
    const opt = w.startsWith('--') ? w.slice(1) : w;
    if (isHelp(opt) || matches(opt, '-help')) throw new HelpRequest(IP_USAGE);
    if (opt === '-4') opts.family = 4;
    else if (opt === '-6') opts.family = 6;
    else if (opt === '-j') opts.json = true;
    else if (opt === '-p') opts.pretty = true;
    else if (opt === '-n') opts.netns = take('namespace name or pid after -n');
    else {
      const known = OPTIONS.find(([name]) => matches(opt, name));
      const other = UNSUPPORTED.find((name) => matches(opt, name));
      // An abbreviation belongs to the option ip tries first (-f is -family, -s is -stats).
      if (known && (!other || OPTION_ORDER.indexOf(known[0]) < OPTION_ORDER.indexOf(other))) known[1](opts, take, a);
      else if (other) throw a.error(`option ${JSON.stringify(w)} (ip's ${other}) is not supported by nsrun ip`);
      else throw a.error(`unknown option ${JSON.stringify(w)}`);
    }
  }
  if (opts.batch !== undefined) {
    if (!a.done) throw a.error(`-batch takes no command (found ${JSON.stringify(a.peek())})`);
    return { object: 'batch', opts, file: opts.batch };
  }
  const words = a.rest();
  if (words.length === 0) throw a.error(`missing object (${IMPLEMENTED})`);
  return { ...parseCommand(words, opts), opts };
}

// ip.c's order of all of them, for abbreviations shared by a supported and an unsupported one.
const OPTION_ORDER = [
  '-loops',
  '-family',
  '-0',
  '-M',
  '-B',
  '-human',
  '-human-readable',
  '-iec',
  '-stats',
  '-statistics',
  '-details',
  '-resolve',
  '-oneline',
  '-timestamp',
  '-tshort',
  '-Version',
  '-force',
  '-batch',
  '-brief',
  '-json',
  '-pretty',
  '-rcvbuf',
  '-color',
  '-help',
  '-netns',
  '-Numeric',
  '-all',
  '-echo',
];

/** Parses `OBJECT COMMAND...`; `opts` gives the family and -all the parsers need. */
export function parseCommand(words: readonly string[], opts: IpOptions): IpCommand {
  const a = new Args(words, 'ip', IP_USAGE);
  const word = a.next() as string;
  if (isHelp(word)) throw new HelpRequest(IP_USAGE);
  const entry = OBJECTS.find(([k]) => matches(word, k));
  if (!entry) throw a.error(`unknown object ${JSON.stringify(word)} (nsrun ip has ${IMPLEMENTED})`);
  const object = entry[1];
  if (object === undefined) {
    if (entry[0] === 'help') throw new HelpRequest(IP_USAGE);
    throw a.error(`object "${entry[0]}" is not implemented by nsrun ip (only ${IMPLEMENTED})`);
  }
  const rest = a.rest();
  if (isHelp(rest[0]) || rest[0] === 'help') throw new HelpRequest(USAGES[object]);
  switch (object) {
    case 'link':
      return { object, command: parseLink(rest) };
    case 'address':
      return { object, command: parseAddr(rest) };
    case 'route':
      return { object, command: parseRoute(rest, opts.family) };
    case 'neigh':
      return { object, command: parseNeigh(rest) };
    case 'netns':
      return { object, command: parseNetns(rest, !!opts.all) };
    case 'monitor':
      return { object, command: parseMonitor(rest) };
  }
}

/** Runs one command with an open context; resolves to the exit status. */
export async function runCommand(ctx: IpContext, cmd: IpCommand, inBatch = false): Promise<number> {
  switch (cmd.object) {
    case 'link':
      await runLink(ctx, cmd.command);
      return 0;
    case 'address':
      await runAddr(ctx, cmd.command);
      return 0;
    case 'route':
      await runRoute(ctx, cmd.command);
      return 0;
    case 'neigh':
      await runNeigh(ctx, cmd.command);
      return 0;
    case 'netns':
      return runNetns(ctx, cmd.command, inBatch);
    case 'monitor':
      await runMonitor(ctx, cmd.command);
      return 0;
  }
}

/** Runs a parsed invocation with a client in the chosen namespace (always closed); the exit status. */
export async function runIp(inv: IpInvocation, io: Io): Promise<number> {
  const ctx = IpContext.open(inv.opts, io);
  try {
    if (inv.object === 'batch') return await runBatch(ctx, inv.file);
    return await runCommand(ctx, inv);
  } finally {
    ctx.close();
  }
}
