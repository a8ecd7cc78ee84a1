import * as C from '../constants/index.js';
import { DecodeError } from '../wire/errors.js';
import type { Writer } from '../wire/writer.js';
import { AttrReader } from '../wire/reader.js';
import {
  schema,
  decodeAttrs,
  encodeAttrs,
  nested,
  binary,
  flag,
  ip,
  mac,
  string,
  u8,
  u16,
  u16be,
  u32,
  u32be,
  s32,
  u64,
  type AttrOf,
  type Codec,
  type UnknownAttr,
} from '../wire/attrs.js';

// RTM_NEWLINK / DELLINK / GETLINK / SETLINK: struct ifinfomsg (linux/rtnetlink.h) + IFLA_*
// attributes (linux/if_link.h). IFLA_LINKINFO's data is decoded by the link kind it names.

const IFINFOMSG_LEN = C.IFINFOMSG_LEN;

/** struct ifinfomsg */
export interface IfInfoMsg {
  family: number;
  /** ifi_type: ARPHRD_* */
  type: number;
  index: number;
  /** IFF_* flags */
  flags: number;
  /** IFF_* change mask */
  change: number;
}

export interface LinkMessage extends IfInfoMsg {
  attrs: LinkAttr[];
}

// veth's peer is a whole ifinfomsg + IFLA attributes (linux/veth.h: VETH_INFO_PEER).
// A peer can itself carry IFLA_LINKINFO with a veth peer, and so on: bound the recursion so a
// hostile message cannot overflow the stack (RangeError) instead of failing with DecodeError.
const MAX_PEER_NESTING = 8;
let peerDepth = 0;
const linkBody: Codec<LinkMessage> = {
  decode: (b, off, len) => {
    if (len < IFINFOMSG_LEN) return undefined;
    if (peerDepth >= MAX_PEER_NESTING) throw new DecodeError(off, `veth peers nested more than ${MAX_PEER_NESTING} deep`);
    peerDepth++;
    try {
      return decodeLink(b, off, off + len);
    } finally {
      peerDepth--;
    }
  },
  encode: (w, v) => encodeLink(w, v),
};

export const vethSchema = schema([[C.VETH_INFO_PEER, 'peer', linkBody]] as const);

