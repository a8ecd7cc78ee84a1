import { checkIfname } from '@nsrun/netlink';
import type { Args } from '../../args.js';
import { commonOption, peerSpec, type LinkOpts } from '../link-opts.js';
import type { KindEntry } from './kind.js';

export interface VethArgs {
  kind: 'veth';
  peer?: LinkOpts;
}

export const veth: KindEntry<'veth', VethArgs> = {
  usage: ['[peer [name] NAME [address MAC] [mtu N] [txqueuelen N] [group N] [netns NAME|PID]]'],
  parse(a) {
    const d: VethArgs = { kind: 'veth' };
    while (!a.done) {
      const w = a.next() as string;
      if (w !== 'peer') throw a.garbage(w);
      d.peer = parsePeer(a);
    }
    return d;
  },
  spec: async (d, common, r) => ({ ...common, kind: 'veth', ...(d.peer ? { peer: peerSpec(r, d.peer) } : {}) }),
  details: null,
};

function parsePeer(a: Args): LinkOpts {
  const p: LinkOpts = {};
  while (!a.done) {
    const w = a.next() as string;
    if (commonOption(a, w, p)) continue;
    const name = w === 'name' || w === 'dev' ? a.need('peer name') : w;
    if (p.name !== undefined) throw a.garbage(name);
    p.name = checkIfname('peer name', name);
  }
  if (p.up !== undefined || p.master !== undefined) throw a.error('a veth peer takes name, address, mtu, txqueuelen, group and netns');
  return p;
}
