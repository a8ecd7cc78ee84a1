import type { BridgeOptions } from '@nsrun/netlink';
import type { KindEntry } from './kind.js';
import { flag01 } from './kind.js';
import { bridgeDetails, bridgePortDetails } from '../view-kinds.js';

export interface BridgeArgs extends BridgeOptions {
  kind: 'bridge';
}

export const bridge: KindEntry<'bridge', BridgeArgs> = {
  usage: ['[stp_state 0|1] [forward_delay N] [ageing_time N] [vlan_filtering 0|1]'],
  parse(a) {
    const d: BridgeArgs = { kind: 'bridge' };
    while (!a.done) {
      const w = a.next() as string;
      if (w === 'stp_state') d.stp = flag01(a, w);
      else if (w === 'forward_delay') d.forwardDelay = a.uint(w);
      else if (w === 'ageing_time') d.ageingTime = a.uint(w);
      else if (w === 'vlan_filtering') d.vlanFiltering = flag01(a, w);
      else throw a.garbage(w);
    }
    return d;
  },
  spec: async (d, common) => ({ ...common, ...d }),
  details: bridgeDetails,
  portDetails: bridgePortDetails,
};