export const bridgeSchema = schema([
  [C.IFLA_BR_FORWARD_DELAY, 'forwardDelay', u32],
  [C.IFLA_BR_HELLO_TIME, 'helloTime', u32],
  [C.IFLA_BR_MAX_AGE, 'maxAge', u32],
  [C.IFLA_BR_AGEING_TIME, 'ageingTime', u32],
  [C.IFLA_BR_STP_STATE, 'stpState', u32],
  [C.IFLA_BR_PRIORITY, 'priority', u16],
  [C.IFLA_BR_VLAN_FILTERING, 'vlanFiltering', u8],
  [C.IFLA_BR_VLAN_PROTOCOL, 'vlanProtocol', u16be],
  [C.IFLA_BR_GROUP_FWD_MASK, 'groupFwdMask', u16],
  [C.IFLA_BR_ROOT_ID, 'rootId', binary],
  [C.IFLA_BR_BRIDGE_ID, 'bridgeId', binary],
  [C.IFLA_BR_ROOT_PORT, 'rootPort', u16],
  [C.IFLA_BR_ROOT_PATH_COST, 'rootPathCost', u32],
  [C.IFLA_BR_TOPOLOGY_CHANGE, 'topologyChange', u8],
  [C.IFLA_BR_TOPOLOGY_CHANGE_DETECTED, 'topologyChangeDetected', u8],
  [C.IFLA_BR_HELLO_TIMER, 'helloTimer', u64],
  [C.IFLA_BR_TCN_TIMER, 'tcnTimer', u64],
  [C.IFLA_BR_TOPOLOGY_CHANGE_TIMER, 'topologyChangeTimer', u64],
  [C.IFLA_BR_GC_TIMER, 'gcTimer', u64],
  [C.IFLA_BR_GROUP_ADDR, 'groupAddr', mac],
  [C.IFLA_BR_FDB_FLUSH, 'fdbFlush', flag],
  [C.IFLA_BR_MCAST_ROUTER, 'mcastRouter', u8],
  [C.IFLA_BR_MCAST_SNOOPING, 'mcastSnooping', u8],
  [C.IFLA_BR_MCAST_QUERY_USE_IFADDR, 'mcastQueryUseIfaddr', u8],
  [C.IFLA_BR_MCAST_QUERIER, 'mcastQuerier', u8],
  [C.IFLA_BR_MCAST_HASH_ELASTICITY, 'mcastHashElasticity', u32],
  [C.IFLA_BR_MCAST_HASH_MAX, 'mcastHashMax', u32],
  [C.IFLA_BR_MCAST_LAST_MEMBER_CNT, 'mcastLastMemberCnt', u32],
  [C.IFLA_BR_MCAST_STARTUP_QUERY_CNT, 'mcastStartupQueryCnt', u32],
  [C.IFLA_BR_MCAST_LAST_MEMBER_INTVL, 'mcastLastMemberIntvl', u64],
  [C.IFLA_BR_MCAST_MEMBERSHIP_INTVL, 'mcastMembershipIntvl', u64],
  [C.IFLA_BR_MCAST_QUERIER_INTVL, 'mcastQuerierIntvl', u64],
  [C.IFLA_BR_MCAST_QUERY_INTVL, 'mcastQueryIntvl', u64],
  [C.IFLA_BR_MCAST_QUERY_RESPONSE_INTVL, 'mcastQueryResponseIntvl', u64],
  [C.IFLA_BR_MCAST_STARTUP_QUERY_INTVL, 'mcastStartupQueryIntvl', u64],
  [C.IFLA_BR_NF_CALL_IPTABLES, 'nfCallIptables', u8],
  [C.IFLA_BR_NF_CALL_IP6TABLES, 'nfCallIp6tables', u8],
  [C.IFLA_BR_NF_CALL_ARPTABLES, 'nfCallArptables', u8],
  [C.IFLA_BR_VLAN_DEFAULT_PVID, 'vlanDefaultPvid', u16],
  [C.IFLA_BR_VLAN_STATS_ENABLED, 'vlanStatsEnabled', u8],
  [C.IFLA_BR_MCAST_STATS_ENABLED, 'mcastStatsEnabled', u8],
  [C.IFLA_BR_MCAST_IGMP_VERSION, 'mcastIgmpVersion', u8],
  [C.IFLA_BR_MCAST_MLD_VERSION, 'mcastMldVersion', u8],
  [C.IFLA_BR_VLAN_STATS_PER_PORT, 'vlanStatsPerPort', u8],
  [C.IFLA_BR_MULTI_BOOLOPT, 'multiBoolopt', binary],
] as const);

export const vlanSchema = schema([
  [C.IFLA_VLAN_ID, 'id', u16],
  [C.IFLA_VLAN_FLAGS, 'flags', binary],
  [C.IFLA_VLAN_EGRESS_QOS, 'egressQos', binary],
  [C.IFLA_VLAN_INGRESS_QOS, 'ingressQos', binary],
  [C.IFLA_VLAN_PROTOCOL, 'protocol', u16be],
] as const);

export const macvlanSchema = schema([
  [C.IFLA_MACVLAN_MODE, 'mode', u32],
  [C.IFLA_MACVLAN_FLAGS, 'flags', u16],
  [C.IFLA_MACVLAN_MACADDR_MODE, 'macaddrMode', u32],
  [C.IFLA_MACVLAN_MACADDR, 'macaddr', mac],
  [C.IFLA_MACVLAN_MACADDR_DATA, 'macaddrData', binary],
  [C.IFLA_MACVLAN_MACADDR_COUNT, 'macaddrCount', u32],
  [C.IFLA_MACVLAN_BC_QUEUE_LEN, 'bcQueueLen', u32],
  [C.IFLA_MACVLAN_BC_QUEUE_LEN_USED, 'bcQueueLenUsed', u32],
] as const);

