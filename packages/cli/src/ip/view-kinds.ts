import * as C from '@nsrun/netlink/constants';
import type { Link } from '@nsrun/netlink';
import { hex0x } from './names.js';
import { Out, Raw } from './out.js';

// `ip -d link`: what each link kind reports in IFLA_INFO_DATA (and a bridge port in
// IFLA_INFO_SLAVE_DATA), printed field by field as iproute2 6.1's printers do (ip/iplink_*.c):
// the same order, keys, words and number formats. Each kind's entry in link-kinds/ names its
// printer (the compiler asks every kind of the table for one, or null: veth reports no data);
// kinds outside the table show their kind only, as ip does for kinds it has no printer for.

type Links = ReadonlyMap<number, Link>;
type Attr = { type: string; value?: unknown };

/** A kind's printer: the data attributes (undefined when the kernel sent none) to `o`. */
export type KindPrinter = (o: Out, data: readonly Attr[] | undefined, links: Links) => void;

const get = <T>(attrs: readonly Attr[], type: string): T | undefined => attrs.find((a) => a.type === type)?.value as T | undefined;
const linkName = (links: Links, index: number): string => links.get(index)?.name ?? `if${index}`;

/** A bridge timer (centiseconds) as ip prints it: "%4i.%.2i" in text, a number with two decimals in JSON. */
function timer(o: Out, key: string, v: bigint | undefined): void {
  if (v === undefined) return;
  const sec = v / 100n;
  const cs = String(v % 100n).padStart(2, '0');
  o.any(key, new Raw(`${sec}.${cs}`), `${key} ${String(sec).padStart(4)}.${cs} `);
}

