import { isLinkKindName, type LinkAddSpecOf, type LinkCommon, type LinkKindName } from '@nsrun/netlink';
import type { Args } from '../../args.js';
import type { Resolver } from '../context.js';
import type { KindPrinter } from '../view-kinds.js';
import type { KindEntry } from './kind.js';
import { bridge } from './bridge.js';
import { veth } from './veth.js';
import { vlan } from './vlan.js';
import { macvlan, macvtap } from './macvlan.js';
import { vxlan } from './vxlan.js';

// `ip link add ... type KIND ARGS` and `ip -d`: an entry for each kind of @nsrun/netlink's
// LINK_KINDS (the `satisfies` makes a missing or unknown one a compile error): its parser, the
// usage made from them, and its printers.

/** The entry of each link kind, in LINK_KINDS's order. */
export const KIND_ENTRIES = { bridge, veth, vlan, macvlan, macvtap, vxlan } satisfies { [K in LinkKindName]: KindEntry<K, { kind: K }> };

type ArgsMap = { [K in LinkKindName]: ReturnType<(typeof KIND_ENTRIES)[K]['parse']> };
/** What a kind's parser read, `kind` included, names not yet resolved. */
export type KindArgs<K extends LinkKindName = LinkKindName> = ArgsMap[K];
const PARSERS: { [K in LinkKindName]: KindEntry<K, ArgsMap[K]> } = KIND_ENTRIES;

/** Reads the words after `type KIND` with the kind's parser; `lower` is the `link DEV` before `type`. */
export function kindArgs<K extends LinkKindName>(kind: K, a: Args, lower: string | undefined): KindArgs<K> {
  return PARSERS[kind].parse(a, lower);
}

/** The kind's LinkAddSpec from what its parser read. */
export function kindSpec<K extends LinkKindName>(args: KindArgs<K> & { kind: K }, common: LinkCommon, r: Resolver): Promise<LinkAddSpecOf<K>> {
  return PARSERS[args.kind].spec(args, common, r);
}

/**
 * The `TYPE [ARGS] :=` lines of LINK_USAGE: kinds whose parsers share their usage on one line
 * (macvlan | macvtap), "(with link DEV)" after those that need one, aligned.
 */
export function kindUsage(): string {
  const rows: { words: string; lines: readonly string[]; lower: boolean }[] = [];
  for (const [name, p] of Object.entries(KIND_ENTRIES)) {
    const last = rows.at(-1);
    if (last && last.lines === p.usage) last.words += ` | ${name}`;
    else rows.push({ words: name, lines: p.usage, lower: p.needsLower === true });
  }
  const first = rows.map((r) => `${r.words} ${r.lines[0] ?? ''}`.trimEnd());
  const width = Math.max(0, ...first.filter((_, i) => rows[i]?.lower).map((l) => l.length)) + 1;
  const out: string[] = [];
  rows.forEach((r, i) => {
    const line = first[i] as string;
    out.push(`${i === 0 ? 'TYPE [ARGS] := ' : '             | '}${r.lower ? `${line.padEnd(width)}(with link DEV)` : line}`);
    for (const more of r.lines.slice(1)) out.push(`${' '.repeat(15 + r.words.length + 1)}${more}`);
  });
  return `${out.join('\n')}\n`;
}

/** `ip -d`: the printer of a link's IFLA_INFO_DATA by its kind (none: a kind outside the table, or veth). */
export function kindDetails(kind: string): KindPrinter | undefined {
  return isLinkKindName(kind) ? (KIND_ENTRIES[kind].details ?? undefined) : undefined;
}

/** `ip -d`: the printer of a port's IFLA_INFO_SLAVE_DATA by its master's kind (IFLA_INFO_SLAVE_KIND). */
export function portDetails(masterKind: string): KindPrinter | undefined {
  if (!isLinkKindName(masterKind)) return undefined;
  const entry: { portDetails?: KindPrinter } = KIND_ENTRIES[masterKind];
  return entry.portDetails;
}