export const vxlanSchema = schema([
  [C.IFLA_VXLAN_ID, 'id', u32],
  [C.IFLA_VXLAN_GROUP, 'group', ip],
  [C.IFLA_VXLAN_LINK, 'link', u32],
  [C.IFLA_VXLAN_LOCAL, 'local', ip],
  [C.IFLA_VXLAN_TTL, 'ttl', u8],
  [C.IFLA_VXLAN_TOS, 'tos', u8],
  [C.IFLA_VXLAN_LEARNING, 'learning', u8],
  [C.IFLA_VXLAN_AGEING, 'ageing', u32],
  [C.IFLA_VXLAN_LIMIT, 'limit', u32],
  [C.IFLA_VXLAN_PORT_RANGE, 'portRange', binary],
  [C.IFLA_VXLAN_PROXY, 'proxy', u8],
  [C.IFLA_VXLAN_RSC, 'rsc', u8],
  [C.IFLA_VXLAN_L2MISS, 'l2miss', u8],
  [C.IFLA_VXLAN_L3MISS, 'l3miss', u8],
  [C.IFLA_VXLAN_PORT, 'port', u16be],
  [C.IFLA_VXLAN_GROUP6, 'group6', ip],
  [C.IFLA_VXLAN_LOCAL6, 'local6', ip],
  [C.IFLA_VXLAN_UDP_CSUM, 'udpCsum', u8],
  [C.IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 'udpZeroCsum6Tx', u8],
  [C.IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 'udpZeroCsum6Rx', u8],
  [C.IFLA_VXLAN_REMCSUM_TX, 'remcsumTx', u8],
  [C.IFLA_VXLAN_REMCSUM_RX, 'remcsumRx', u8],
  [C.IFLA_VXLAN_GBP, 'gbp', flag],
  [C.IFLA_VXLAN_REMCSUM_NOPARTIAL, 'remcsumNopartial', flag],
  [C.IFLA_VXLAN_COLLECT_METADATA, 'collectMetadata', u8],
  [C.IFLA_VXLAN_LABEL, 'label', u32be],
  [C.IFLA_VXLAN_GPE, 'gpe', flag],
  [C.IFLA_VXLAN_TTL_INHERIT, 'ttlInherit', flag],
  [C.IFLA_VXLAN_DF, 'df', u8],
  [C.IFLA_VXLAN_VNIFILTER, 'vnifilter', u8],
] as const);

