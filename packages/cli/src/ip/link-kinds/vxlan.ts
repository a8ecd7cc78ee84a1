import { checkIfname, type VxlanOptions } from '@nsrun/netlink';
import type { KindEntry } from './kind.js';
import { vxlanDetails } from '../view-kinds.js';

export interface VxlanArgs extends Omit<VxlanOptions, 'link'> {
  kind: 'vxlan';
  /** The device to send through: `dev DEV`, or `link DEV` before `type`. */
  dev?: string;
}

export const vxlan: KindEntry<'vxlan', VxlanArgs> = {
  usage: ['id N [dstport PORT] [remote|group IP] [local IP] [dev DEV] [ttl N]', '[learning|nolearning]'],
  parse(a, lower) {
    let id: number | undefined;
    const d: Omit<VxlanArgs, 'id' | 'kind'> = lower !== undefined ? { dev: lower } : {};
    while (!a.done) {
      const w = a.next() as string;
      if (w === 'id' || w === 'vni') id = a.uint('vxlan id', 0, 0xffffff);
      else if (w === 'dstport') d.port = a.uint('dstport', 1, 65535);
      else if (w === 'remote' || w === 'group') d.remote = a.need(`${w} address`);
      else if (w === 'local') d.local = a.need('local address');
      else if (w === 'dev') d.dev = checkIfname('dev', a.need('device name'));
      else if (w === 'ttl' || w === 'hoplimit') d.ttl = a.uint('ttl', 0, 255);
      else if (w === 'learning') d.learning = true;
      else if (w === 'nolearning') d.learning = false;
      else throw a.garbage(w);
    }
    if (id === undefined) throw a.error('vxlan needs "id N"');
    return { kind: 'vxlan', id, ...d };
  },
  async spec({ dev, ...d }, common, r) {
    return { ...common, ...d, ...(dev !== undefined ? { link: await r.index(dev) } : {}) };
  },
  details: vxlanDetails,
};
