import {
  addrAddRequest,
  addrDelRequest,
  addrList,
  addrReplaceRequest,
  checkIfname,
  checkPrefix,
  linkGet,
  linkIndex,
  linkList,
  type AddrOptions,
  type Link,
  type RtnlRequest,
} from '@nsrun/netlink';
import { Args, parseUint, pick } from '../args.js';
import { referredLinks, type IpContext, type Resolver } from './context.js';
import { scopes } from './names.js';
import { Out } from './out.js';
import { addrView } from './view-addr.js';
import { briefLinkView, linkStats, linkView } from './view-link.js';

// `nsrun ip address show | add | replace | del`.

export const ADDR_USAGE = `Usage: nsrun ip address show [ [dev] DEV ] [up] [master DEV] [type KIND]
       nsrun ip address add|replace [local] ADDR[/LEN] [peer ADDR] dev DEV [broadcast ADDR | brd +]
                                    [label LABEL] [scope global|site|link|host|N]
                                    [valid_lft N|forever] [preferred_lft N|forever] [noprefixroute] [nodad]
       nsrun ip address del ADDR[/LEN] dev DEV
`;

export type AddrCommand =
  | { op: 'show'; dev?: string; up: boolean; master?: string; kind?: string }
  | { op: 'add' | 'replace'; cidr: string; dev: string; opts: AddrOptions }
  | { op: 'del'; cidr: string; dev: string };

const SUBCOMMANDS = [
  ['add', 'add'],
  ['change', 'replace'],
  ['replace', 'replace'],
  ['delete', 'del'],
  ['list', 'show'],
  ['show', 'show'],
  ['lst', 'show'],
] as const;

export function parseAddr(argv: readonly string[]): AddrCommand {
  const top = new Args(argv, 'ip address', ADDR_USAGE);
  top.helpCheck();
  const word = top.next();
  if (word === undefined) return { op: 'show', up: false };
  const sub = pick(word, SUBCOMMANDS);
  if (!sub) throw top.error(`unknown command ${JSON.stringify(word)}`);
  const a = new Args(top.rest(), `ip address ${sub}`, ADDR_USAGE);
  a.helpCheck();
  if (sub === 'show') return parseShow(a);
  return parseChange(a, sub);
}

function parseShow(a: Args): AddrCommand {
  const cmd: AddrCommand & { op: 'show' } = { op: 'show', up: false };
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'up') cmd.up = true;
    else if (w === 'master') cmd.master = checkIfname('master', a.need('master device'));
    else if (w === 'type') cmd.kind = a.need('link type');
    else {
      const dev = w === 'dev' ? a.need('device name') : w;
      if (cmd.dev !== undefined) throw a.garbage(dev);
      cmd.dev = checkIfname('dev', dev);
    }
  }
  return cmd;
}

const lifetime = (a: Args, name: string): number => {
  const v = a.need(`${name} value`);
  return v === 'forever' ? 0xffffffff : parseUint(v, name, 0, 0xffffffff, a);
};

function parseChange(a: Args, op: 'add' | 'replace' | 'del'): AddrCommand {
  let cidr: string | undefined;
  let dev: string | undefined;
  const o: AddrOptions = {};
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'dev') dev = checkIfname('dev', a.need('device name'));
    else if (op === 'del') {
      if (w !== 'local' && cidr !== undefined) throw a.garbage(w);
      cidr = w === 'local' ? a.need('address') : w;
    } else if (w === 'peer') o.peer = a.need('peer address');
    else if (w === 'broadcast' || w === 'brd') {
      const b = a.need('broadcast address');
      o.broadcast = b === '+' ? true : b;
    } else if (w === 'label') o.label = a.need('label');
    else if (w === 'scope') {
      const s = a.need('scope');
      const n = scopes.number(s);
      if (n === undefined || n > 255) throw a.error(`invalid scope ${JSON.stringify(s)}`);
      o.scope = n;
    } else if (w === 'valid_lft') o.validLft = lifetime(a, w);
    else if (w === 'preferred_lft') o.preferredLft = lifetime(a, w);
    else if (w === 'noprefixroute') o.noPrefixRoute = true;
    else if (w === 'nodad') o.noDad = true;
    else {
      const addr = w === 'local' ? a.need('address') : w;
      if (cidr !== undefined) throw a.garbage(addr);
      cidr = addr;
    }
  }
  if (cidr === undefined) throw a.error('missing address');
  if (dev === undefined) throw a.error('missing "dev DEV"');
  checkPrefix('address', cidr);
  if (op === 'del') return { op, cidr, dev };
  return { op, cidr, dev, opts: o };
}

