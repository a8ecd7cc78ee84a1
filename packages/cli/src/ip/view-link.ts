import * as C from '@nsrun/netlink/constants';
import { OPERSTATES, decodeLinkStats, type Link, type LinkStats } from '@nsrun/netlink';
import { formatIPv6 } from '@nsrun/netlink/wire';
import { IPV4_HWADDR_TYPES, LINK_MODES, linkFlagNames, linkTypeName } from './names.js';
import { Out } from './out.js';
import { kindDetails, portDetails } from './link-kinds/index.js';

// A link as iproute2 6.1 prints it (ip/ipaddress.c print_linkinfo): the header line, the
// link layer, with -d the details and the kind's data, the alias, with -s the counters, the
// alternative names; with -br one padded line. JSON and text come from the same calls.

type Links = ReadonlyMap<number, Link>;

export interface LinkViewOptions {
  /** `ip link` (mode, addrgenmode, alias and counters belong to it) rather than `ip address`. */
  doLink: boolean;
  /** `ip address -4/-6`: the link layer is left out (unless with details). */
  family?: 4 | 6 | undefined;
  /** -d */
  details?: boolean;
  /** -s, -s -s */
  stats?: number;
  /** Print "qlen N" (ip link and ip address do, ip monitor does not). */
  qlen?: boolean;
  /**
   * `ip -6 address` reads links through AF_INET6, whose answers (the kernel's
   * inet6_fill_ifinfo) carry no qdisc, master, group or link-netnsid: they are left out.
   */
  inet6?: boolean;
  /** The name of a namespace with this id (`ip netns set`), for "link-netns NAME". */
  nsidName?: (nsid: number) => string | undefined;
}

const linkName = (links: Links, index: number): string => links.get(index)?.name ?? `if${index}`;

function attr<T>(l: Link, type: string): T | undefined {
  return (l.message.attrs as { type: string; value?: unknown }[]).find((a) => a.type === type)?.value as T | undefined;
}

/** ll_addr_n2a: tunnels' addresses as IP addresses, the rest as colon-separated hex. */
export function hwaddr(type: number, mac: string): string {
  const parts = mac.split(':');
  if (IPV4_HWADDR_TYPES.has(type) && parts.length === 4) return parts.map((p) => parseInt(p, 16)).join('.');
  if ((type === C.ARPHRD_TUNNEL6 || type === C.ARPHRD_IP6GRE) && parts.length === 16) return formatIPv6(Buffer.from(parts.join(''), 'hex'));
  return mac;
}

/** The name with "@lower" as ip prints it, the JSON link fields, and whether to add M-DOWN. */
function nameAndLink(o: Out, l: Link, links: Links, format: (name: string) => string, inet6 = false): boolean {
  let name = l.name;
  let mdown = false;
  if (l.link !== undefined) {
    if (l.link === 0) {
      o.j('link', null);
      name = `${name}@NONE`;
    } else if (l.linkNetnsid !== undefined && !inet6) {
      o.j('link_index', l.link);
      name = `${name}@if${l.link}`;
    } else {
      o.j('link', linkName(links, l.link));
      name = `${name}@${linkName(links, l.link)}`;
      // ll_index_to_flags: a lower device that is down, or unknown, marks M-DOWN.
      mdown = !(links.get(l.link)?.up ?? false);
    }
  }
  o.any('ifname', l.name, format(name));
  return mdown;
}

function operstate(o: Out, l: Link, brief: boolean): void {
  const state = attr<number>(l, 'operstate');
  if (state === undefined) return;
  const name = OPERSTATES[state];
  if (name === undefined) {
    o.j('operstate_index', state).t(`state 0x${state.toString(16)} `);
  } else if (brief) o.any('operstate', name, `${name.padEnd(14)} `);
  else o.any('operstate', name, `state ${name} `);
}

function flags(o: Out, l: Link, mdown: boolean): void {
  const names = linkFlagNames(l.flags, mdown);
  o.any('flags', names, `<${names.join(',')}> `);
}

