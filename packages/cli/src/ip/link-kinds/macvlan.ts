import { MACVLAN_MODES, ValidationError, type MacvlanMode } from '@nsrun/netlink';
import type { Args } from '../../args.js';
import { macvlanDetails } from '../view-kinds.js';
import { needLower, type KindEntry } from './kind.js';

export interface MacvlanArgs<K extends 'macvlan' | 'macvtap'> {
  kind: K;
  /** The lower device's name. */
  link: string;
  mode?: MacvlanMode;
}

const isMode = (m: string): m is MacvlanMode => Object.hasOwn(MACVLAN_MODES, m);

function parse<K extends 'macvlan' | 'macvtap'>(kind: K, a: Args, lower: string | undefined): MacvlanArgs<K> {
  let mode: MacvlanMode | undefined;
  while (!a.done) {
    const w = a.next() as string;
    if (w !== 'mode') throw a.garbage(w);
    const m = a.need('macvlan mode');
    // The error linkAddRequest gives for a bad mode, now before anything is resolved.
    if (!isMode(m)) throw new ValidationError('link.mode', m, `must be one of ${Object.keys(MACVLAN_MODES).join(', ')}`);
    mode = m;
  }
  return { kind, link: needLower(a, kind, lower), ...(mode ? { mode } : {}) };
}

const usage = [`[mode ${Object.keys(MACVLAN_MODES).join('|')}]`];

export const macvlan: KindEntry<'macvlan', MacvlanArgs<'macvlan'>> = {
  usage,
  needsLower: true,
  parse: (a, lower) => parse('macvlan', a, lower),
  spec: async (d, common, r) => ({ ...common, kind: 'macvlan', link: await r.index(d.link), ...(d.mode ? { mode: d.mode } : {}) }),
  details: macvlanDetails,
};

/** macvlan's parser and printer under its other name: the same `usage` (LINK_USAGE shows them on one line). */
export const macvtap: KindEntry<'macvtap', MacvlanArgs<'macvtap'>> = {
  usage,
  needsLower: true,
  parse: (a, lower) => parse('macvtap', a, lower),
  spec: async (d, common, r) => ({ ...common, kind: 'macvtap', link: await r.index(d.link), ...(d.mode ? { mode: d.mode } : {}) }),
  details: macvlanDetails,
};