export const brportSchema = schema([
  [C.IFLA_BRPORT_STATE, 'state', u8],
  [C.IFLA_BRPORT_PRIORITY, 'priority', u16],
  [C.IFLA_BRPORT_COST, 'cost', u32],
  [C.IFLA_BRPORT_MODE, 'mode', u8],
  [C.IFLA_BRPORT_GUARD, 'guard', u8],
  [C.IFLA_BRPORT_PROTECT, 'protect', u8],
  [C.IFLA_BRPORT_FAST_LEAVE, 'fastLeave', u8],
  [C.IFLA_BRPORT_LEARNING, 'learning', u8],
  [C.IFLA_BRPORT_UNICAST_FLOOD, 'unicastFlood', u8],
  [C.IFLA_BRPORT_PROXYARP, 'proxyarp', u8],
  [C.IFLA_BRPORT_ROOT_ID, 'rootId', binary],
  [C.IFLA_BRPORT_BRIDGE_ID, 'bridgeId', binary],
  [C.IFLA_BRPORT_DESIGNATED_PORT, 'designatedPort', u16],
  [C.IFLA_BRPORT_DESIGNATED_COST, 'designatedCost', u16],
  [C.IFLA_BRPORT_ID, 'id', u16],
  [C.IFLA_BRPORT_NO, 'no', u16],
  [C.IFLA_BRPORT_TOPOLOGY_CHANGE_ACK, 'topologyChangeAck', u8],
  [C.IFLA_BRPORT_CONFIG_PENDING, 'configPending', u8],
  [C.IFLA_BRPORT_MESSAGE_AGE_TIMER, 'messageAgeTimer', u64],
  [C.IFLA_BRPORT_FORWARD_DELAY_TIMER, 'forwardDelayTimer', u64],
  [C.IFLA_BRPORT_HOLD_TIMER, 'holdTimer', u64],
  [C.IFLA_BRPORT_MULTICAST_ROUTER, 'multicastRouter', u8],
  [C.IFLA_BRPORT_PROXYARP_WIFI, 'proxyarpWifi', u8],
  [C.IFLA_BRPORT_MCAST_FLOOD, 'mcastFlood', u8],
  [C.IFLA_BRPORT_MCAST_TO_UCAST, 'mcastToUcast', u8],
  [C.IFLA_BRPORT_VLAN_TUNNEL, 'vlanTunnel', u8],
  [C.IFLA_BRPORT_BCAST_FLOOD, 'bcastFlood', u8],
  [C.IFLA_BRPORT_GROUP_FWD_MASK, 'groupFwdMask', u16],
  [C.IFLA_BRPORT_NEIGH_SUPPRESS, 'neighSuppress', u8],
  [C.IFLA_BRPORT_ISOLATED, 'isolated', u8],
  [C.IFLA_BRPORT_BACKUP_PORT, 'backupPort', u32],
  [C.IFLA_BRPORT_MRP_RING_OPEN, 'mrpRingOpen', u8],
  [C.IFLA_BRPORT_MRP_IN_OPEN, 'mrpInOpen', u8],
  [C.IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT, 'mcastEhtHostsLimit', u32],
  [C.IFLA_BRPORT_MCAST_EHT_HOSTS_CNT, 'mcastEhtHostsCnt', u32],
  [C.IFLA_BRPORT_LOCKED, 'locked', u8],
] as const);

/** Link kinds whose IFLA_INFO_DATA this library decodes. */
export const KIND_SCHEMAS = {
  veth: vethSchema,
  bridge: bridgeSchema,
  vlan: vlanSchema,
  macvlan: macvlanSchema,
  macvtap: macvlanSchema,
  vxlan: vxlanSchema,
} as const;
export type KnownKind = keyof typeof KIND_SCHEMAS;
const SLAVE_SCHEMAS = { bridge: brportSchema } as const;

export type VethAttr = AttrOf<typeof vethSchema.specs>;
export type BridgeAttr = AttrOf<typeof bridgeSchema.specs>;
export type VlanAttr = AttrOf<typeof vlanSchema.specs>;
export type MacvlanAttr = AttrOf<typeof macvlanSchema.specs>;
export type VxlanAttr = AttrOf<typeof vxlanSchema.specs>;
export type BrportAttr = AttrOf<typeof brportSchema.specs>;

/** IFLA_INFO_DATA for a known kind (one arm per KIND_SCHEMAS entry); other kinds' data stays an `unknown` attribute. */
export type LinkInfoData = {
  [K in KnownKind]: { type: 'data'; kind: K; value: AttrOf<(typeof KIND_SCHEMAS)[K]['specs']>[]; flags?: number };
}[KnownKind];

export type LinkInfoAttr =
  | { type: 'kind'; value: string; flags?: number }
  | { type: 'slaveKind'; value: string; flags?: number }
  | { type: 'xstats'; value: Buffer; flags?: number }
  | LinkInfoData
  | { type: 'slaveData'; kind: 'bridge'; value: BrportAttr[]; flags?: number }
  | UnknownAttr;

const linkInfoBase = schema([
  [C.IFLA_INFO_KIND, 'kind', string],
  [C.IFLA_INFO_XSTATS, 'xstats', binary],
  [C.IFLA_INFO_SLAVE_KIND, 'slaveKind', string],
] as const);

