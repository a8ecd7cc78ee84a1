import type { IpAddrInfoJson, IpLinkJson, IpNeighJson, IpRouteJson } from './json.js';

// ip's text output, rendered from the same objects the JSON output prints, so both agree.

const FOREVER = 0xffffffff;

/** `2: v1@v0: <BROADCAST,...> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000` */
export function linkText(l: IpLinkJson): string {
  let s = `${l.ifindex}: ${l.ifname}`;
  if (l.link !== undefined) s += `@${l.link ?? 'NONE'}`;
  else if (l.link_index !== undefined) s += `@if${l.link_index}`;
  s += `: <${l.flags.join(',')}>`;
  if (l.mtu !== undefined) s += ` mtu ${l.mtu}`;
  if (l.qdisc !== undefined) s += ` qdisc ${l.qdisc}`;
  if (l.master !== undefined) s += ` master ${l.master}`;
  s += ` state ${l.operstate}`;
  if (l.linkmode !== undefined) s += ` mode ${l.linkmode}`;
  s += ` group ${l.group}`;
  if (l.txqlen !== undefined) s += ` qlen ${l.txqlen}`;
  s += '\n';
  if (l.link_type !== undefined) {
    s += `    link/${l.link_type}`;
    if (l.address !== undefined) s += ` ${l.address}`;
    if (l.broadcast !== undefined) s += ` ${l.flags.includes('POINTOPOINT') ? 'peer' : 'brd'} ${l.broadcast}`;
    if (l.link_netnsid !== undefined) s += ` link-netnsid ${l.link_netnsid}`;
    s += '\n';
  }
  for (const a of l.addr_info ?? []) s += addrText(a);
  return s;
}

const KNOWN_ADDR_KEYS = new Set([
  'family', 'local', 'address', 'prefixlen', 'metric', 'broadcast', 'anycast', 'scope', 'label', 'valid_life_time', 'preferred_life_time',
]);

const lifetime = (n: number | undefined): string => (n === undefined ? '' : n === FOREVER ? 'forever' : `${n}sec`);

/** `    inet 10.0.0.1/24 brd 10.0.0.255 scope global secondary br0:1` and its lifetimes line. */
export function addrText(a: IpAddrInfoJson): string {
  let s = `    ${a.family} ${a.local}`;
  if (a.address !== undefined) s += ` peer ${a.address}`;
  s += `/${a.prefixlen}`;
  if (a.metric !== undefined) s += ` metric ${a.metric}`;
  if (a.broadcast !== undefined) s += ` brd ${a.broadcast}`;
  if (a.anycast !== undefined) s += ` any ${a.anycast}`;
  s += ` scope ${a.scope}`;
  for (const [k, v] of Object.entries(a)) if (v === true && !KNOWN_ADDR_KEYS.has(k)) s += ` ${k}`;
  if (a.label !== undefined) s += ` ${a.label}`;
  s += '\n';
  if (a.valid_life_time !== undefined) s += `       valid_lft ${lifetime(a.valid_life_time)} preferred_lft ${lifetime(a.preferred_life_time)}\n`;
  return s;
}

/** `default via 10.0.0.1 dev eth0 proto static metric 100`, next hops on tab-indented lines. */
export function routeText(r: IpRouteJson): string {
  const w: string[] = [];
  if (r.type !== undefined) w.push(r.type);
  w.push(r.dst);
  if (r.from !== undefined) w.push('from', r.from);
  if (r.gateway !== undefined) w.push('via', r.gateway);
  if (r.dev !== undefined) w.push('dev', r.dev);
  if (r.table !== undefined) w.push('table', r.table);
  if (r.protocol !== undefined) w.push('proto', r.protocol);
  if (r.scope !== undefined) w.push('scope', r.scope);
  if (r.prefsrc !== undefined) w.push('src', r.prefsrc);
  if (r.metric !== undefined) w.push('metric', String(r.metric));
  w.push(...r.flags);
  if (r.pref !== undefined) w.push('pref', r.pref);
  for (const m of r.metrics ?? []) for (const [k, v] of Object.entries(m)) w.push(k, String(v));
  let s = w.join(' ');
  for (const h of r.nexthops ?? []) {
    const hw = ['nexthop'];
    if (h.gateway !== undefined) hw.push('via', h.gateway);
    if (h.dev !== undefined) hw.push('dev', h.dev);
    hw.push('weight', String(h.weight), ...h.flags);
    s += `\n\t${hw.join(' ')}`;
  }
  return `${s}\n`;
}

/** `10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE` */
export function neighText(n: IpNeighJson): string {
  const w = [n.dst];
  if (n.dev !== undefined) w.push('dev', n.dev);
  if (n.lladdr !== undefined) w.push('lladdr', n.lladdr);
  if (n.router !== undefined) w.push('router');
  if (n.proxy !== undefined) w.push('proxy');
  w.push(...(n.state.length ? n.state : ['NONE']));
  return `${w.join(' ')}\n`;
}