/** `ip -br link` / `ip -br address` (the addresses are added by the caller). */
export function briefLinkView(l: Link, links: Links, o: LinkViewOptions): Out {
  const out = new Out();
  const mdown = nameAndLink(out, l, links, (n) => `${n.padEnd(16)} `);
  operstate(out, l, true);
  if (o.doLink) {
    if (l.address !== undefined) out.any('address', hwaddr(l.type, l.address), `${hwaddr(l.type, l.address)} `);
    flags(out, l, mdown);
    out.t('\n');
  }
  return out;
}

/** A link's whole record (ending with "\n"); `ip address` adds its addresses after it. */
export function linkView(l: Link, links: Links, o: LinkViewOptions): Out {
  const out = new Out();
  out.any('ifindex', l.index, `${l.index}: `);
  const mdown = nameAndLink(out, l, links, (n) => `${n}: `, o.inet6);
  flags(out, l, mdown);
  if (l.mtu !== undefined) out.any('mtu', l.mtu, `mtu ${l.mtu} `);
  const qdisc = o.inet6 ? undefined : attr<string>(l, 'qdisc');
  if (qdisc !== undefined) out.any('qdisc', qdisc, `qdisc ${qdisc} `);
  if (l.master !== undefined && !o.inet6) out.any('master', linkName(links, l.master), `master ${linkName(links, l.master)} `);
  operstate(out, l, false);
  const mode = attr<number>(l, 'linkmode');
  if (o.doLink && mode !== undefined) {
    if (mode < LINK_MODES.length) out.any('linkmode', LINK_MODES[mode] as string, `mode ${LINK_MODES[mode]} `);
    else out.any('linkmode_index', mode, `mode ${mode} `);
  }
  if (!o.inet6) out.any('group', l.group === 0 ? 'default' : String(l.group), `group ${l.group === 0 ? 'default' : l.group} `);
  if (o.qlen !== false && l.txqlen) out.any('txqlen', l.txqlen, `qlen ${l.txqlen}`);
  const event = attr<number>(l, 'event');
  if (event) out.any('event', LINK_EVENTS[event] ?? event, `event ${LINK_EVENTS[event] ?? event} `);
  if (!o.family || o.details) linkLayer(out, l);
  if (l.linkNetnsid !== undefined && !o.inet6) {
    const id = l.linkNetnsid;
    const name = id >= 0 ? o.nsidName?.(id) : undefined;
    out.j('link_netnsid', id).t(id < 0 ? ' link-netnsid unknown' : name !== undefined ? ` link-netns ${name}` : ` link-netnsid ${id}`);
  }
  if (attr<number>(l, 'protoDown')) out.any('proto_down', true, ' protodown on ');
  if (o.details) details(out, l, links, o);
  if ((o.doLink || o.details) && l.alias !== undefined) out.nl().t('    ').any('ifalias', l.alias, `alias ${l.alias}`);
  if (o.doLink && o.stats) {
    out.nl();
    linkStats(out, l, o.stats);
  }
  const props = attr<{ type: string; code?: number; data?: Buffer }[]>(l, 'propList');
  if (props) {
    const alt = props.filter((p) => p.code === C.IFLA_ALT_IFNAME && p.data).map((p) => cstring(p.data as Buffer));
    out.j('altnames', alt);
    for (const a of alt) out.nl().t(`    altname ${a}`);
  }
  out.t('\n');
  return out;
}

const LINK_EVENTS: Readonly<Record<number, string>> = {
  1: 'REBOOT',
  2: 'FEATURE CHANGE',
  3: 'BONDING FAILOVER',
  4: 'NOTIFY PEERS',
  5: 'RESEND IGMP',
  6: 'BONDING OPTION',
};

const cstring = (b: Buffer): string => b.toString('utf8', 0, b.indexOf(0) < 0 ? b.length : b.indexOf(0));

