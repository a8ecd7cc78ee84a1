import {
  checkIfname,
  checkLinkKind,
  linkAddRequest,
  linkDelGroupRequest,
  linkDelRequest,
  linkGet,
  linkIndex,
  linkList,
  linkSetRequest,
  type Link,
  type LinkAddSpec,
  type LinkChanges,
  type RtnlRequest,
} from '@nsrun/netlink';
import { Args, pick } from '../args.js';
import { referredLinks, type IpContext, type NetnsArg, type Resolver } from './context.js';
import { kindArgs, kindSpec, kindUsage, type KindArgs } from './link-kinds/index.js';
import { commonOption, commonSpec, type LinkOpts } from './link-opts.js';
import { briefLinkView, linkView } from './view-link.js';

// `nsrun ip link show | add | set | del`.

export const LINK_USAGE = `Usage: nsrun ip link show [ [dev] DEV | group N ] [up] [master DEV | nomaster] [type KIND[_slave]]
       nsrun ip link add [link DEV] [name] NAME [address MAC] [mtu N] [txqueuelen N] [group N]
                         [master DEV] [netns NAME|PID] [up] type TYPE [ARGS]
       nsrun ip link set [dev] DEV [up|down] [mtu N] [name NEWNAME] [address MAC]
                         [master DEV | nomaster] [netns NAME|PID] [group N] [txqueuelen N] [alias TEXT]
       nsrun ip link del [dev] DEV | group N
${kindUsage()}`;

export type { LinkOpts } from './link-opts.js';

/** `link add`: the common options, the kind, and what the kind's parser read (typed per kind). */
export interface LinkAddCommand {
  op: 'add';
  opts: LinkOpts & { name: string };
  /** What the kind's parser read: a union discriminated by `args.kind`. */
  args: KindArgs;
}

export type LinkCommand =
  | { op: 'show'; dev?: string; up: boolean; master?: string; noMaster?: boolean; kind?: string; slaveKind?: string; group?: number }
  | LinkAddCommand
  | { op: 'set'; dev: string; changes: Omit<LinkChanges, 'master' | 'netns'>; master?: string | null; netns?: NetnsArg }
  | { op: 'del'; dev: string }
  | { op: 'delGroup'; group: number };

const SUBCOMMANDS = [
  ['add', 'add'],
  ['set', 'set'],
  ['change', 'set'],
  ['delete', 'del'],
  ['show', 'show'],
  ['lst', 'show'],
  ['list', 'show'],
] as const;

export function parseLink(argv: readonly string[]): LinkCommand {
  const top = new Args(argv, 'ip link', LINK_USAGE);
  top.helpCheck();
  const word = top.next();
  if (word === undefined) return { op: 'show', up: false };
  const sub = pick(word, SUBCOMMANDS);
  if (!sub) throw top.error(`unknown command ${JSON.stringify(word)}`);
  const a = new Args(top.rest(), `ip link ${sub}`, LINK_USAGE);
  a.helpCheck();
  switch (sub) {
    case 'show':
      return parseShow(a);
    case 'add':
      return parseAdd(a);
    case 'set':
      return parseSet(a);
    case 'del':
      return parseDel(a);
  }
}

function parseShow(a: Args): LinkCommand {
  const cmd: LinkCommand & { op: 'show' } = { op: 'show', up: false };
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'up') cmd.up = true;
    else if (w === 'master') cmd.master = checkIfname('master', a.need('master device'));
    else if (w === 'nomaster') cmd.noMaster = true;
    else if (w === 'group') cmd.group = a.uint('group');
    else if (w === 'type') {
      // As ip: "KIND_slave" selects the ports of that kind of master.
      const t = a.need('link type');
      if (t.endsWith('_slave') && t.length > 6) cmd.slaveKind = t.slice(0, -6);
      else cmd.kind = t;
    } else {
      const dev = w === 'dev' ? a.need('device name') : w;
      if (cmd.dev !== undefined) throw a.garbage(dev);
      cmd.dev = checkIfname('dev', dev);
    }
  }
  if (cmd.master !== undefined && cmd.noMaster) throw a.error('give either "master DEV" or "nomaster"');
  return cmd;
}

function parseAdd(a: Args): LinkCommand {
  const o: LinkOpts = {};
  let kind: string | undefined;
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'type') {
      kind = a.need('link type');
      break;
    }
    if (commonOption(a, w, o)) continue;
    if (w === 'link') o.link = checkIfname('link', a.need('lower device'));
    else {
      const name = w === 'name' || w === 'dev' ? a.need('link name') : w;
      if (o.name !== undefined) throw a.garbage(name);
      o.name = name;
    }
  }
  if (o.name === undefined) throw a.error('missing link name');
  checkIfname('name', o.name);
  if (kind === undefined) throw a.error('missing "type TYPE"');
  // The kind's own parser reads the rest (./link-kinds/); an unknown kind is refused as linkAdd refuses it.
  return { op: 'add', opts: { ...o, name: o.name }, args: kindArgs(checkLinkKind('link.kind', kind), a, o.link) };
}

