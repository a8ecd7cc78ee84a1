import * as C from '../constants/index.js';
import type { RawMessage } from '../wire/header.js';
import { ValidationError } from '../errors.js';
import { decodeAddr } from '../messages/addr.js';
import { decodeNeigh } from '../messages/neigh.js';
import { linkFromBytes, type Link } from '../ops/link.js';
import { addressFromMessage, type Address } from '../ops/addr.js';
import { routeFromBytes, type Route } from '../ops/route-view.js';
import { neighbourFromMessage, type Neighbour } from '../ops/neigh.js';

// What a notification becomes: the same objects the list operations return.

export type RtnlGroup = 'link' | 'addr' | 'route' | 'neigh';

export type RtnlEvent =
  | { action: 'new' | 'del'; kind: 'link'; link: Link }
  | { action: 'new' | 'del'; kind: 'addr'; address: Address }
  | { action: 'new' | 'del'; kind: 'route'; route: Route }
  | { action: 'new' | 'del'; kind: 'neigh'; neighbour: Neighbour };

export const ALL_GROUPS: readonly RtnlGroup[] = ['link', 'addr', 'route', 'neigh'];

/** RTM_NEW* / RTM_DEL* of the four families as events; anything else is ignored. */
export function toEvent(m: RawMessage): RtnlEvent | undefined {
  const { buf, start, end } = m;
  switch (m.type) {
    case C.RTM_NEWLINK:
    case C.RTM_DELLINK:
      return { action: m.type === C.RTM_NEWLINK ? 'new' : 'del', kind: 'link', link: linkFromBytes(buf, start, end) };
    case C.RTM_NEWADDR:
    case C.RTM_DELADDR:
      return { action: m.type === C.RTM_NEWADDR ? 'new' : 'del', kind: 'addr', address: addressFromMessage(decodeAddr(buf, start, end)) };
    case C.RTM_NEWROUTE:
    case C.RTM_DELROUTE:
      return { action: m.type === C.RTM_NEWROUTE ? 'new' : 'del', kind: 'route', route: routeFromBytes(buf, start, end) };
    case C.RTM_NEWNEIGH:
    case C.RTM_DELNEIGH: {
      // RTNLGRP_NEIGH also carries bridge FDB entries (AF_BRIDGE): not neighbours.
      const n = decodeNeigh(buf, start, end);
      if (n.family !== C.AF_INET && n.family !== C.AF_INET6) return undefined;
      return { action: m.type === C.RTM_NEWNEIGH ? 'new' : 'del', kind: 'neigh', neighbour: neighbourFromMessage(n) };
    }
    default:
      return undefined;
  }
}

export function checkGroups(groups: unknown): readonly RtnlGroup[] {
  if (groups === undefined) return ALL_GROUPS;
  if (!Array.isArray(groups) || groups.length === 0) throw new ValidationError('groups', groups, `must be a non-empty array of ${ALL_GROUPS.join(', ')}`);
  for (const g of groups) {
    if (!(ALL_GROUPS as readonly unknown[]).includes(g)) throw new ValidationError('groups', g, `unknown group; one of ${ALL_GROUPS.join(', ')}`);
  }
  return [...new Set(groups as RtnlGroup[])];
}