function linkLayer(out: Out, l: Link): void {
  out.nl();
  out.any('link_type', linkTypeName(l.type), `    link/${linkTypeName(l.type)} `);
  if (l.address !== undefined) out.any('address', hwaddr(l.type, l.address), hwaddr(l.type, l.address));
  if (l.broadcast !== undefined) {
    if (l.flags & C.IFF_POINTOPOINT) out.t(' peer ').j('link_pointtopoint', true);
    else out.t(' brd ');
    out.any('broadcast', hwaddr(l.type, l.broadcast), hwaddr(l.type, l.broadcast));
  }
  const perm = attr<string>(l, 'permAddress');
  if (perm !== undefined && perm !== l.address) out.t(' permaddr ').any('permaddr', hwaddr(l.type, perm), hwaddr(l.type, perm));
}

/** The attributes of a nested set, raw: [type, payload]. */
function nestedAttrs(b: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  for (let p = 0; p + 4 <= b.length;) {
    const len = b.readUInt16LE(p);
    if (len < 4 || p + len > b.length) break;
    out.push([b.readUInt16LE(p + 2) & 0x3fff, b.subarray(p + 4, p + len)]);
    p += (len + 3) & ~3;
  }
  return out;
}

const ADDR_GEN_MODES: Readonly<Record<number, string>> = {
  [C.IN6_ADDR_GEN_MODE_EUI64]: 'eui64',
  [C.IN6_ADDR_GEN_MODE_NONE]: 'none',
  [C.IN6_ADDR_GEN_MODE_STABLE_PRIVACY]: 'stable_secret',
  [C.IN6_ADDR_GEN_MODE_RANDOM]: 'random',
};

function details(out: Out, l: Link, links: Links, o: LinkViewOptions): void {
  const u = (key: string, name: string, text: (v: number) => string): void => {
    const v = attr<number>(l, name);
    if (v !== undefined) out.any(key, v, text(v));
  };
  u('promiscuity', 'promiscuity', (v) => ` promiscuity ${v} `);
  u('allmulti', 'allmulti', (v) => ` allmulti ${v} `);
  u('min_mtu', 'minMtu', (v) => `minmtu ${v} `);
  u('max_mtu', 'maxMtu', (v) => `maxmtu ${v} `);
  const info = attr<{ type: string; value?: unknown; kind?: string }[]>(l, 'linkinfo');
  if (info) linkInfo(out, info, links);
  const af = attr<{ code?: number; data?: Buffer }[]>(l, 'afSpec');
  const inet6 = af?.find((a) => a.code === C.AF_INET6)?.data;
  const gen = inet6 && nestedAttrs(inet6).find(([t]) => t === C.IFLA_INET6_ADDR_GEN_MODE)?.[1];
  if (o.doLink && gen && gen.length >= 1) {
    const mode = gen[0] as number;
    const name = ADDR_GEN_MODES[mode] ?? `0x${mode.toString(16).padStart(2, '0')}`;
    out.any('inet6_addr_gen_mode', name, `addrgenmode ${name} `);
  }
  u('num_tx_queues', 'numTxQueues', (v) => `numtxqueues ${v} `);
  u('num_rx_queues', 'numRxQueues', (v) => `numrxqueues ${v} `);
  u('gso_max_size', 'gsoMaxSize', (v) => `gso_max_size ${v} `);
  u('gso_max_segs', 'gsoMaxSegs', (v) => `gso_max_segs ${v} `);
  u('tso_max_size', 'tsoMaxSize', (v) => `tso_max_size ${v} `);
  u('tso_max_segs', 'tsoMaxSegs', (v) => `tso_max_segs ${v} `);
  u('gro_max_size', 'groMaxSize', (v) => `gro_max_size ${v} `);
  const portName = attr<string>(l, 'physPortName');
  if (portName !== undefined) out.any('phys_port_name', portName, `portname ${portName} `);
  for (const [key, name, word] of [
    ['phys_port_id', 'physPortId', 'portid'],
    ['phys_switch_id', 'physSwitchId', 'switchid'],
  ] as const) {
    const b = attr<Buffer>(l, name);
    if (b) out.any(key, b.toString('hex'), `${word} ${b.toString('hex')} `);
  }
  const bus = attr<string>(l, 'parentDevBusName');
  if (bus !== undefined) out.any('parentbus', bus, `parentbus ${bus} `);
  const dev = attr<string>(l, 'parentDevName');
  if (dev !== undefined) out.any('parentdev', dev, `parentdev ${dev} `);
}

