import { addrAdd, addrDel, addrList, addrReplace, checkIfname, checkPrefix, linkGet, type AddrOptions } from '@nsrun/netlink';
import { Args, parseUint, pick } from '../args.js';
import { referredLinks, type IpContext } from './context.js';
import { addrInfoJson, linkJson, type IpLinkJson } from './json.js';
import { scopes } from './names.js';
import { linkText } from './text.js';

// `nsrun ip address show | add | replace | del`.

export const ADDR_USAGE = `Usage: nsrun ip address show [ [dev] DEV ] [up]
       nsrun ip address add|replace [local] ADDR[/LEN] [peer ADDR] dev DEV [broadcast ADDR | brd +]
                                    [label LABEL] [scope global|site|link|host|N]
                                    [valid_lft N|forever] [preferred_lft N|forever] [noprefixroute] [nodad]
       nsrun ip address del ADDR[/LEN] dev DEV
`;

export type AddrCommand =
  | { op: 'show'; dev?: string; up: boolean }
  | { op: 'add' | 'replace'; cidr: string; dev: string; opts: AddrOptions }
  | { op: 'del'; cidr: string; dev: string };

const SUBCOMMANDS = [
  ['add', 'add'], ['change', 'replace'], ['replace', 'replace'], ['delete', 'del'], ['list', 'show'], ['show', 'show'], ['lst', 'show'],
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
      const family = ctx.opts.family;
      // One device: asked for by name, its addresses filtered by the kernel (strict checking,
      // ifa_index in the request), the links it names asked for by index; no dump of every link.
      const only = cmd.dev === undefined ? undefined : await linkGet(c, cmd.dev); // ENODEV for an unknown device
      const links = only ? await ctx.linksByIndex(referredLinks(only)) : await ctx.links();
      const addrs = await ctx.dump(addrList(c, { ...(family ? { family } : {}), ...(only ? { link: only.index } : {}) }));
      const out: IpLinkJson[] = [];
      for (const l of only ? [only] : links.values()) {
        if (cmd.up && !l.up) continue;
        const info = addrs.filter((x) => x.index === l.index).map(addrInfoJson);
        // As ip: with a family filter, links without such addresses are left out, and so is the link layer.
        if (family && info.length === 0) continue;
        const link = linkJson(l, links, { linkmode: false, linkLayer: !family });
        // ip -6 reads links through AF_INET6, whose answers carry no qdisc and no group.
        if (family === 6) {
          delete link.qdisc;
          delete (link as Partial<typeof link>).group;
        }
        out.push({ ...link, addr_info: info });
      }
      ctx.print(out, linkText);
      return;
    }
    case 'add':
      await addrAdd(c, cmd.dev, cmd.cidr, cmd.opts);
      return;
    case 'replace':
      await addrReplace(c, cmd.dev, cmd.cidr, cmd.opts);
      return;
    case 'del':
      await addrDel(c, cmd.dev, cmd.cidr);
      return;
  }
}
