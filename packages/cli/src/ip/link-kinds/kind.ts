import type { LinkAddSpecOf, LinkCommon, LinkKindName } from '@nsrun/netlink';
import type { Args } from '../../args.js';
import type { Resolver } from '../context.js';
import type { KindPrinter } from '../view-kinds.js';

// What `nsrun ip` knows of one link kind: how `link add NAME ... type KIND ARGS` reads its ARGS
// (a typed parser) and how `-d` prints its data. One entry per kind (this directory, one file
// each), registered in index.ts under the kind's name in @nsrun/netlink's LINK_KINDS. The
// compiler requires one for every kind there, each parser returns that kind's own LinkAddSpec
// (no untyped record between the words and the request), and each entry names its printer.

export interface KindEntry<K extends LinkKindName, A> {
  /** The kind's ARGS in LINK_USAGE, one string per line. */
  readonly usage: readonly string[];
  /** Needs `link DEV` (the usage says so; `parse` refuses a command without it). */
  readonly needsLower?: boolean;
  /** Reads the words after `type KIND` into the kind's args, `kind` included; `lower` is the `link DEV` given before `type`. */
  parse(a: Args, lower: string | undefined): A;
  /** The kind's LinkAddSpec: the common fields and its own from `args`, names resolved through `r`. */
  spec(args: A, common: LinkCommon, r: Resolver): Promise<LinkAddSpecOf<K>>;
  /** `ip -d`: the printer of its IFLA_INFO_DATA (view-kinds.ts); null where ip prints none (veth sends none). */
  readonly details: KindPrinter | null;
  /** `ip -d` of its ports (a master kind): the printer of their IFLA_INFO_SLAVE_DATA, shown as "KIND_slave". */
  readonly portDetails?: KindPrinter;
}

/** The `link DEV` a kind needs, or the usage error "KIND needs "link DEV"". */
export function needLower(a: Args, kind: string, lower: string | undefined): string {
  if (lower === undefined) throw a.error(`${kind} needs "link DEV"`);
  return lower;
}

/** `0` or `1`, as a boolean. */
export const flag01 = (a: Args, name: string): boolean => a.uint(name, 0, 1) === 1;
