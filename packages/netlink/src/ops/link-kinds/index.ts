import { ValidationError } from '../../errors.js';
import type { LinkKind, LinkSpec } from './kind.js';
import { bridge } from './bridge.js';
import { veth } from './veth.js';
import { vlan } from './vlan.js';
import { macvlan, macvtap } from './macvlan.js';
import { vxlan } from './vxlan.js';

// The registry of link kinds linkAdd can create: one line per kind. LinkAddSpec is derived from
// it, linkAddRequest dispatches through it, and the CLI's `ip link add ... type KIND` must have
// a parser for each of its kinds (packages/cli/src/ip/link-kinds/: the compiler checks).

type AnyKind = LinkKind<string, object>;
type Table<L extends readonly AnyKind[]> = { readonly [T in L[number] as T['kind']]: T };
const table = <const L extends readonly AnyKind[]>(list: L): Table<L> => Object.freeze(Object.fromEntries(list.map((k) => [k.kind, k]))) as Table<L>;

/** Every link kind linkAdd can create, by its IFLA_INFO_KIND name, in the order errors list them. */
export const LINK_KINDS = table([bridge, veth, vlan, macvlan, macvtap, vxlan]);

export type LinkKindName = keyof typeof LINK_KINDS;

type SpecOf<T> = T extends LinkKind<infer K, infer O> ? LinkSpec<K, O> : never;
/** linkAdd's spec for one kind, e.g. `LinkAddSpecOf<'vxlan'>`. */
export type LinkAddSpecOf<K extends LinkKindName> = SpecOf<(typeof LINK_KINDS)[K]>;
/** What linkAdd creates: the common fields, `kind`, and that kind's own fields. */
export type LinkAddSpec = { [K in LinkKindName]: LinkAddSpecOf<K> }[LinkKindName];

export const isLinkKindName = (kind: unknown): kind is LinkKindName => typeof kind === 'string' && Object.hasOwn(LINK_KINDS, kind);

const NAMES = Object.keys(LINK_KINDS);
const WORDS = `${NAMES.slice(0, -1).join(', ')} or ${NAMES.at(-1)}`;

/** A kind of LINK_KINDS, or a ValidationError listing them. */
export function checkLinkKind(field: string, kind: unknown): LinkKindName {
  if (!isLinkKindName(kind)) throw new ValidationError(field, kind, `must be ${WORDS}`);
  return kind;
}

export type { LinkCommon, LinkKind, LinkSpec } from './kind.js';
export type { BridgeOptions } from './bridge.js';
export type { VethOptions, VethPeer } from './veth.js';
export type { VlanOptions } from './vlan.js';
export { MACVLAN_MODES, type MacvlanMode, type MacvlanOptions } from './macvlan.js';
export type { VxlanOptions } from './vxlan.js';