const linkInfo: Codec<LinkInfoAttr[]> = {
  decode(b, off, len) {
    const attrs = decodeAttrs(linkInfoBase, b, off, off + len) as LinkInfoAttr[];
    // Where each attribute's payload lies in `b` (decodeAttrs has checked the headers), so that
    // IFLA_INFO_DATA is decoded in place and a DecodeError inside it reports a datagram offset.
    const at: number[] = [];
    for (const r = new AttrReader(b, off, off + len); r.next();) at.push(r.at);
    let kind: string | undefined;
    let slaveKind: string | undefined;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i] as LinkInfoAttr;
      if (a.type === 'kind') kind = a.value;
      else if (a.type === 'slaveKind') slaveKind = a.value;
      else if (a.type === 'unknown' && (a.code === C.IFLA_INFO_KIND || a.code === C.IFLA_INFO_SLAVE_KIND) && a.data.length > 0 && !a.data.includes(0)) {
        // iproute2 sends the kind without its NUL (addattr_l(..., strlen(type))) and the kernel
        // accepts it. The attribute stays `unknown` (re-encoding must not add a NUL), but its
        // kind still selects the schema for IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA.
        if (a.code === C.IFLA_INFO_KIND) kind = a.data.toString('utf8');
        else slaveKind = a.data.toString('utf8');
      } else if (a.type === 'unknown' && a.code === C.IFLA_INFO_DATA && kind !== undefined && Object.hasOwn(KIND_SCHEMAS, kind)) {
        const s = KIND_SCHEMAS[kind as KnownKind] as unknown as typeof vethSchema;
        const value = decodeAttrs(s, b, at[i] as number, (at[i] as number) + a.data.byteLength);
        attrs[i] = (a.flags ? { type: 'data', kind, value, flags: a.flags } : { type: 'data', kind, value }) as LinkInfoData;
      } else if (a.type === 'unknown' && a.code === C.IFLA_INFO_SLAVE_DATA && slaveKind !== undefined && Object.hasOwn(SLAVE_SCHEMAS, slaveKind)) {
        const value = decodeAttrs(brportSchema, b, at[i] as number, (at[i] as number) + a.data.byteLength);
        attrs[i] = a.flags ? { type: 'slaveData', kind: 'bridge', value, flags: a.flags } : { type: 'slaveData', kind: 'bridge', value };
      }
    }
    return attrs;
  },
  encode(w, attrs) {
    for (const a of attrs) {
      if (a.type === 'data' || a.type === 'slaveData') {
        const at = w.beginAttr((a.type === 'data' ? C.IFLA_INFO_DATA : C.IFLA_INFO_SLAVE_DATA) | (a.flags ?? 0));
        const s = a.type === 'data' ? KIND_SCHEMAS[a.kind] : SLAVE_SCHEMAS[a.kind];
        encodeAttrs(s as unknown as typeof vethSchema, w, a.value as VethAttr[]);
        w.endAttr(at);
      } else {
        encodeAttrs(linkInfoBase, w, [a]);
      }
    }
  },
};

// IFLA_AF_SPEC, IFLA_PROP_LIST, IFLA_XDP...: nested sets kept attribute by attribute.
const opaqueNest = nested(schema([] as const));