/** struct ifla_bridge_id as br_dump_bridge_id prints it: "8000.2:0:0:0:0:1" (the MAC by ether_ntoa, unpadded). */
function bridgeId(b: Buffer): string {
  const prio = [...b.subarray(0, 2)].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${prio}.${[...b.subarray(2, 8)].map((x) => x.toString(16)).join(':')}`;
}

/** ll_proto_n2a for the VLAN protocols a bridge or VLAN reports. */
const vlanProto = (p: number): string => (p === C.ETH_P_8021Q ? '802.1Q' : p === C.ETH_P_8021AD ? '802.1ad' : `[${p}]`);

const onOff = (o: Out, key: string, word: string, v: number | undefined): void => {
  if (v !== undefined) o.any(key, v !== 0, `${word} ${v ? 'on' : 'off'} `);
};

export function bridgeDetails(o: Out, d: readonly Attr[] | undefined): void {
  if (!d) return;
  const u = (key: string, name: string, word = key): void => {
    const v = get<number | bigint>(d, name);
    if (v !== undefined) o.any(key, v, `${word} ${v} `);
  };
  u('forward_delay', 'forwardDelay');
  u('hello_time', 'helloTime');
  u('max_age', 'maxAge');
  u('ageing_time', 'ageingTime');
  u('stp_state', 'stpState');
  u('priority', 'priority');
  u('vlan_filtering', 'vlanFiltering');
  const proto = get<number>(d, 'vlanProtocol');
  if (proto !== undefined) o.any('vlan_protocol', vlanProto(proto), `vlan_protocol ${vlanProto(proto)} `);
  const id = get<Buffer>(d, 'bridgeId');
  if (id && id.length >= 8) o.any('bridge_id', bridgeId(id), `bridge_id ${bridgeId(id)} `);
  // iproute2 6.1 prints the bridge id here too (a bug fixed later); this is the root's id.
  const root = get<Buffer>(d, 'rootId');
  if (root && root.length >= 8) o.any('root_id', bridgeId(root), `designated_root ${bridgeId(root)} `);
  u('root_port', 'rootPort');
  u('root_path_cost', 'rootPathCost');
  u('topology_change', 'topologyChange');
  u('topology_change_detected', 'topologyChangeDetected');
  timer(o, 'hello_timer', get(d, 'helloTimer'));
  timer(o, 'tcn_timer', get(d, 'tcnTimer'));
  timer(o, 'topology_change_timer', get(d, 'topologyChangeTimer'));
  timer(o, 'gc_timer', get(d, 'gcTimer'));
  u('vlan_default_pvid', 'vlanDefaultPvid');
  u('vlan_stats_enabled', 'vlanStatsEnabled');
  u('vlan_stats_per_port', 'vlanStatsPerPort');
  const fwd = get<number>(d, 'groupFwdMask');
  if (fwd !== undefined) o.any('group_fwd_mask', hex0x(fwd), `group_fwd_mask ${hex0x(fwd)} `);
  const group = get<string>(d, 'groupAddr');
  if (group !== undefined) o.any('group_addr', group, `group_address ${group} `);
  u('mcast_snooping', 'mcastSnooping');
  const bool = get<Buffer>(d, 'multiBoolopt');
  if (bool && bool.length >= 8) {
    const val = bool.readUInt32LE(0);
    const mask = bool.readUInt32LE(4);
    for (const [bit, key] of [
      [C.BR_BOOLOPT_NO_LL_LEARN, 'no_linklocal_learn'],
      [C.BR_BOOLOPT_MCAST_VLAN_SNOOPING, 'mcast_vlan_snooping'],
    ] as const) {
      if (mask & (1 << bit)) o.any(key, val & (1 << bit) ? 1 : 0, `${key} ${val & (1 << bit) ? 1 : 0} `);
    }
  }
  u('mcast_router', 'mcastRouter');
  u('mcast_query_use_ifaddr', 'mcastQueryUseIfaddr');
  u('mcast_querier', 'mcastQuerier');
  u('mcast_hash_elasticity', 'mcastHashElasticity');
  u('mcast_hash_max', 'mcastHashMax');
  u('mcast_last_member_cnt', 'mcastLastMemberCnt', 'mcast_last_member_count');
  u('mcast_startup_query_cnt', 'mcastStartupQueryCnt', 'mcast_startup_query_count');
  u('mcast_last_member_intvl', 'mcastLastMemberIntvl', 'mcast_last_member_interval');
  u('mcast_membership_intvl', 'mcastMembershipIntvl', 'mcast_membership_interval');
  u('mcast_querier_intvl', 'mcastQuerierIntvl', 'mcast_querier_interval');
  u('mcast_query_intvl', 'mcastQueryIntvl', 'mcast_query_interval');
  u('mcast_query_response_intvl', 'mcastQueryResponseIntvl', 'mcast_query_response_interval');
  u('mcast_startup_query_intvl', 'mcastStartupQueryIntvl', 'mcast_startup_query_interval');
  u('mcast_stats_enabled', 'mcastStatsEnabled');
  u('mcast_igmp_version', 'mcastIgmpVersion');
  u('mcast_mld_version', 'mcastMldVersion');
  u('nf_call_iptables', 'nfCallIptables');
  u('nf_call_ip6tables', 'nfCallIp6tables');
  u('nf_call_arptables', 'nfCallArptables');
}

const PORT_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];
// Bits of a port's group_fwd_mask ip names (iplink_bridge_slave.c fwd_mask_tbl).
const FWD_MASK_NAMES: Readonly<Record<number, string>> = { 0: 'stp', 2: 'lacp', 14: 'lldp' };

function fwdMaskText(mask: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i++) if (mask & (1 << i)) parts.push(FWD_MASK_NAMES[i] ?? `0x${(1 << i).toString(16)}`);
  return parts.length ? parts.join(',') : '0x0';
}

export function bridgePortDetails(o: Out, d: readonly Attr[] | undefined, links: Links): void {
  if (!d) return;
  const u = (key: string, name: string, word = key): void => {
    const v = get<number>(d, name);
    if (v !== undefined) o.any(key, v, `${word} ${v} `);
  };
  const state = get<number>(d, 'state');
  if (state !== undefined) {
    if (state < PORT_STATES.length) o.any('state', PORT_STATES[state] as string, `state ${PORT_STATES[state]} `);
    else o.any('state_index', state, `state (${state}) `);
  }
  u('priority', 'priority');
  u('cost', 'cost');
  onOff(o, 'hairpin', 'hairpin', get(d, 'mode'));
  onOff(o, 'guard', 'guard', get(d, 'guard'));
  onOff(o, 'root_block', 'root_block', get(d, 'protect'));
  onOff(o, 'fastleave', 'fastleave', get(d, 'fastLeave'));
  onOff(o, 'learning', 'learning', get(d, 'learning'));
  onOff(o, 'flood', 'flood', get(d, 'unicastFlood'));
  const id = get<number>(d, 'id');
  if (id !== undefined) o.any('id', hex0x(id), `port_id ${hex0x(id)} `);
  const no = get<number>(d, 'no');
  if (no !== undefined) o.any('no', hex0x(no), `port_no ${hex0x(no)} `);
  u('designated_port', 'designatedPort');
  u('designated_cost', 'designatedCost');
  const bid = get<Buffer>(d, 'bridgeId');
  if (bid && bid.length >= 8) o.any('bridge_id', bridgeId(bid), `designated_bridge ${bridgeId(bid)} `);
  const rid = get<Buffer>(d, 'rootId');
  if (rid && rid.length >= 8) o.any('root_id', bridgeId(rid), `designated_root ${bridgeId(rid)} `);
  timer(o, 'hold_timer', get(d, 'holdTimer'));
  timer(o, 'message_age_timer', get(d, 'messageAgeTimer'));
  timer(o, 'forward_delay_timer', get(d, 'forwardDelayTimer'));
  u('topology_change_ack', 'topologyChangeAck');
  u('config_pending', 'configPending');
  onOff(o, 'proxy_arp', 'proxy_arp', get(d, 'proxyarp'));
  onOff(o, 'proxy_arp_wifi', 'proxy_arp_wifi', get(d, 'proxyarpWifi'));
  u('multicast_router', 'multicastRouter', 'mcast_router');
  const fast = get<number>(d, 'fastLeave');
  if (fast !== undefined) o.t(`mcast_fast_leave ${fast ? 'on' : 'off'} `); // text only: JSON has fastleave
  onOff(o, 'mcast_flood', 'mcast_flood', get(d, 'mcastFlood'));
  onOff(o, 'bcast_flood', 'bcast_flood', get(d, 'bcastFlood'));
  onOff(o, 'mcast_to_unicast', 'mcast_to_unicast', get(d, 'mcastToUcast'));
  onOff(o, 'neigh_suppress', 'neigh_suppress', get(d, 'neighSuppress'));
  const fwd = get<number>(d, 'groupFwdMask');
  if (fwd !== undefined) {
    o.any('group_fwd_mask', hex0x(fwd), `group_fwd_mask ${hex0x(fwd)} `);
    o.any('group_fwd_mask_str', fwdMaskText(fwd), `group_fwd_mask_str ${fwdMaskText(fwd)} `);
  }
  onOff(o, 'vlan_tunnel', 'vlan_tunnel', get(d, 'vlanTunnel'));
  onOff(o, 'isolated', 'isolated', get(d, 'isolated'));
  onOff(o, 'locked', 'locked', get(d, 'locked'));
  const backup = get<number>(d, 'backupPort');
  if (backup !== undefined) o.any('backup_port', linkName(links, backup), `backup_port ${linkName(links, backup)} `);
}

const isV4Multicast = (a: string): boolean => {
  const first = Number(a.split('.')[0]);
  return first >= 224 && first <= 239;
};
const unspecified = (a: string): boolean => a === '0.0.0.0' || a === '::';

export function vxlanDetails(o: Out, d: readonly Attr[] | undefined, links: Links): void {
  if (!d) return;
  if (get<number>(d, 'collectMetadata')) o.any('external', true, 'external ');
  if (get<number>(d, 'vnifilter')) o.any('vnifilter', true, 'vnifilter');
  const id = get<number>(d, 'id');
  if (id !== undefined) o.any('id', id, `id ${id} `);
  const group = get<string>(d, 'group');
  const group6 = get<string>(d, 'group6');
  if (group !== undefined) {
    if (!unspecified(group)) {
      if (isV4Multicast(group)) o.any('group', group, `group ${group} `);
      else o.any('remote', group, `remote ${group} `);
    }
  } else if (group6 !== undefined && !unspecified(group6)) {
    if (group6.toLowerCase().startsWith('ff')) o.any('group6', group6, `group ${group6} `);
    else o.any('remote6', group6, `remote ${group6} `);
  }
  const local = get<string>(d, 'local');
  const local6 = get<string>(d, 'local6');
  if (local !== undefined) {
    if (!unspecified(local)) o.any('local', local, `local ${local} `);
  } else if (local6 !== undefined && !unspecified(local6)) o.any('local6', local6, `local ${local6} `);
  const link = get<number>(d, 'link');
  if (link) o.any('link', linkName(links, link), `dev ${linkName(links, link)} `);
  const range = get<Buffer>(d, 'portRange');
  if (range && range.length >= 4) {
    const low = range.readUInt16BE(0);
    const high = range.readUInt16BE(2);
    o.j('port_range', { low, high }).t(`srcport ${low} ${high} `);
  }
  const port = get<number>(d, 'port');
  if (port !== undefined) o.any('port', port, `dstport ${port} `);
  const learning = get<number>(d, 'learning');
  if (learning !== undefined) {
    o.j('learning', learning !== 0);
    if (!learning) o.t('nolearning ');
  }
  for (const [name, key, word] of [
    ['proxy', 'proxy', 'proxy'],
    ['rsc', 'rsc', 'rsc'],
    ['l2miss', 'l2miss', 'l2miss'],
    ['l3miss', 'l3miss', 'l3miss'],
  ] as const) {
    if (get<number>(d, name)) o.any(key, true, `${word} `);
  }
  const tos = get<number>(d, 'tos') ?? 0;
  if (tos) {
    if (tos !== 1) o.any('tos', hex0x(tos), `tos ${hex0x(tos)} `);
    else o.j('tos', hex0x(tos)).t('tos inherit ');
  }
  const ttl = get<number>(d, 'ttl');
  if (get(d, 'ttlInherit') !== undefined) o.t('ttl inherit ');
  else if (ttl !== undefined) {
    o.j('ttl', ttl);
    o.t(ttl ? `ttl ${ttl} ` : 'ttl auto ');
  }
  const df = get<number>(d, 'df');
  if (df === C.VXLAN_DF_UNSET) o.j('df', 'unset');
  else if (df === C.VXLAN_DF_SET) o.any('df', 'set', 'df set ');
  else if (df === C.VXLAN_DF_INHERIT) o.any('df', 'inherit', 'df inherit ');
  const label = get<number>(d, 'label');
  if (label) o.any('label', hex0x(label), `flowlabel ${hex0x(label)} `);
  const ageing = get<number>(d, 'ageing');
  if (ageing !== undefined) o.any('ageing', ageing, ageing === 0 ? 'ageing none ' : `ageing ${ageing} `);
  const limit = get<number>(d, 'limit');
  if (limit) o.any('limit', limit, `maxaddr ${limit} `);
  for (const [name, key, word] of [
    ['udpCsum', 'udp_csum', 'udpcsum'],
    ['udpZeroCsum6Tx', 'udp_zero_csum6_tx', 'udp6zerocsumtx'],
    ['udpZeroCsum6Rx', 'udp_zero_csum6_rx', 'udp6zerocsumrx'],
  ] as const) {
    const v = get<number>(d, name);
    if (v !== undefined) o.j(key, v !== 0).t(`${v ? '' : 'no'}${word} `);
  }
  if (get<number>(d, 'remcsumTx')) o.any('remcsum_tx', true, 'remcsumtx ');
  if (get<number>(d, 'remcsumRx')) o.any('remcsum_rx', true, 'remcsumrx ');
  if (get(d, 'gbp') !== undefined) o.any('gbp', true, 'gbp ');
  if (get(d, 'gpe') !== undefined) o.any('gpe', true, 'gpe ');
}

const MACVLAN_MODES: Readonly<Record<number, string>> = {
  [C.MACVLAN_MODE_PRIVATE]: 'private',
  [C.MACVLAN_MODE_VEPA]: 'vepa',
  [C.MACVLAN_MODE_BRIDGE]: 'bridge',
  [C.MACVLAN_MODE_PASSTHRU]: 'passthru',
  [C.MACVLAN_MODE_SOURCE]: 'source',
};

/** macvlan's and macvtap's. */
export function macvlanDetails(o: Out, d: readonly Attr[] | undefined): void {
  const mode = d && get<number>(d, 'mode');
  if (!d || mode === undefined) return;
  const name = MACVLAN_MODES[mode] ?? 'unknown';
  o.any('mode', name, `mode ${name} `);
  const flags = get<number>(d, 'flags') ?? 0;
  if (flags & C.MACVLAN_FLAG_NOPROMISC) o.any('nopromisc', true, 'nopromisc ');
  if (flags & C.MACVLAN_FLAG_NODST) o.any('nodst', true, 'nodst ');
  const bc = get<number>(d, 'bcQueueLen');
  if (bc !== undefined) o.any('bcqueuelen', bc, `bcqueuelen ${bc} `);
  const used = get<number>(d, 'bcQueueLenUsed');
  if (used !== undefined) o.any('usedbcqueuelen', used, `usedbcqueuelen ${used} `);
  if (mode !== C.MACVLAN_MODE_SOURCE) return;
  const count = get<number>(d, 'macaddrCount');
  if (count === undefined) return;
  o.any('macaddr_count', count, `remotes (${count}) `);
  const data = get<Buffer>(d, 'macaddrData');
  if (!data) return;
  const macs: string[] = [];
  for (let p = 0; p + 4 <= data.length;) {
    const len = data.readUInt16LE(p);
    if (len < 4) break;
    if ((data.readUInt16LE(p + 2) & 0x3fff) === C.IFLA_MACVLAN_MACADDR && len >= 10) {
      macs.push([...data.subarray(p + 4, p + 10)].map((x) => x.toString(16).padStart(2, '0')).join(':'));
    }
    p += (len + 3) & ~3;
  }
  o.j('macaddr_data', macs).t(macs.map((m) => `${m} `).join(''));
}

const VLAN_FLAGS: readonly (readonly [number, string])[] = [
  [C.VLAN_FLAG_REORDER_HDR, 'REORDER_HDR'],
  [C.VLAN_FLAG_GVRP, 'GVRP'],
  [C.VLAN_FLAG_MVRP, 'MVRP'],
  [C.VLAN_FLAG_LOOSE_BINDING, 'LOOSE_BINDING'],
  [C.VLAN_FLAG_BRIDGE_BINDING, 'BRIDGE_BINDING'],
];

function vlanQosMap(o: Out, key: string, word: string, data: Buffer): void {
  const pairs: { from: number; to: number }[] = [];
  for (let p = 0; p + 4 <= data.length;) {
    const len = data.readUInt16LE(p);
    if (len < 4) break;
    if (len >= 12) pairs.push({ from: data.readUInt32LE(p + 4), to: data.readUInt32LE(p + 8) });
    p += (len + 3) & ~3;
  }
  o.j(key, pairs)
    .nl()
    .t(`      ${word} { ${pairs.map((m) => `${m.from}:${m.to} `).join('')}} `);
}

export function vlanDetails(o: Out, d: readonly Attr[] | undefined): void {
  const id = d && get<number>(d, 'id');
  if (!d || id === undefined) return;
  const proto = get<number>(d, 'protocol');
  const p = proto === undefined ? '802.1q' : vlanProto(proto);
  o.any('protocol', p, `protocol ${p} `);
  o.any('id', id, `id ${id} `);
  const flags = get<Buffer>(d, 'flags');
  if (flags && flags.length >= 8) {
    let f = flags.readUInt32LE(0);
    const names: string[] = [];
    for (const [bit, name] of VLAN_FLAGS) {
      if (f & bit) {
        names.push(name);
        f &= ~bit;
      }
    }
    if (f) names.push(f.toString(16));
    o.j('flags', names).t(`<${names.join(',')}> `);
  }
  const ingress = get<Buffer>(d, 'ingressQos');
  if (ingress) vlanQosMap(o, 'ingress_qos', 'ingress-qos-map', ingress);
  const egress = get<Buffer>(d, 'egressQos');
  if (egress) vlanQosMap(o, 'egress_qos', 'egress-qos-map', egress);
}
