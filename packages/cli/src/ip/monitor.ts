import * as C from '@nsrun/netlink/constants';
import { subscribe, type RtnlEvent, type RtnlGroup } from '@nsrun/netlink';
import { Args, pick } from '../args.js';
import type { IpContext } from './context.js';
import { finishText, toJson, type JsonValue } from './out.js';
import { addrView } from './view-addr.js';
import { linkView } from './view-link.js';
import { neighView } from './view-neigh.js';
import { routeView } from './view-route.js';

// `nsrun ip monitor`: prints rtnetlink notifications until interrupted. Text lines follow ip
// monitor ("Deleted " before removals); with -j, one JSON object per line in ip's shapes, with
// "deleted": true first for removals.

export const MONITOR_USAGE = `Usage: nsrun ip monitor [label] [all | OBJECT...]
OBJECT := link | address | route | neigh
Prints changes until interrupted (Ctrl-C). With -j: one JSON object per line.
`;

export interface MonitorCommand {
  op: 'monitor';
  groups: RtnlGroup[];
  /** Prefix each event with [LINK], [ADDR], [ROUTE] or [NEIGH], as `ip monitor label`. */
  label: boolean;
}

const OBJECTS = [
  ['link', 'link'],
  ['address', 'addr'],
  ['route', 'route'],
  ['neigh', 'neigh'],
  ['neighbour', 'neigh'],
  ['neighbor', 'neigh'],
  ['all', 'all'],
] as const;
const LABELS: Record<RtnlGroup, string> = { link: '[LINK]', addr: '[ADDR]', route: '[ROUTE]', neigh: '[NEIGH]' };

export function parseMonitor(argv: readonly string[]): MonitorCommand {
  const a = new Args(argv, 'ip monitor', MONITOR_USAGE);
  a.helpCheck();
  const groups = new Set<RtnlGroup>();
  let label = false;
  while (!a.done) {
    const w = a.next() as string;
    if (w === 'label') {
      label = true;
      continue;
    }
    const g = pick(w, OBJECTS);
    if (g === undefined) throw a.error(`unknown object ${JSON.stringify(w)}`);
    if (g === 'all') for (const x of ['link', 'addr', 'route', 'neigh'] as const) groups.add(x);
    else groups.add(g);
  }
  return { op: 'monitor', groups: groups.size ? [...groups] : ['link', 'addr', 'route', 'neigh'], label };
}

const familyOk = (family: number, want: 4 | 6 | undefined): boolean =>
  (family === C.AF_INET || family === C.AF_INET6) && (want === undefined || family === (want === 4 ? C.AF_INET : C.AF_INET6));

/** The event as ip prints it, or undefined when the family filter drops it. */
async function render(ctx: IpContext, e: RtnlEvent): Promise<{ json: { [key: string]: JsonValue | undefined }; text: string } | undefined> {
  const want = ctx.opts.family;
  switch (e.kind) {
    case 'link': {
      const links = await ctx.links();
      // New links first join the cache, so a veth sees its peer; removed ones leave after.
      if (e.action === 'new') ctx.setLink(e.link);
      // ip monitor prints no qlen and no link mode.
      const o = linkView(e.link, links, { doLink: false, qlen: false });
      if (e.action === 'del') ctx.setLink(e.link, true);
      return o;
    }
    case 'addr': {
      const a = e.address;
      if (!familyOk(a.message.family, want)) return undefined;
      // Without link events subscribed, a new link's name is found by re-reading the links.
      const links = await ctx.linksWith([a.index]);
      const info = addrView(a);
      const ifname = links.get(a.index)?.name ?? `if${a.index}`;
      return { json: { ifindex: a.index, ifname, addr_info: [info.json] }, text: `${a.index}: ${ifname}${info.text}` };
    }
    case 'route': {
      const r = e.route;
      if (!familyOk(r.message.family, want)) return undefined;
      const links = await ctx.linksWith([r.oif, ...(r.nexthops ?? []).map((h) => h.oif)]);
      return routeView(r, links, { showTable: true });
    }
    case 'neigh': {
      const n = e.neighbour;
      if (!familyOk(n.message.family, want)) return undefined;
      return neighView(n, await ctx.linksWith([n.index]));
    }
  }
}

/** Runs until the Io's signal aborts (success), or the subscription fails. */
export async function runMonitor(ctx: IpContext, cmd: MonitorCommand): Promise<void> {
  const signal = ctx.io.signal;
  if (signal?.aborted) return;
  // Subscribe before reading the link names, so no link can appear unseen in between.
  const sub = subscribe({ ...(ctx.ns ? { netns: ctx.ns } : {}), groups: cmd.groups });
  try {
    await ctx.links();
  } catch (e) {
    sub.close();
    throw e;
  }
  await new Promise<void>((resolve, reject) => {
    let chain = Promise.resolve(); // print in arrival order
    let done = false;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      sub.close();
      if (err === undefined) chain.then(() => resolve(), reject);
      else reject(err);
    };
    const onAbort = (): void => finish();
    signal?.addEventListener('abort', onAbort, { once: true });
    sub.on('event', (e) => {
      chain = chain
        .then(async () => {
          const out = await render(ctx, e);
          if (!out) return;
          const label = cmd.label ? `${LABELS[e.kind]} ` : '';
          if (ctx.opts.json) ctx.io.stdout(`${toJson(e.action === 'del' ? { deleted: true, ...out.json } : out.json)}\n`);
          else ctx.io.stdout(finishText(`${label}${e.action === 'del' ? 'Deleted ' : ''}${out.text}`, !!ctx.opts.oneline));
        })
        .catch((err: unknown) => finish(err));
    });
    sub.on('overrun', () => ctx.io.stderr('nsrun: ip monitor: the kernel dropped events (receive buffer overrun); some changes were not shown\n'));
    sub.on('error', (err) => finish(err));
  });
}