export async function runAddr(ctx: IpContext, cmd: AddrCommand): Promise<void> {
  const c = ctx.c;
  switch (cmd.op) {
    case 'show': {
      const o = ctx.opts;
      const family = o.family;
      // One device: asked for by name, its addresses filtered by the kernel (strict checking,
      // ifa_index in the request), the links it names asked for by index; no dump of every link.
      const only = cmd.dev === undefined ? undefined : await linkGet(c, cmd.dev); // ENODEV for an unknown device
      let list: Link[];
      let names: ReadonlyMap<number, Link>;
      if (only) list = [only];
      else if (cmd.kind || cmd.master) {
        const filter = { ...(cmd.kind ? { kind: cmd.kind } : {}), ...(cmd.master ? { master: await linkIndex(c, cmd.master) } : {}) };
        list = await ctx.dump(linkList(c, filter));
      } else list = [...(await ctx.links()).values()];
      const addrs = await ctx.dump(addrList(c, { ...(family ? { family } : {}), ...(only ? { link: only.index } : {}) }));
      if (only || cmd.kind || cmd.master) names = await ctx.linksByIndex(list.flatMap((l) => referredLinks(l, o.details)));
      else names = await ctx.links();
      const views: Out[] = [];
      const nsidName = list.some((l) => l.linkNetnsid !== undefined) ? await ctx.nsidName() : undefined;
      const view = {
        doLink: false,
        family,
        details: o.details,
        qlen: true,
        inet6: family === 6,
        ...(nsidName ? { nsidName } : {}),
      };
      for (const l of list) {
        if (cmd.up && !l.up) continue;
        const mine = addrs.filter((x) => x.index === l.index);
        // As ip: with a family filter, links without such addresses are left out.
        if (family && mine.length === 0) continue;
        if (o.oneline && !o.brief) {
          // -o: each address a line of its own; JSON keeps one object per link.
          const each = mine.map((a) => addrView(a, { oneline: { dev: l.name } }));
          if (o.json)
            views.push(
              new Out().j(
                'addr_info',
                each.map((x) => x.json),
              ),
            );
          else views.push(...each);
          continue;
        }
        const out = o.brief ? briefLinkView(l, names, view) : linkView(l, names, view);
        const info = mine.map((a) => addrView(a, { brief: o.brief }));
        out
          .j(
            'addr_info',
            info.map((x) => x.json),
          )
          .t(info.map((x) => x.text).join(''));
        if (o.brief) out.t('\n');
        else if (o.stats) {
          linkStats(out, l, o.stats ?? 1);
          out.nl();
        }
        views.push(out);
      }
      ctx.print(views);
      return;
    }
    default:
      await c.request(await addrChangeRequest(cmd, ctx.resolver), () => undefined);
  }
}

/** The request of an add, replace or del, the device resolved through `r`. */
export async function addrChangeRequest(cmd: Exclude<AddrCommand, { op: 'show' }>, r: Resolver): Promise<RtnlRequest> {
  let index = r.known?.(cmd.dev);
  if (index === undefined) {
    checkPrefix('address', cmd.cidr); // before the lookup
    index = await r.index(cmd.dev);
  }
  switch (cmd.op) {
    case 'add':
      return addrAddRequest(index, cmd.cidr, cmd.opts, cmd.dev);
    case 'replace':
      return addrReplaceRequest(index, cmd.cidr, cmd.opts, cmd.dev);
    case 'del':
      return addrDelRequest(index, cmd.cidr, cmd.dev);
  }
}
