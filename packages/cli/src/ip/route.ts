import * as C from '@nsrun/netlink/constants';
import {
  checkIfname,
  checkPrefix,
  linkGet,
  routeGet,
  routeList,
  routeRequest,
  type LinkRef,
  type NextHopSpec,
  type RtnlRequest,
  type Route,
  type RouteQuery,
  type RouteSpec,
  type RouteType,
} from '@nsrun/netlink';
import { Args, parseUint, pick } from '../args.js';
import type { IpContext, Resolver } from './context.js';
import { protocols, routeTypes, scopes, tables } from './names.js';
import { covers, parseCidr, sameCidr, type Cidr } from './prefix.js';
import { routeView } from './view-route.js';

// `nsrun ip route show | add | replace | append | del`.

export const ROUTE_USAGE = `Usage: nsrun ip route show [table TABLE|all] [dev DEV] [proto PROTO] [type TYPE] [scope SCOPE]
                          [root PREFIX] [match PREFIX] [exact PREFIX | PREFIX]
       nsrun ip route add|replace|append|del [TYPE] PREFIX|default [via GW] [dev DEV] [src ADDR]
                          [metric N] [table TABLE] [scope SCOPE] [proto PROTO] [mtu N] [onlink]
                          [nexthop via GW dev DEV [weight W] [onlink]]...
       nsrun ip route get [to] ADDRESS [from ADDRESS] [iif DEV] [oif DEV] [mark N] [uid N] [fibmatch]
TYPE  := unicast | local | broadcast | multicast | anycast | blackhole | unreachable | prohibit | throw | nat
TABLE := main | local | default | N
SCOPE := global | site | link | host | nowhere | N
PROTO := boot | static | kernel | dhcp | ra | N
`;

export interface RouteShowFilter {
  table: number | 'all';
  dev?: string;
  protocol?: number;
  type?: RouteType;
  scope?: number;
  root?: Cidr;
  match?: Cidr;
  exact?: Cidr;
}

export type RouteCommand =
  { op: 'show'; filter: RouteShowFilter } | { op: 'get'; query: RouteQuery } | { op: 'add' | 'replace' | 'append' | 'del'; spec: RouteSpec };

const SUBCOMMANDS = [
  ['add', 'add'],
  ['change', 'replace'],
  ['replace', 'replace'],
  ['append', 'append'],
  ['delete', 'del'],
  ['list', 'show'],
  ['show', 'show'],
  ['lst', 'show'],
  ['get', 'get'],
] as const;

export function parseRoute(argv: readonly string[], family?: 4 | 6): RouteCommand {
  const top = new Args(argv, 'ip route', ROUTE_USAGE);
  top.helpCheck();
  const word = top.next();
  if (word === undefined) return { op: 'show', filter: { table: C.RT_TABLE_MAIN } };
  const sub = pick(word, SUBCOMMANDS);
  if (!sub) throw top.error(`unknown command ${JSON.stringify(word)}`);
  const a = new Args(top.rest(), `ip route ${sub}`, ROUTE_USAGE);
  a.helpCheck();
  if (sub === 'show') return { op: 'show', filter: parseShow(a, family) };
  if (sub === 'get') return { op: 'get', query: parseGet(a, family) };
  return { op: sub, spec: parseSpec(a, family) };
}

function parseGet(a: Args, family: 4 | 6 | undefined): RouteQuery {
  const q: Partial<RouteQuery> = {};
  const fam = family === undefined ? {} : { family };
  while (!a.done) {
    const w = a.next() as string;
    switch (w) {
      case 'from': {
        const v = a.need('source address');
        checkPrefix('from', v, fam);
        q.from = v;
        break;
      }
      case 'iif':
        q.iif = checkIfname('iif', a.need('input device'));
        break;
      case 'oif':
      case 'dev':
        q.oif = checkIfname('oif', a.need('output device'));
        break;
      case 'mark':
        q.mark = a.uint('mark');
        break;
      case 'uid':
        q.uid = a.uint('uid');
        break;
      case 'fibmatch':
        q.fibMatch = true;
        break;
      default: {
        const to = w === 'to' ? a.need('address') : w;
        if (q.to !== undefined) throw a.garbage(to);
        const p = checkPrefix('address', to, fam);
        if (p.prefixlen !== (p.family === 4 ? 32 : 128))
          throw a.error(`${JSON.stringify(to)}: a route is looked up for one address (/${p.family === 4 ? 32 : 128} or none)`);
        q.to = to;
      }
    }
  }
  if (q.to === undefined) throw a.error('missing destination address');
  return q as RouteQuery;
}

function table(a: Args, allowAll: boolean): number | 'all' {
  const w = a.need('table');
  if (allowAll && (w === 'all' || w === 'cache')) return 'all';
  const n = tables.number(w);
  if (n === undefined || n < 1 || n > 0xffffffff) throw a.error(`invalid table ${JSON.stringify(w)}`);
  return n;
}

