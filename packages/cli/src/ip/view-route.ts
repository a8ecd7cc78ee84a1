import * as C from '@nsrun/netlink/constants';
import type { Link, Route } from '@nsrun/netlink';
import type { RouteAttr } from '@nsrun/netlink/messages';
import { cacheFlagNames, hex0x, protocols, routeFlagNames, routePref, routeTypes, scopes, tables } from './names.js';
import { Out } from './out.js';

// A route as iproute2 6.1 prints it (ip/iproute.c print_route), for `ip route show`,
// `ip route get` (a looked-up route: RTM_F_CLONED, cache flags, uid) and ip monitor.

type Links = ReadonlyMap<number, Link>;

export interface RouteViewOptions {
  /** Print "table" for routes outside main: ip does unless the listing names one table. */
  showTable: boolean;
  /** Leave "dev" out (ip does when the listing is filtered by dev). */
  hideDev?: boolean;
  /** -d: type, table, protocol and scope always. */
  details?: boolean;
  /** -s: the cache info's users, used and age. */
  stats?: number;
}

const linkName = (links: Links, index: number): string => links.get(index)?.name ?? `if${index}`;

type Values = { [A in Exclude<RouteAttr, { type: 'unknown' }> as A['type']]: A['value'] };

function attr<K extends keyof Values>(r: Route, type: K): Values[K] | undefined {
  return (r.message.attrs.find((a) => a.type === type) as { value?: unknown } | undefined)?.value as Values[K] | undefined;
}

/** A host route's destination prints without /32 or /128, as ip does. */
function dstText(r: Route): string {
  const dst = attr(r, 'dst');
  if (dst === undefined) return r.dstLen ? `0/${r.dstLen} ` : 'default';
  return r.dstLen === (r.family === 4 ? 32 : 128) ? dst : `${dst}/${r.dstLen}`;
}

/** RTA_METRICS entries ip prints: its word (mx_names) and the RTAX_* number (for the lock bits). */
const METRICS: Readonly<Record<string, readonly [string, number]>> = {
  mtu: ['mtu', C.RTAX_MTU],
  window: ['window', C.RTAX_WINDOW],
  rtt: ['rtt', C.RTAX_RTT],
  rttvar: ['rttvar', C.RTAX_RTTVAR],
  ssthresh: ['ssthresh', C.RTAX_SSTHRESH],
  cwnd: ['cwnd', C.RTAX_CWND],
  advmss: ['advmss', C.RTAX_ADVMSS],
  reordering: ['reordering', C.RTAX_REORDERING],
  hoplimit: ['hoplimit', C.RTAX_HOPLIMIT],
  initcwnd: ['initcwnd', C.RTAX_INITCWND],
  features: ['features', C.RTAX_FEATURES],
  rtoMin: ['rto_min', C.RTAX_RTO_MIN],
  initrwnd: ['initrwnd', C.RTAX_INITRWND],
  quickack: ['quickack', C.RTAX_QUICKACK],
  ccAlgo: ['congctl', C.RTAX_CC_ALGO],
  fastopenNoCookie: ['fastopen_no_cookie', C.RTAX_FASTOPEN_NO_COOKIE],
};

/** print_rta_metrics: one JSON object in an array; words, "lock", and the units ip adds. */
function metrics(out: Out, list: readonly { type: string; value?: unknown }[]): void {
  const lock = (list.find((m) => m.type === 'lock')?.value as number | undefined) ?? 0;
  const m = new Out();
  for (const x of list) {
    const entry = METRICS[x.type];
    if (entry === undefined) continue;
    const [name, code] = entry;
    const locked = lock & (1 << code) ? 'lock ' : '';
    if (x.type === 'ccAlgo') {
      const algo = (x.value as Buffer).toString('utf8').replace(/\0.*$/s, '');
      m.t(`${name} ${locked}`).any('congestion', algo, `${algo} `);
      continue;
    }
    let v = x.value as number;
    if (x.type === 'hoplimit' && (v | 0) === -1) continue;
    m.t(`${name} ${locked}`);
    if (x.type === 'features') {
      if (v & C.RTAX_FEATURE_ECN) m.any('ecn', null, 'ecn ');
      if (v & ~C.RTAX_FEATURE_ECN) m.any('features', hex0x(v), `${hex0x(v)} `);
    } else if (x.type === 'rtt' || x.type === 'rttvar' || x.type === 'rtoMin') {
      if (x.type === 'rtt') v = Math.floor(v / 8);
      else if (x.type === 'rttvar') v = Math.floor(v / 4);
      m.any(name, v, v >= 1000 ? `${v / 1e3}s ` : `${v}ms `);
    } else m.any(name, v, `${v} `);
  }
  out.j('metrics', [m.json]).t(m.text);
}

