import { Args, HelpRequest, isHelp, matches } from '../args.js';
import type { Io } from '../io.js';
import { IpContext, type IpOptions } from './context.js';
import { ADDR_USAGE, parseAddr, runAddr, type AddrCommand } from './addr.js';
import { LINK_USAGE, parseLink, runLink, type LinkCommand } from './link.js';
import { MONITOR_USAGE, parseMonitor, runMonitor, type MonitorCommand } from './monitor.js';
import { NEIGH_USAGE, parseNeigh, runNeigh, type NeighCommand } from './neigh.js';
import { ROUTE_USAGE, parseRoute, runRoute, type RouteCommand } from './route.js';

// `nsrun ip`: global options, then the object (abbreviated as ip abbreviates it), then the
// object's command. Parsing is pure; only running opens a netlink socket.

export const IP_USAGE = `Usage: nsrun ip [OPTIONS] OBJECT { COMMAND | help }
OBJECT  := link | address | route | neigh | monitor
OPTIONS := -j[son] | -p[retty] | -4 | -6 | -f[amily] inet|inet6 | -n[etns] NAME|PID | -h[elp]
  -j        print JSON in the shapes of \`ip -j\`
  -n NAME   run inside the network namespace /run/netns/NAME (or of process PID)
`;

export type IpInvocation =
  | { object: 'link'; opts: IpOptions; command: LinkCommand }
  | { object: 'address'; opts: IpOptions; command: AddrCommand }
  | { object: 'route'; opts: IpOptions; command: RouteCommand }
  | { object: 'neigh'; opts: IpOptions; command: NeighCommand }
  | { object: 'monitor'; opts: IpOptions; command: MonitorCommand };

type ObjectName = IpInvocation['object'];

// ip's object table in ip's order, so an abbreviation resolves as it does in ip ("ip m" is
// maddress there, so it is refused here rather than meaning monitor).
const OBJECTS: readonly (readonly [string, ObjectName | undefined])[] = [
  ['address', 'address'], ['addrlabel', undefined], ['maddress', undefined], ['route', 'route'], ['rule', undefined],
  ['neighbor', 'neigh'], ['neighbour', 'neigh'], ['ntable', undefined], ['ntbl', undefined], ['link', 'link'],
  ['l2tp', undefined], ['fou', undefined], ['ila', undefined], ['macsec', undefined], ['tunnel', undefined],
  ['tuntap', undefined], ['tap', undefined], ['token', undefined], ['tcpmetrics', undefined], ['tcp_metrics', undefined],
  ['monitor', 'monitor'], ['xfrm', undefined], ['mroute', undefined], ['mrule', undefined], ['netns', undefined],
  ['netconf', undefined], ['vrf', undefined], ['sr', undefined], ['nexthop', undefined], ['mptcp', undefined],
  ['ioam', undefined], ['stats', undefined],
];

const USAGES: Record<ObjectName, string> = { link: LINK_USAGE, address: ADDR_USAGE, route: ROUTE_USAGE, neigh: NEIGH_USAGE, monitor: MONITOR_USAGE };

/** Parses `nsrun ip ...` (the words after "ip"). Throws UsageError, ValidationError or HelpRequest. */
export function parseIp(argv: readonly string[]): IpInvocation {
  const a = new Args(argv, 'ip', IP_USAGE);
  const opts: IpOptions = { json: false, pretty: false, family: undefined, netns: undefined };
  for (let w = a.peek(); w !== undefined && w.startsWith('-') && w.length > 1; w = a.peek()) {
    a.next();
    const opt = w.startsWith('--') ? w.slice(1) : w;
    if (isHelp(opt) || matches(opt, '-help')) throw new HelpRequest(IP_USAGE);
    if (opt === '-4') opts.family = 4;
    else if (opt === '-6') opts.family = 6;
    else if (opt === '-j' || matches(opt, '-json')) opts.json = true;
    else if (opt === '-p' || matches(opt, '-pretty')) opts.pretty = true;
    else if (opt === '-n' || matches(opt, '-netns')) opts.netns = a.need('namespace name or pid after -n');
    else if (opt === '-f' || matches(opt, '-family')) {
      const f = a.need('family after -f');
      if (f === 'inet') opts.family = 4;
      else if (f === 'inet6') opts.family = 6;
      else throw a.error(`unsupported family ${JSON.stringify(f)} (inet or inet6)`);
    } else throw a.error(`unknown option ${JSON.stringify(w)}`);
  }
  const word = a.next();
  if (word === undefined) throw a.error('missing object (link, address, route, neigh or monitor)');
  if (isHelp(word)) throw new HelpRequest(IP_USAGE);
  const entry = OBJECTS.find(([k]) => matches(word, k));
  if (!entry) throw a.error(`unknown object ${JSON.stringify(word)}`);
  const object = entry[1];
  if (object === undefined) throw a.error(`object "${entry[0]}" is not implemented by nsrun ip (only link, address, route, neigh, monitor)`);
  const rest = a.rest();
  if (isHelp(rest[0]) || rest[0] === 'help') throw new HelpRequest(USAGES[object]);
  switch (object) {
    case 'link': return { object, opts, command: parseLink(rest) };
    case 'address': return { object, opts, command: parseAddr(rest) };
    case 'route': return { object, opts, command: parseRoute(rest, opts.family) };
    case 'neigh': return { object, opts, command: parseNeigh(rest) };
    case 'monitor': return { object, opts, command: parseMonitor(rest) };
  }
}

/** Runs a parsed invocation with a client in the chosen namespace; always closes it. */
export async function runIp(inv: IpInvocation, io: Io): Promise<void> {
  const ctx = IpContext.open(inv.opts, io);
  try {
    switch (inv.object) {
      case 'link': return await runLink(ctx, inv.command);
      case 'address': return await runAddr(ctx, inv.command);
      case 'route': return await runRoute(ctx, inv.command);
      case 'neigh': return await runNeigh(ctx, inv.command);
      case 'monitor': return await runMonitor(ctx, inv.command);
    }
  } finally {
    ctx.close();
  }
}