export const linkSchema = schema([
  [C.IFLA_ADDRESS, 'address', mac],
  [C.IFLA_BROADCAST, 'broadcast', mac],
  [C.IFLA_IFNAME, 'ifname', string],
  [C.IFLA_MTU, 'mtu', u32],
  [C.IFLA_LINK, 'link', u32],
  [C.IFLA_QDISC, 'qdisc', string],
  [C.IFLA_STATS, 'stats', binary],
  [C.IFLA_MASTER, 'master', u32],
  [C.IFLA_PROTINFO, 'protinfo', binary],
  [C.IFLA_TXQLEN, 'txqlen', u32],
  [C.IFLA_MAP, 'map', binary],
  [C.IFLA_OPERSTATE, 'operstate', u8],
  [C.IFLA_LINKMODE, 'linkmode', u8],
  [C.IFLA_LINKINFO, 'linkinfo', linkInfo],
  [C.IFLA_NET_NS_PID, 'netnsPid', u32],
  [C.IFLA_IFALIAS, 'ifalias', string],
  [C.IFLA_NUM_VF, 'numVf', u32],
  [C.IFLA_STATS64, 'stats64', binary],
  [C.IFLA_AF_SPEC, 'afSpec', opaqueNest],
  [C.IFLA_GROUP, 'group', u32],
  [C.IFLA_NET_NS_FD, 'netnsFd', u32],
  [C.IFLA_EXT_MASK, 'extMask', u32],
  [C.IFLA_PROMISCUITY, 'promiscuity', u32],
  [C.IFLA_NUM_TX_QUEUES, 'numTxQueues', u32],
  [C.IFLA_NUM_RX_QUEUES, 'numRxQueues', u32],
  [C.IFLA_CARRIER, 'carrier', u8],
  [C.IFLA_PHYS_PORT_ID, 'physPortId', binary],
  [C.IFLA_CARRIER_CHANGES, 'carrierChanges', u32],
  [C.IFLA_PHYS_SWITCH_ID, 'physSwitchId', binary],
  [C.IFLA_LINK_NETNSID, 'linkNetnsid', s32],
  [C.IFLA_PHYS_PORT_NAME, 'physPortName', string],
  [C.IFLA_PROTO_DOWN, 'protoDown', u8],
  [C.IFLA_GSO_MAX_SEGS, 'gsoMaxSegs', u32],
  [C.IFLA_GSO_MAX_SIZE, 'gsoMaxSize', u32],
  [C.IFLA_XDP, 'xdp', opaqueNest],
  [C.IFLA_EVENT, 'event', u32],
  [C.IFLA_NEW_NETNSID, 'newNetnsid', s32],
  [C.IFLA_TARGET_NETNSID, 'targetNetnsid', s32],
  [C.IFLA_CARRIER_UP_COUNT, 'carrierUpCount', u32],
  [C.IFLA_CARRIER_DOWN_COUNT, 'carrierDownCount', u32],
  [C.IFLA_NEW_IFINDEX, 'newIfindex', s32],
  [C.IFLA_MIN_MTU, 'minMtu', u32],
  [C.IFLA_MAX_MTU, 'maxMtu', u32],
  [C.IFLA_PROP_LIST, 'propList', opaqueNest],
  [C.IFLA_ALT_IFNAME, 'altIfname', string],
  [C.IFLA_PERM_ADDRESS, 'permAddress', mac],
  [C.IFLA_PARENT_DEV_NAME, 'parentDevName', string],
  [C.IFLA_PARENT_DEV_BUS_NAME, 'parentDevBusName', string],
  [C.IFLA_GRO_MAX_SIZE, 'groMaxSize', u32],
  [C.IFLA_TSO_MAX_SIZE, 'tsoMaxSize', u32],
  [C.IFLA_TSO_MAX_SEGS, 'tsoMaxSegs', u32],
  [C.IFLA_ALLMULTI, 'allmulti', u32],
] as const);

export type LinkAttr = AttrOf<typeof linkSchema.specs>;

export function decodeLink(b: Buffer, start: number, end: number): LinkMessage {
  if (end - start < IFINFOMSG_LEN) throw new DecodeError(start, `link message payload of ${end - start} bytes is shorter than struct ifinfomsg`);
  return {
    family: b[start] as number,
    type: b.readUInt16LE(start + 2),
    index: b.readInt32LE(start + 4),
    flags: b.readUInt32LE(start + 8),
    change: b.readUInt32LE(start + 12),
    attrs: decodeAttrs(linkSchema, b, start + IFINFOMSG_LEN, end),
  };
}

export function encodeLink(w: Writer, m: LinkMessage): void {
  w.u8(m.family).u8(0).u16(m.type).i32(m.index).u32(m.flags).u32(m.change);
  encodeAttrs(linkSchema, w, m.attrs);
}