function parseSet(a: Args): LinkCommand {
  const o: LinkOpts = {};
  let dev: string | undefined;
  let rename: string | undefined;
  let alias: string | undefined;
  let master: string | null | undefined;
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'nomaster') master = null;
    else if (w === 'name') rename = checkIfname('name', a.need('new name'));
    else if (w === 'alias') alias = a.need('alias text');
    else if (commonOption(a, w, o)) {
      if (w === 'master') master = o.master;
    } else {
      const name = w === 'dev' ? a.need('device name') : w;
      if (dev !== undefined) throw a.garbage(name);
      dev = checkIfname('dev', name);
    }
  }
  if (dev === undefined) throw a.error('missing device ("dev DEV")');
  const changes: Omit<LinkChanges, 'master' | 'netns'> = {};
  if (o.up !== undefined) changes.up = o.up;
  if (o.mtu !== undefined) changes.mtu = o.mtu;
  if (rename !== undefined) changes.name = rename;
  if (o.address !== undefined) changes.address = o.address;
  if (o.group !== undefined) changes.group = o.group;
  if (o.txqlen !== undefined) changes.txqlen = o.txqlen;
  if (alias !== undefined) changes.alias = alias;
  const cmd: LinkCommand & { op: 'set' } = { op: 'set', dev, changes };
  if (master !== undefined) cmd.master = master;
  if (o.netns !== undefined) cmd.netns = o.netns;
  if (Object.keys(changes).length === 0 && master === undefined && o.netns === undefined) throw a.error('nothing to change');
  return cmd;
}

function parseDel(a: Args): LinkCommand {
  let dev: string | undefined;
  let group: number | undefined;
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'group') group = a.uint('group', 1);
    else if (w === 'type')
      a.need('link type'); // accepted and ignored, as ip does
    else {
      const name = w === 'dev' ? a.need('device name') : w;
      if (dev !== undefined) throw a.garbage(name);
      dev = checkIfname('dev', name);
    }
  }
  if (group !== undefined && dev !== undefined) throw a.error('give either a device or "group N"');
  if (group !== undefined) return { op: 'delGroup', group };
  if (dev === undefined) throw a.error('missing device ("dev DEV" or "group N")');
  return { op: 'del', dev };
}

// ---- run ------------------------------------------------------------------------------------

export async function runLink(ctx: IpContext, cmd: LinkCommand): Promise<void> {
  const c = ctx.c;
  switch (cmd.op) {
    case 'show': {
      const o = ctx.opts;
      // One device is asked for by name, a filtered listing is filtered by the kernel, and the
      // names they refer to (lower device, master) are asked for by index: only the listing
      // of every link dumps every link.
      let list: Link[];
      let names: ReadonlyMap<number, Link> | undefined;
      if (cmd.dev !== undefined)
        list = [await linkGet(c, cmd.dev)]; // ENODEV for an unknown device
      else if (cmd.kind || cmd.master || cmd.noMaster) {
        const filter = {
          ...(cmd.kind ? { kind: cmd.kind } : {}),
          ...(cmd.master ? { master: await linkIndex(c, cmd.master) } : {}),
          ...(cmd.noMaster ? { noMaster: true } : {}),
        };
        list = await ctx.dump(linkList(c, filter));
      } else {
        names = await ctx.links();
        list = [...names.values()];
      }
      if (cmd.dev === undefined) {
        list = list.filter(
          (l) => (!cmd.up || l.up) && (cmd.group === undefined || l.group === cmd.group) && (cmd.slaveKind === undefined || l.slaveKind === cmd.slaveKind),
        );
      }
      names ??= await ctx.linksByIndex(list.flatMap((l) => referredLinks(l, o.details)));
      const nsidName = list.some((l) => l.linkNetnsid !== undefined) ? await ctx.nsidName() : undefined;
      const view = { doLink: true, details: o.details, stats: o.stats, qlen: true, ...(nsidName ? { nsidName } : {}) };
      ctx.print(list.map((l) => (o.brief ? briefLinkView(l, names, view) : linkView(l, names, view))));
      return;
    }
    default:
      await c.request(await linkChangeRequest(cmd, ctx.resolver), () => undefined);
  }
}

/**
 * The request of a change (add, set, del), names resolved through `r`: by the kernel where
 * the request can name the link (IFLA_IFNAME), else to indexes. A new link is echoed
 * (NLM_F_ECHO), so a batch learns its index without asking.
 */
export async function linkChangeRequest(cmd: Exclude<LinkCommand, { op: 'show' }>, r: Resolver): Promise<RtnlRequest> {
  switch (cmd.op) {
    case 'add': {
      const o = cmd.opts;
      const common = commonSpec(r, o);
      const spec: LinkAddSpec = await kindSpec(cmd.args, common, r);
      if (o.master !== undefined) spec.master = await r.index(o.master);
      return linkAddRequest(spec, { echo: true });
    }
    case 'set': {
      const changes: LinkChanges = { ...cmd.changes };
      if (cmd.master !== undefined) changes.master = cmd.master === null ? null : await r.index(cmd.master);
      if (cmd.netns !== undefined) changes.netns = r.netns(cmd.netns);
      // Renaming addresses the link by index (the name attribute carries the new name).
      return linkSetRequest(changes.name !== undefined ? await r.index(cmd.dev) : cmd.dev, changes);
    }
    case 'del':
      return linkDelRequest(cmd.dev);
    case 'delGroup':
      return linkDelGroupRequest(cmd.group);
  }
}
