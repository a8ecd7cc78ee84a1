import * as C from '../constants/index.js';
import type { RtnlRequest, RtnlClient } from '../client.js';
import { ValidationError } from '../errors.js';
import { checkInt, checkPrefix, writeAddrAttr, type Prefix } from '../validate.js';
import { linkIndex } from './link.js';
import type { LinkRef } from './common.js';
import { decodeRouteMsg, type Route } from './route-view.js';
import { indexOnly } from './index-only.js';

// ---- look up ----------------------------------------------------------------------------------

/** What `ip route get` asks: the route the kernel would use for a packet. */
export interface RouteQuery {
  /** The destination address ("/32" or "/128" accepted, as ip accepts it). */
  to: string;
  /** Source address or prefix (RTA_SRC): the route as seen by a packet from there. */
  from?: string;
  /** Input interface (RTA_IIF): the route of a packet arriving there (needs `from`). */
  iif?: LinkRef;
  /** Output interface (RTA_OIF). */
  oif?: LinkRef;
  /** Firewall mark (RTA_MARK). */
  mark?: number;
  /** User id (RTA_UID), for uid-based rules. */
  uid?: number;
  /** The matching FIB entry instead of the resolved route (RTM_F_FIB_MATCH). */
  fibMatch?: boolean;
}

function checkQuery(
  q: RouteQuery,
  iifIndex: number | undefined,
  oifIndex: number | undefined,
): {
  to: Prefix;
  from: Prefix | undefined;
  iif: number | undefined;
  oif: number | undefined;
  mark: number | undefined;
  uid: number | undefined;
} {
  if (typeof q !== 'object' || q === null) throw new ValidationError('query', q, 'must be an object');
  const to = checkPrefix('query.to', q.to);
  const full = to.family === 4 ? 32 : 128;
  if (to.prefixlen !== full) throw new ValidationError('query.to', q.to, `must be one address (/${full} or none)`);
  const from = q.from === undefined ? undefined : checkPrefix('query.from', q.from, { family: to.family });
  const mark = q.mark === undefined ? undefined : checkInt('query.mark', q.mark, 0, 0xffffffff);
  const uid = q.uid === undefined ? undefined : checkInt('query.uid', q.uid, 0, 0xffffffff);
  return { to, from, iif: iifIndex, oif: oifIndex, mark, uid };
}

/**
 * RTM_GETROUTE for one destination (no dump): the kernel answers with the route it would
 * use, as `ip route get` shows it. `iif` and `oif` must be indexes here (routeGet resolves names).
 */
export function routeGetRequest(q: RouteQuery): RtnlRequest {
  const r = checkQuery(q, indexOnly('query.iif', q.iif), indexOnly('query.oif', q.oif));
  const what = `routeGet ${r.to.address}${r.from ? ` from ${q.from}` : ''}${r.iif !== undefined ? ` iif #${r.iif}` : ''}${r.oif !== undefined ? ` oif #${r.oif}` : ''}`;
  return {
    type: C.RTM_GETROUTE,
    what,
    body: (w) => {
      // As ip: IPv4 asks for the table of the route too (RTM_F_LOOKUP_TABLE, IPv4 only).
      const flags = (r.to.family === 4 ? C.RTM_F_LOOKUP_TABLE : 0) | (q.fibMatch ? C.RTM_F_FIB_MATCH : 0);
      w.u8(r.to.family === 4 ? C.AF_INET : C.AF_INET6)
        .u8(r.to.prefixlen)
        .u8(r.from?.prefixlen ?? 0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u8(0)
        .u32(flags);
      // In iproute2's order (for `ip route get DST from SRC uid U iif I oif O mark M`).
      writeAddrAttr(w, C.RTA_DST, r.to);
      if (r.from) writeAddrAttr(w, C.RTA_SRC, r.from);
      if (r.uid !== undefined) w.attrU32(C.RTA_UID, r.uid);
      if (r.iif !== undefined) w.attrU32(C.RTA_IIF, r.iif);
      if (r.oif !== undefined) w.attrU32(C.RTA_OIF, r.oif);
      if (r.mark !== undefined && r.mark !== 0) w.attrU32(C.RTA_MARK, r.mark);
    },
  };
}

/** The route the kernel would use for `q` (RTM_F_CLONED, with RTA_UID, RTA_CACHEINFO... in `message`). */
export async function routeGet(c: RtnlClient, q: RouteQuery): Promise<Route> {
  checkQuery(q, undefined, undefined);
  const iif = q.iif === undefined ? undefined : await linkIndex(c, q.iif);
  const oif = q.oif === undefined ? undefined : await linkIndex(c, q.oif);
  const [r] = await c.request(routeGetRequest({ ...q, iif, oif }), decodeRouteMsg);
  if (!r) throw new Error(`routeGet ${q.to}: the kernel sent no route`);
  return r;
}