/** IFLA_LINKINFO: the kind and its data, the port kind and its data (print_linktype). */
function linkInfo(out: Out, info: readonly { type: string; value?: unknown; kind?: string }[], links: Links): void {
  const kind = info.find((a) => a.type === 'kind')?.value as string | undefined;
  const slaveKind = info.find((a) => a.type === 'slaveKind')?.value as string | undefined;
  const data = info.find((a) => a.type === 'data')?.value as { type: string; value?: unknown }[] | undefined;
  const slaveData = info.find((a) => a.type === 'slaveData')?.value as { type: string; value?: unknown }[] | undefined;
  out.obj('linkinfo', (o) => {
    if (kind !== undefined) {
      o.nl().any('info_kind', kind, `    ${kind} `);
      const p = kindDetails(kind);
      if (p) o.obj('info_data', (d) => p(d, data, links));
    }
    if (slaveKind !== undefined) {
      o.nl().any('info_slave_kind', slaveKind, `    ${slaveKind}_slave `);
      const p = portDetails(slaveKind);
      if (p) o.obj('info_slave_data', (d) => p(d, slaveData, links));
    }
  });
}

/** IFLA_STATS64 (or IFLA_STATS) of a link, decoded; undefined when the kernel sent none. */
export function linkCounters(l: Link): { stats: LinkStats; key: 'stats64' | 'stats' } | undefined {
  const s64 = attr<Buffer>(l, 'stats64');
  if (s64) return { stats: decodeLinkStats(s64, 8), key: 'stats64' };
  const s32 = attr<Buffer>(l, 'stats');
  if (s32) return { stats: decodeLinkStats(s32, 4), key: 'stats' };
  return undefined;
}

