import type { LinkAddSpecOf, LinkCommon, LinkKindName } from '@nsrun/netlink';
import type { Args } from '../../args.js';
import type { Resolver } from '../context.js';

// How `nsrun ip link add NAME ... type KIND ARGS` reads one kind's ARGS: a typed parser per
// kind (this directory, one file each), registered in index.ts under the kind's name in
// @nsrun/netlink's LINK_KINDS. The compiler requires one for every kind there, and each
// returns that kind's own LinkAddSpec: no untyped record between the words and the request.

export interface KindParser<K extends LinkKindName, A> {
  /** The kind's ARGS in LINK_USAGE, one string per line. */
  readonly usage: readonly string[];
  /** Needs `link DEV` (the usage says so; `parse` refuses a command without it). */
  readonly needsLower?: boolean;
  /** Reads the words after `type KIND` into the kind's args, `kind` included; `lower` is the `link DEV` given before `type`. */
  parse(a: Args, lower: string | undefined): A;
  /** The kind's LinkAddSpec: the common fields and its own from `args`, names resolved through `r`. */
  spec(args: A, common: LinkCommon, r: Resolver): Promise<LinkAddSpecOf<K>>;
}

/** The `link DEV` a kind needs, or the usage error "KIND needs "link DEV"". */
export function needLower(a: Args, kind: string, lower: string | undefined): string {
  if (lower === undefined) throw a.error(`${kind} needs "link DEV"`);
  return lower;
}

/** `0` or `1`, as a boolean. */
export const flag01 = (a: Args, name: string): boolean => a.uint(name, 0, 1) === 1;
