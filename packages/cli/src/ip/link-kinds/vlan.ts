import type { VlanOptions } from '@nsrun/netlink';
import { needLower, type KindEntry } from './kind.js';
import { vlanDetails } from '../view-kinds.js';

export interface VlanArgs {
  kind: 'vlan';
  /** The lower device's name. */
  link: string;
  id: number;
  protocol?: VlanOptions['protocol'];
}

export const vlan: KindEntry<'vlan', VlanArgs> = {
  usage: ['id N [protocol 802.1Q|802.1ad]'],
  needsLower: true,
  parse(a, lower) {
    let id: number | undefined;
    let protocol: VlanArgs['protocol'];
    while (!a.done) {
      const w = a.next() as string;
      if (w === 'id') id = a.uint('vlan id', 0, 4094);
      else if (w === 'protocol') {
        const p = a.need('vlan protocol');
        if (!/^802\.1(q|ad)$/i.test(p)) throw a.error(`invalid vlan protocol ${JSON.stringify(p)}: must be 802.1Q or 802.1ad`);
        protocol = p.toLowerCase() === '802.1q' ? '802.1Q' : '802.1ad';
      } else throw a.garbage(w);
    }
    if (id === undefined) throw a.error('vlan needs "id N"');
    return { kind: 'vlan', link: needLower(a, 'vlan', lower), id, ...(protocol ? { protocol } : {}) };
  },
  spec: async (d, common, r) => ({ ...common, kind: 'vlan', link: await r.index(d.link), id: d.id, ...(d.protocol ? { protocol: d.protocol } : {}) }),
  details: vlanDetails,
};
