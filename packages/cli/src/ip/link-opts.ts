import { checkIfname, checkMac, type LinkCommon, type VethPeer } from '@nsrun/netlink';
import type { Args } from '../args.js';
import { parseNetnsArg, type NetnsArg, type Resolver } from './context.js';

// The options `ip link add` and `ip link set` share, and a veth peer takes too: parsed with
// names not yet resolved, then turned into LinkAddSpec fields through a Resolver.

/** Options of a link or of a veth peer, names not yet resolved to indexes. */
export interface LinkOpts {
  name?: string;
  address?: string;
  mtu?: number;
  txqlen?: number;
  group?: number;
  master?: string;
  netns?: NetnsArg;
  up?: boolean;
  /** `link DEV` before `type`: the lower device of vlan/macvlan (vxlan's `dev`). */
  link?: string;
}

/** One common link option (shared by add, its veth peer, and set); false when `w` is none. */
export function commonOption(a: Args, w: string, o: LinkOpts): boolean {
  switch (w) {
    case 'address':
    case 'addr':
    case 'lladdr':
      o.address = checkMac('address', a.need('MAC address'));
      return true;
    case 'mtu':
      o.mtu = a.uint('mtu', 68, 65536);
      return true;
    case 'txqueuelen':
    case 'txqlen':
    case 'qlen':
      o.txqlen = a.uint('txqueuelen');
      return true;
    case 'group':
      o.group = a.uint('group');
      return true;
    case 'master':
      o.master = checkIfname('master', a.need('master device'));
      return true;
    case 'netns':
      o.netns = parseNetnsArg(a.need('netns name or pid'));
      return true;
    case 'up':
      o.up = true;
      return true;
    case 'down':
      o.up = false;
      return true;
    default:
      return false;
  }
}

/** The fields a link and a veth peer share (not master: a link's is resolved apart, a peer has none). */
function shared(r: Resolver, o: LinkOpts): VethPeer {
  const out: VethPeer = {};
  if (o.name !== undefined) out.name = o.name;
  if (o.address !== undefined) out.address = o.address;
  if (o.mtu !== undefined) out.mtu = o.mtu;
  if (o.txqlen !== undefined) out.txqlen = o.txqlen;
  if (o.group !== undefined) out.group = o.group;
  if (o.netns !== undefined) out.netns = r.netns(o.netns);
  return out;
}

/** A veth peer's fields (parsePeer has refused up and master). */
export const peerSpec = (r: Resolver, o: LinkOpts): VethPeer => shared(r, o);

/** The common LinkAddSpec fields of a new link but its master (resolved last, as it always was). */
export function commonSpec(r: Resolver, o: LinkOpts & { name: string }): LinkCommon {
  const out: LinkCommon = { ...shared(r, o), name: o.name };
  if (o.up !== undefined) out.up = o.up;
  return out;
}
