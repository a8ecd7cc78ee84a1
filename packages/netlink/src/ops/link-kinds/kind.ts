import * as C from '../../constants/index.js';
import type { Writer } from '../../wire/writer.js';
import { parseMac } from '../../wire/attrs.js';
import { checkIfname, checkInt, checkMac, checkMtu } from '../../validate.js';
import { writeNetns, type NetnsTarget } from '../common.js';

// What a link kind is to linkAddRequest: a name (IFLA_INFO_KIND), a check of its own fields,
// and a writer of its IFLA_INFO_DATA. Each kind lives in a file of its own beside this one
// (bridge.ts, veth.ts...) and is listed once in index.ts; LinkAddSpec is derived from that list.

/** The fields of LinkAddSpec every kind takes. */
export interface LinkCommon {
  name: string;
  mtu?: number;
  /** MAC address. */
  address?: string;
  /** Bring it up as it is created. */
  up?: boolean;
  /** Attach to this master (bridge) index. */
  master?: number;
  group?: number;
  txqlen?: number;
  /** Create it straight inside another namespace. */
  netns?: NetnsTarget;
}

/** LinkAddSpec of kind K with the kind's own fields O. */
export type LinkSpec<K extends string, O> = LinkCommon & { kind: K } & O;

/**
 * One link kind. `O` is the kind's own fields of LinkAddSpec. Its functions get a spec whose
 * common fields linkAddRequest has checked already; errors name the field as `link.FIELD`.
 */
export interface LinkKind<K extends string, O> {
  readonly kind: K;
  /** Refuses bad values of the kind's own fields (ValidationError), before anything is sent. */
  check(spec: LinkSpec<K, O>): void;
  /** The lower device, written as IFLA_LINK beside the common attributes (vlan, macvlan). */
  lowerLink?(spec: LinkSpec<K, O>): number | undefined;
  /** Writes the attributes inside IFLA_INFO_DATA (the nest itself is written around them). */
  writeData(w: Writer, spec: LinkSpec<K, O>): void;
}

/** Declares a kind; `O` is given, `K` inferred: `linkKind<BridgeOptions>()({ kind: 'bridge', ... })`. */
export const linkKind =
  <O>() =>
  <K extends string>(k: LinkKind<K, O>): LinkKind<K, O> =>
    k;

/** The fields a link and a veth peer share, as writeCommon and checkCommon read them. */
export interface CommonFields {
  name?: string | undefined;
  mtu?: number | undefined;
  address?: string | undefined;
  group?: number | undefined;
  txqlen?: number | undefined;
  master?: number | undefined;
  netns?: NetnsTarget | undefined;
}

/** Writes struct ifinfomsg. */
export function ifinfomsg(w: Writer, index: number, flags = 0, change = 0, family = C.AF_UNSPEC): void {
  w.u8(family).u8(0).u16(0).i32(index).u32(flags).u32(change);
}

/** The common attributes of a new link or a veth peer, in the order linkAddRequest has always sent them. */
export function writeCommon(w: Writer, s: CommonFields, field: string): void {
  if (s.name !== undefined) w.attrString(C.IFLA_IFNAME, s.name);
  if (s.mtu !== undefined) w.attrU32(C.IFLA_MTU, s.mtu);
  if (s.address !== undefined) w.attrBytes(C.IFLA_ADDRESS, parseMac(s.address));
  if (s.group !== undefined) w.attrU32(C.IFLA_GROUP, s.group);
  if (s.txqlen !== undefined) w.attrU32(C.IFLA_TXQLEN, s.txqlen);
  if (s.master !== undefined) w.attrU32(C.IFLA_MASTER, s.master);
  if (s.netns !== undefined) writeNetns(w, `${field}.netns`, s.netns);
}

export function checkCommon(s: CommonFields, field: string): void {
  if (s.name !== undefined || field === 'link') checkIfname(`${field}.name`, s.name);
  if (s.mtu !== undefined) checkMtu(`${field}.mtu`, s.mtu);
  if (s.address !== undefined) checkMac(`${field}.address`, s.address);
  if (s.group !== undefined) checkInt(`${field}.group`, s.group, 0, 0xffffffff);
  if (s.txqlen !== undefined) checkInt(`${field}.txqlen`, s.txqlen, 0, 0xffffffff);
  if (s.master !== undefined) checkInt(`${field}.master`, s.master, 1, 0x7fffffff);
}

/** A link index field (IFLA_LINK, IFLA_VXLAN_LINK). */
export const checkIndex = (field: string, v: unknown): number => checkInt(field, v, 1, 0x7fffffff);