function named(a: Args, what: string, lookup: (s: string) => number | undefined, max: number): number {
  const w = a.need(what);
  const n = lookup(w);
  if (n === undefined || n > max) throw a.error(`invalid ${what} ${JSON.stringify(w)}`);
  return n;
}

function routeType(a: Args): RouteType {
  const w = a.need('route type');
  const n = routeTypes.number(w);
  if (n === undefined || n < 1 || n > C.RTN_NAT || /^\d/.test(w)) throw a.error(`invalid route type ${JSON.stringify(w)}`);
  return routeTypes.name(n) as RouteType;
}

function parseShow(a: Args, family: 4 | 6 | undefined): RouteShowFilter {
  const f: RouteShowFilter = { table: C.RT_TABLE_MAIN };
  while (!a.done) {
    const w = a.next() as string;
    switch (w) {
      case 'table':
        f.table = table(a, true);
        break;
      case 'dev':
      case 'oif':
        f.dev = checkIfname('dev', a.need('device name'));
        break;
      case 'proto':
      case 'protocol':
        f.protocol = named(a, 'protocol', protocols.number, 255);
        break;
      case 'type':
        f.type = routeType(a);
        break;
      case 'scope':
        f.scope = named(a, 'scope', scopes.number, 255);
        break;
      case 'root':
        f.root = parseCidr('root', a.need('prefix'), family);
        break;
      case 'match':
        f.match = parseCidr('match', a.need('prefix'), family);
        break;
      case 'exact':
      case 'to':
        f.exact = parseCidr('prefix', a.need('prefix'), family);
        break;
      default:
        if (f.exact) throw a.garbage(w);
        f.exact = parseCidr('prefix', w, family);
    }
  }
  return f;
}

function parseSpec(a: Args, family: 4 | 6 | undefined): RouteSpec {
  const spec: Partial<RouteSpec> = {};
  const hops: NextHopSpec[] = [];
  let hop: NextHopSpec | undefined;
  const via = (): string => {
    const w = a.need('gateway');
    return w === 'inet' || w === 'inet6' ? a.need('gateway') : w;
  };
  while (!a.done) {
    const w = a.next() as string;
    if (hop) {
      // Inside "nexthop ...": its own via/dev/weight/onlink until the next "nexthop".
      if (w === 'via') {
        hop.gateway = via();
        continue;
      }
      if (w === 'dev') {
        hop.dev = checkIfname('dev', a.need('device name'));
        continue;
      }
      if (w === 'weight') {
        hop.weight = a.uint('weight', 1, 256);
        continue;
      }
      if (w === 'onlink') {
        hop.onlink = true;
        continue;
      }
      if (w !== 'nexthop') throw a.garbage(w);
    }
    switch (w) {
      case 'nexthop':
        hop = {};
        hops.push(hop);
        break;
      case 'via':
        spec.gateway = via();
        break;
      case 'dev':
      case 'oif':
        spec.dev = checkIfname('dev', a.need('device name'));
        break;
      case 'src':
        spec.src = a.need('source address');
        break;
      case 'metric':
      case 'priority':
      case 'preference':
        spec.metric = a.uint('metric');
        break;
      case 'table':
        spec.table = table(a, false) as number;
        break;
      case 'scope':
        spec.scope = named(a, 'scope', scopes.number, 255);
        break;
      case 'proto':
      case 'protocol':
        spec.protocol = named(a, 'protocol', protocols.number, 255);
        break;
      case 'mtu': {
        let v = a.need('mtu value');
        if (v === 'lock') v = a.need('mtu value'); // lock is accepted, not applied
        spec.mtu = parseUint(v, 'mtu', 68, 65536, a);
        break;
      }
      case 'onlink':
        spec.onlink = true;
        break;
      case 'type':
        spec.type = routeType(a);
        break;
      case 'to':
        spec.dst = a.need('prefix');
        break;
      default: {
        // [TYPE] PREFIX, as ip: a type word may come before the destination.
        const t = routeTypes.number(w);
        if (spec.dst === undefined && spec.type === undefined && !/^\d/.test(w) && t !== undefined && t >= 1 && t <= C.RTN_NAT) {
          spec.type = w as RouteType;
          break;
        }
        if (spec.dst !== undefined) throw a.garbage(w);
        spec.dst = w;
      }
    }
  }
  if (spec.dst === undefined) throw a.error('missing destination (PREFIX or default)');
  if (hops.length) spec.nexthops = hops;
  if (family !== undefined) spec.family = family;
  return spec as RouteSpec;
}

// ---- run --------------------------------------------------------------------------------------