/** print_stats64: the counters, -s -s with the error counters; column widths as ip sizes them. */
export function linkStats(out: Out, l: Link, level: number): void {
  const c = linkCounters(l);
  if (!c) return;
  const s = c.stats;
  const carrierChanges = attr<number>(l, 'carrierChanges');
  const more = level > 1;
  const rx: Record<string, bigint> = {
    bytes: s.rxBytes,
    packets: s.rxPackets,
    errors: s.rxErrors,
    dropped: s.rxDropped,
    over_errors: s.rxOverErrors,
    multicast: s.multicast,
  };
  if (s.rxCompressed) rx.compressed = s.rxCompressed;
  if (more) {
    Object.assign(rx, {
      length_errors: s.rxLengthErrors,
      crc_errors: s.rxCrcErrors,
      frame_errors: s.rxFrameErrors,
      fifo_errors: s.rxFifoErrors,
      missed_errors: s.rxMissedErrors,
    });
    if (s.rxNohandler) rx.nohandler = s.rxNohandler;
    if (s.rxOtherhostDropped) rx.otherhost = s.rxOtherhostDropped;
  }
  const tx: Record<string, bigint> = {
    bytes: s.txBytes,
    packets: s.txPackets,
    errors: s.txErrors,
    dropped: s.txDropped,
    carrier_errors: s.txCarrierErrors,
    collisions: s.collisions,
  };
  if (s.txCompressed) tx.compressed = s.txCompressed;
  if (more) {
    Object.assign(tx, {
      aborted_errors: s.txAbortedErrors,
      fifo_errors: s.txFifoErrors,
      window_errors: s.txWindowErrors,
      heartbeat_errors: s.txHeartbeatErrors,
    });
    if (carrierChanges !== undefined) tx.carrier_changes = BigInt(carrierChanges);
  }
  out.j(c.key, { rx, tx });

  // Column widths: the header words' lengths, widened to the longest number in the column.
  const cols = [10, 7, 6, 7, 7, 7, 10, 9];
  const size = (...vals: bigint[]): void =>
    vals.forEach((v, i) => {
      cols[i] = Math.max(cols[i] as number, v.toString().length);
    });
  size(s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissedErrors, s.multicast, s.rxCompressed, 0n);
  if (more) size(0n, s.rxLengthErrors, s.rxCrcErrors, s.rxFrameErrors, s.rxFifoErrors, s.rxOverErrors, s.rxNohandler, s.rxOtherhostDropped);
  size(s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrierErrors, s.collisions, s.txCompressed, 0n);
  if (more) size(0n, 0n, s.txAbortedErrors, s.txFifoErrors, s.txWindowErrors, s.txHeartbeatErrors, BigInt(carrierChanges ?? 0), 0n);
  const w = (i: number): number => cols[i] as number;
  const pad = (text: string, width: number): string => text.padStart(Math.max(width, 0));
  const num = (i: number, v: bigint): string => `${pad(String(v), w(i))} `;
  const head = (words: readonly string[], last: string): string =>
    `${pad(words[0] as string, w(0) - 4)} ${words
      .slice(1)
      .map((x, i) => pad(x, w(i + 1)))
      .join(' ')} ${pad(last, w(6))}`;

  let t = `    RX: ${head(['bytes', 'packets', 'errors', 'dropped', 'missed', 'mcast'], s.rxCompressed ? 'compressed' : '')}\n`;
  t += `    ${num(0, s.rxBytes)}${num(1, s.rxPackets)}${num(2, s.rxErrors)}${num(3, s.rxDropped)}${num(4, s.rxMissedErrors)}${num(5, s.multicast)}`;
  if (s.rxCompressed) t += num(6, s.rxCompressed);
  if (more) {
    t += `\n    RX errors:${pad('', w(0) - 10)} ${pad('length', w(1))} ${pad('crc', w(2))} ${pad('frame', w(3))} ${pad('fifo', w(4))} ${pad('overrun', w(5))}`;
    t += `${s.rxNohandler ? pad(' nohandler', w(6) + 1) : ''}${s.rxOtherhostDropped ? pad(' otherhost', w(7) + 1) : ''}\n`;
    t += `${pad('', w(0) + 5)}${num(1, s.rxLengthErrors)}${num(2, s.rxCrcErrors)}${num(3, s.rxFrameErrors)}${num(4, s.rxFifoErrors)}${num(5, s.rxOverErrors)}`;
    if (s.rxNohandler) t += num(6, s.rxNohandler);
    if (s.rxOtherhostDropped) t += num(7, s.rxOtherhostDropped);
  }
  t += '\n';
  t += `    TX: ${head(['bytes', 'packets', 'errors', 'dropped', 'carrier', 'collsns'], s.txCompressed ? 'compressed' : '')}\n`;
  t += `    ${num(0, s.txBytes)}${num(1, s.txPackets)}${num(2, s.txErrors)}${num(3, s.txDropped)}${num(4, s.txCarrierErrors)}${num(5, s.collisions)}`;
  if (s.txCompressed) t += num(6, s.txCompressed);
  if (more) {
    t += `\n    TX errors:${pad('', w(0) - 10)} ${pad('aborted', w(1))} ${pad('fifo', w(2))} ${pad('window', w(3))} ${pad('heartbt', w(4))} ${pad(carrierChanges !== undefined ? 'transns' : '', w(5))}\n`;
    t += `${pad('', w(0) + 5)}${num(1, s.txAbortedErrors)}${num(2, s.txFifoErrors)}${num(3, s.txWindowErrors)}${num(4, s.txHeartbeatErrors)}`;
    if (carrierChanges !== undefined) t += num(5, BigInt(carrierChanges));
  }
  out.t(t);
}
