import * as C from '@nsrun/netlink/constants';
import type { Link, Neighbour } from '@nsrun/netlink';
import type { NeighAttr } from '@nsrun/netlink/messages';
import { nudNames, protocols } from './names.js';
import { Out } from './out.js';

// A neighbour entry as iproute2 6.1 prints it (ip/ipneigh.c print_neigh).

type Links = ReadonlyMap<number, Link>;

export interface NeighViewOptions {
  /** Leave "dev" out (ip does when the listing is filtered by dev). */
  hideDev?: boolean;
  /** -s: cache times and probes. */
  stats?: number;
}

type Values = { [A in Exclude<NeighAttr, { type: 'unknown' }> as A['type']]: A['value'] };

function attr<K extends keyof Values>(n: Neighbour, type: K): Values[K] | undefined {
  return (n.message.attrs.find((a) => a.type === type) as { value?: unknown } | undefined)?.value as Values[K] | undefined;
}

export function neighView(n: Neighbour, links: Links, o: NeighViewOptions = {}, type = C.RTM_NEWNEIGH): Out {
  const out = new Out();
  if (type === C.RTM_GETNEIGH) out.any('miss', null, 'miss ');
  if (n.dst !== undefined) out.any('dst', n.dst, `${n.dst} `);
  if (!o.hideDev && n.index) {
    const dev = links.get(n.index)?.name ?? `if${n.index}`;
    out.t('dev ').any('dev', dev, `${dev} `);
  }
  if (n.lladdr !== undefined) out.t('lladdr ').any('lladdr', n.lladdr, `${n.lladdr} `);
  if (n.flags & C.NTF_ROUTER) out.any('router', null, 'router ');
  if (n.flags & C.NTF_PROXY) out.any('proxy', null, 'proxy ');
  const ext = attr(n, 'flagsExt') ?? 0;
  if (ext & C.NTF_EXT_MANAGED) out.any('managed', null, 'managed ');
  if (n.flags & C.NTF_EXT_LEARNED) out.any('extern_learn', null, 'extern_learn ');
  if (n.flags & C.NTF_OFFLOADED) out.any('offload', null, 'offload ');
  if (o.stats) {
    const ci = attr(n, 'cacheinfo');
    if (ci) {
      // Clock ticks at USER_HZ (100), as ip divides them.
      if (ci.refcnt) out.any('refcnt', ci.refcnt, ` ref ${ci.refcnt}`);
      out.any('used', Math.floor(ci.used / 100), ` used ${Math.floor(ci.used / 100)}`);
      out.any('confirmed', Math.floor(ci.confirmed / 100), `/${Math.floor(ci.confirmed / 100)}`);
      out.any('updated', Math.floor(ci.updated / 100), `/${Math.floor(ci.updated / 100)}`);
    }
    const probes = attr(n, 'probes');
    if (probes !== undefined) out.any('probes', probes, `probes ${probes} `);
  }
  if (n.state) {
    const states = nudNames(n.state);
    out.any('state', states, states.map((s) => `${s} `).join(''));
  }
  const proto = attr(n, 'protocol');
  if (proto) out.any('protocol', protocols.name(proto), `proto ${protocols.name(proto)} `);
  out.t('\n');
  return out;
}
