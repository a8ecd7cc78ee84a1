import { ID_PATTERN } from '../state/names.js';

// The mark nsrun leaves on each host veth it makes: an interface alias (IFLA_IFALIAS) naming
// the state directory that leases its address, by device and inode (two paths to one
// directory agree), and the container. It tells apart what is this state directory's to clean
// up and to share a bridge with from what belongs to another one (or to no nsrun at all).

const PREFIX = 'nsrun';

/** `nsrun <dev>:<ino> <id>`: the alias of container `id`'s host veth, for state directory `token`. */
export const vethStamp = (token: string, id: string): string => `${PREFIX} ${token} ${id}`;

/** The state directory and container an alias names; undefined when it is not nsrun's stamp. */
export function parseStamp(alias: string | undefined): { token: string; id: string } | undefined {
  const m = alias === undefined ? null : /^nsrun ([0-9]+:[0-9]+) ([0-9a-f]+)$/.exec(alias);
  return m && ID_PATTERN.test(m[2]!) ? { token: m[1]!, id: m[2]! } : undefined;
}
