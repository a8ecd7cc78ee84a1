import * as C from '@nsrun/netlink/constants';
import {
  NUD_STATES,
  checkAddress,
  checkIfname,
  checkMac,
  neighAddRequest,
  neighDelRequest,
  neighGet,
  neighList,
  linkGet,
  type NeighSpec,
  type RtnlRequest,
} from '@nsrun/netlink';
import { Args, pick } from '../args.js';
import type { IpContext, Resolver } from './context.js';
import { nudNumber } from './names.js';
import { neighView } from './view-neigh.js';

// `nsrun ip neigh show | add | replace | del`.

export const NEIGH_USAGE = `Usage: nsrun ip neigh show [ [dev] DEV ] [nud STATE|all]
       nsrun ip neigh add|replace ADDR lladdr MAC dev DEV [nud STATE]
       nsrun ip neigh del ADDR dev DEV
       nsrun ip neigh get [to] ADDR dev DEV | proxy ADDR dev DEV
STATE := permanent | noarp | reachable | stale | delay | probe | failed | incomplete | none
`;

/** Bit for NUD_NONE entries in a show filter (the state itself is 0), as ip uses it. */
const NONE_BIT = 0x100;

export type NeighCommand =
  { op: 'show'; dev?: string; states: number } | { op: 'add' | 'del'; spec: NeighSpec } | { op: 'get'; dst: string; dev: string; proxy: boolean };

const SUBCOMMANDS = [
  ['add', 'add'],
  ['change', 'replace'],
  ['chg', 'replace'],
  ['replace', 'replace'],
  ['delete', 'del'],
  ['get', 'get'],
  ['show', 'show'],
  ['lst', 'show'],
  ['list', 'show'],
] as const;

export function parseNeigh(argv: readonly string[]): NeighCommand {
  const top = new Args(argv, 'ip neigh', NEIGH_USAGE);
  top.helpCheck();
  const word = top.next();
  // ip hides NOARP entries unless asked for them.
  if (word === undefined) return { op: 'show', states: 0xff & ~C.NUD_NOARP };
  const sub = pick(word, SUBCOMMANDS);
  if (!sub) throw top.error(`unknown command ${JSON.stringify(word)}`);
  const a = new Args(top.rest(), `ip neigh ${sub}`, NEIGH_USAGE);
  a.helpCheck();
  if (sub === 'show') return parseShow(a);
  if (sub === 'get') return parseGet(a);
  return parseChange(a, sub);
}

function parseGet(a: Args): NeighCommand {
  let dst: string | undefined;
  let dev: string | undefined;
  let proxy = false;
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'dev') dev = checkIfname('dev', a.need('device name'));
    else {
      if (w === 'proxy') proxy = true;
      const addr = w === 'to' || w === 'proxy' ? a.need('address') : w;
      if (dst !== undefined) throw a.garbage(addr);
      dst = checkAddress('address', addr).address;
    }
  }
  if (dst === undefined || dev === undefined) throw a.error('an address and "dev DEV" are required');
  return { op: 'get', dst, dev, proxy };
}

function nud(a: Args): number | 'all' {
  const w = a.need('nud state');
  const n = nudNumber(w);
  if (n === undefined) throw a.error(`invalid nud state ${JSON.stringify(w)}`);
  return n;
}

function parseShow(a: Args): NeighCommand {
  let dev: string | undefined;
  let states: number | undefined;
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'nud') {
      const n = nud(a);
      states = (states ?? 0) | (n === 'all' ? 0xff | NONE_BIT : n === 0 ? NONE_BIT : n);
    } else {
      const d = w === 'dev' ? a.need('device name') : w;
      if (dev !== undefined) throw a.garbage(d);
      dev = checkIfname('dev', d);
    }
  }
  return { op: 'show', ...(dev !== undefined ? { dev } : {}), states: states ?? 0xff & ~C.NUD_NOARP };
}

function parseChange(a: Args, op: 'add' | 'replace' | 'del'): NeighCommand {
  let dst: string | undefined;
  let dev: string | undefined;
  let lladdr: string | undefined;
  let state: NeighSpec['state'];
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'dev') dev = checkIfname('dev', a.need('device name'));
    else if (w === 'lladdr') lladdr = checkMac('lladdr', a.need('MAC address'));
    else if (w === 'nud') {
      const n = nud(a);
      if (n === 'all' || n === 0) throw a.error('nud must name one state');
      state = Object.keys(NUD_STATES).find((k) => NUD_STATES[k] === n) as NeighSpec['state'];
    } else {
      const addr = w === 'to' ? a.need('address') : w;
      if (dst !== undefined) throw a.garbage(addr);
      dst = checkAddress('address', addr).address;
    }
  }
  if (dst === undefined) throw a.error('missing neighbour address');
  if (dev === undefined) throw a.error('missing "dev DEV"');
  const spec: NeighSpec = { dst, dev };
  if (lladdr !== undefined) spec.lladdr = lladdr;
  if (state !== undefined) spec.state = state;
  if (op === 'replace') spec.replace = true;
  return { op: op === 'replace' ? 'add' : op, spec };
}

export async function runNeigh(ctx: IpContext, cmd: NeighCommand): Promise<void> {
  const c = ctx.c;
  if (cmd.op === 'get') {
    const n = await neighGet(c, { dev: cmd.dev, dst: cmd.dst, proxy: cmd.proxy });
    // As ip 6.2 and later print it (6.1 printed text for -j): a JSON array of one entry.
    ctx.print([neighView(n, await ctx.linksByIndex([n.index]), { stats: ctx.opts.stats })]);
    return;
  }
  if (cmd.op !== 'show') {
    await c.request(await neighChangeRequest(cmd, ctx.resolver), () => undefined);
    return;
  }
  const family = ctx.opts.family;
  const dev = cmd.dev === undefined ? undefined : await linkGet(c, cmd.dev); // ENODEV for an unknown device
  const list = await ctx.dump(neighList(c, { ...(family ? { family } : {}), ...(dev ? { dev: dev.index } : {}) }));
  const kept = list
    // An unspecified-family dump also returns bridge FDB entries; ip shows only IP neighbours.
    .filter((n) => n.message.family === C.AF_INET || n.message.family === C.AF_INET6)
    .filter((n) => (n.state === 0 ? cmd.states & NONE_BIT : cmd.states & n.state) || n.flags & (C.NTF_PROXY | C.NTF_EXT_LEARNED));
  // Device names asked for by index (no dump of every link); none when filtered by device.
  const links = await ctx.linksByIndex(dev ? [] : kept.map((n) => n.index));
  ctx.print(kept.map((n) => neighView(n, links, { hideDev: dev !== undefined, stats: ctx.opts.stats })));
}

/** The request of an add, replace or del, the device resolved through `r`. */
export async function neighChangeRequest(cmd: NeighCommand & { op: 'add' | 'del' }, r: Resolver): Promise<RtnlRequest> {
  const dev = cmd.spec.dev as string;
  const build = cmd.op === 'add' ? neighAddRequest : neighDelRequest;
  const known = r.known?.(dev);
  if (known !== undefined) return build(known, cmd.spec, dev);
  build(1, cmd.spec); // checked before the device is looked up, as for a single command
  return build(await r.index(dev), cmd.spec, dev);
}