function selected(r: Route, f: RouteShowFilter): boolean {
  if (f.scope !== undefined && r.scope !== f.scope) return false;
  if (!f.exact && !f.root && !f.match) return true;
  const dst = parseCidr('dst', r.dst === 'default' ? 'default' : r.dst, r.family);
  if (f.exact && !sameCidr(f.exact, dst)) return false;
  if (f.root && !covers(f.root, dst)) return false;
  if (f.match && !covers(dst, f.match)) return false;
  return true;
}

export async function runRoute(ctx: IpContext, cmd: RouteCommand): Promise<void> {
  const c = ctx.c;
  const o = ctx.opts;
  if (cmd.op === 'get') {
    const r = await routeGet(c, cmd.query);
    const links = await ctx.linksByIndex([
      r.oif,
      ...(r.nexthops ?? []).map((h) => h.oif),
      ...r.message.attrs.map((x) => (x.type === 'iif' ? x.value : undefined)),
    ]);
    ctx.print([routeView(r, links, { showTable: true, details: o.details, stats: o.stats })]);
    return;
  }
  if (cmd.op !== 'show') {
    await c.request(await routeChangeRequest(cmd, ctx.resolver), () => undefined);
    return;
  }
  const f = cmd.filter;
  // As ip: IPv4 unless -6 (or an IPv6 prefix) says otherwise; both families for "table all".
  const family = o.family ?? f.exact?.family ?? f.root?.family ?? f.match?.family ?? (f.table === 'all' ? undefined : 4);
  const oif = f.dev === undefined ? undefined : (await linkGet(c, f.dev)).index; // ENODEV for an unknown device
  const routes = await ctx.dump(
    routeList(c, {
      table: f.table,
      ...(family ? { family } : {}),
      ...(oif !== undefined ? { dev: oif } : {}),
      ...(f.protocol !== undefined ? { protocol: f.protocol } : {}),
      ...(f.type !== undefined ? { type: f.type } : {}),
    }),
  );
  const kept = routes
    // Other families a dump may carry (IPMR...) and cached clones are not ip's routes.
    .filter((r) => (r.message.family === C.AF_INET || r.message.family === C.AF_INET6) && !(r.flags & C.RTM_F_CLONED))
    // The kernel's dev filter also passes multipath routes with a hop there; ip wants RTA_OIF.
    .filter((r) => oif === undefined || r.oif === oif)
    .filter((r) => selected(r, f));
  const hideDev = f.dev !== undefined;
  // Device names asked for by index, as ip does (no dump of every link).
  const links = await ctx.linksByIndex(kept.flatMap((r) => [hideDev ? undefined : r.oif, ...(r.nexthops ?? []).map((h) => h.oif)]));
  // ip names the table of each route unless the listing asked for one table.
  ctx.print(kept.map((r) => routeView(r, links, { showTable: f.table === 'all', hideDev, details: o.details, stats: o.stats })));
}

const OPS = { add: 'routeAdd', replace: 'routeReplace', append: 'routeAppend', del: 'routeDel' } as const;

/** The request of an add, replace, append or del: checked, then its devices resolved through `r`. */
export async function routeChangeRequest(cmd: RouteCommand & { op: 'add' | 'replace' | 'append' | 'del' }, r: Resolver): Promise<RtnlRequest> {
  const spec = cmd.spec;
  const op = OPS[cmd.op];
  const devName = typeof spec.dev === 'string' ? spec.dev : undefined;
  const names = [spec.dev, ...(spec.nexthops ?? []).map((h) => h.dev)].filter((d): d is string => typeof d === 'string');
  const index = (d: LinkRef | undefined): number | undefined => (typeof d === 'string' ? r.known?.(d) : d);
  if (names.every((d) => index(d) !== undefined)) {
    // Every device known already (a batch): one check, no lookup.
    const nexthops = spec.nexthops?.map((h) => (h.dev === undefined ? h : { ...h, dev: index(h.dev) as number }));
    return routeRequest(op, { ...spec, ...(spec.dev !== undefined ? { dev: index(spec.dev) as number } : {}), ...(nexthops ? { nexthops } : {}) }, devName);
  }
  // Index 1 stands in for each named device: bad input is refused before any lookup.
  routeRequest(op, {
    ...spec,
    ...(spec.dev !== undefined ? { dev: 1 } : {}),
    ...(spec.nexthops ? { nexthops: spec.nexthops.map((h) => ({ ...h, ...(h.dev !== undefined ? { dev: 1 } : {}) })) } : {}),
  });
  const dev = typeof spec.dev === 'string' ? await r.index(spec.dev) : spec.dev;
  let nexthops: NextHopSpec[] | undefined;
  for (const h of spec.nexthops ?? []) (nexthops ??= []).push(typeof h.dev === 'string' ? { ...h, dev: await r.index(h.dev) } : h);
  return routeRequest(op, { ...spec, ...(dev !== undefined ? { dev } : {}), ...(nexthops ? { nexthops } : {}) }, devName);
}