export function routeView(r: Route, links: Links, o: RouteViewOptions): Out {
  const out = new Out();
  const cloned = (r.flags & C.RTM_F_CLONED) !== 0;
  if (r.type !== C.RTN_UNICAST || o.details) out.any('type', routeTypes.name(r.type), `${routeTypes.name(r.type)} `);
  out.any('dst', dstText(r), `${dstText(r)} `);
  const src = attr(r, 'src');
  if (src !== undefined) {
    const from = r.message.srcLen === (r.family === 4 ? 32 : 128) ? src : `${src}/${r.message.srcLen}`;
    out.any('from', from, `from ${from} `);
  } else if (r.message.srcLen) out.any('src', `0/${r.message.srcLen}`, `from 0/${r.message.srcLen} `);
  const nhid = attr(r, 'nhId');
  if (nhid !== undefined) out.any('nhid', nhid, `nhid ${nhid} `);
  if (r.message.tos) out.any('tos', `0x${r.message.tos.toString(16).padStart(2, '0')}`, `tos 0x${r.message.tos.toString(16).padStart(2, '0')} `);
  const gw = attr(r, 'gateway');
  if (gw !== undefined) out.j('gateway', gw).t(`via ${gw} `);
  const via = attr(r, 'via');
  if (via !== undefined) {
    const fam = via.family === C.AF_INET ? 'inet' : via.family === C.AF_INET6 ? 'inet6' : String(via.family);
    out.j('via', { family: fam, host: via.address }).t(`via ${fam} ${via.address} `);
  }
  if (r.oif !== undefined && !o.hideDev) out.j('dev', linkName(links, r.oif)).t(`dev ${linkName(links, r.oif)} `);
  if (r.table && (r.table !== C.RT_TABLE_MAIN || o.details) && o.showTable) out.any('table', tables.name(r.table), `table ${tables.name(r.table)} `);
  if (!cloned) {
    if (r.protocol !== C.RTPROT_BOOT || o.details) out.any('protocol', protocols.name(r.protocol), `proto ${protocols.name(r.protocol)} `);
    if (r.scope !== C.RT_SCOPE_UNIVERSE || o.details) out.any('scope', scopes.name(r.scope), `scope ${scopes.name(r.scope)} `);
  }
  if (r.prefsrc !== undefined) out.j('prefsrc', r.prefsrc).t(`src ${r.prefsrc} `);
  if (r.metric !== undefined) out.any('metric', r.metric, `metric ${r.metric} `);
  const flags = routeFlagNames(r.flags);
  out.any('flags', flags, flags.map((f) => `${f} `).join(''));
  const mark = attr(r, 'mark');
  if (mark) out.j('mark', mark).t(mark >= 16 ? `mark 0x${mark.toString(16)} ` : `mark ${mark} `);
  const uid = attr(r, 'uid');
  if (uid !== undefined) out.any('uid', uid, `uid ${uid} `);
  if (r.message.family === C.AF_INET && cloned) {
    const c = cacheFlagNames(r.flags);
    out.j('cache', c.names).t('\n    cache ');
    // As print_cache_flags: "<a,b> ", or "<a,HEX>" with bits it has no word for.
    if (c.rest) out.t(`<${c.names.map((n) => `${n},`).join('')}${c.rest.toString(16)}>`);
    else if (c.names.length) out.t(`<${c.names.join(',')}> `);
  }
  const ci = attr(r, 'cacheinfo');
  if (ci !== undefined && ci.length >= 32 && (r.message.family === C.AF_INET || r.message.family === C.AF_INET6)) cacheInfo(out, ci, o.stats ?? 0);
  const m = attr(r, 'metrics');
  if (m !== undefined) metrics(out, m);
  const iif = attr(r, 'iif');
  if (iif !== undefined) out.j('iif', linkName(links, iif)).t(`iif ${linkName(links, iif)} `);
  const pref = attr(r, 'pref');
  if (pref !== undefined) out.any('pref', routePref(pref), `pref ${routePref(pref)}`);
  const ttl = attr(r, 'ttlPropagate');
  if (ttl !== undefined) out.j('ttl-propogate', ttl !== 0).t(`ttl-propogate ${ttl ? 'enabled' : 'disabled'}`);
  if (r.nexthops) {
    const hops = r.nexthops.map((h) => {
      const n = new Out();
      n.t('\n\tnexthop ');
      if (h.gateway !== undefined) n.j('gateway', h.gateway).t(`via ${h.gateway} `);
      n.any('dev', linkName(links, h.oif), `dev ${linkName(links, h.oif)} `);
      n.any('weight', h.weight, `weight ${h.weight} `);
      const f = routeFlagNames(h.flags);
      n.any('flags', f, f.map((x) => `${x} `).join(''));
      return n;
    });
    out
      .j(
        'nexthops',
        hops.map((n) => n.json),
      )
      .t(hops.map((n) => n.text).join(''));
  }
  out.t('\n');
  return out;
}

/** struct rta_cacheinfo (print_rta_cacheinfo): expiry, error, with -s use counts; clock ticks at USER_HZ (100). */
function cacheInfo(out: Out, ci: Buffer, stats: number): void {
  const HZ = 100;
  const clntref = ci.readUInt32LE(0);
  const lastuse = ci.readUInt32LE(4);
  const expires = ci.readInt32LE(8);
  const error = ci.readUInt32LE(12);
  const used = ci.readUInt32LE(16);
  const id = ci.readUInt32LE(20);
  const ts = ci.readUInt32LE(24);
  const tsage = ci.readUInt32LE(28);
  if (expires !== 0) out.any('expires', Math.trunc(expires / HZ), `expires ${Math.trunc(expires / HZ)}sec `);
  if (error !== 0) out.any('error', error, `error ${error} `);
  if (stats) {
    if (clntref) out.any('users', clntref, `users ${clntref} `);
    if (used) out.any('used', used, `used ${used} `);
    if (lastuse) out.any('age', Math.floor(lastuse / HZ), `age ${Math.floor(lastuse / HZ)}sec `);
  }
  if (id) out.any('ipid', hex0x(id), `ipid 0x${id.toString(16).padStart(4, '0')} `);
  if (ts || tsage) {
    out.any('ts', hex0x(ts), `ts 0x${ts.toString(16)}`);
    out.any('tsage', tsage, `tsage ${tsage}sec `);
  }
}
