import { ID_PATTERN } from '../state/names.js';

// Container ids and the host-side names derived from them. IFNAMSIZ is 16 with the NUL, so a
// name has at most 15 bytes: "nsr" + the 12-hex id is exactly that, and unique per container.

/** Prefix of every host-side veth nsrun makes: `nsrun gc` recognises its own by it. */
export const VETH_PREFIX = 'nsr';

/** The host end of container `id`'s veth pair (15 bytes). */
export const vethName = (id: string): string => `${VETH_PREFIX}${id}`;

/** The container id a host veth name was derived from, if it is one of ours. */
export function idOfVeth(name: string): string | undefined {
  const id = name.slice(VETH_PREFIX.length);
  return name.startsWith(VETH_PREFIX) && ID_PATTERN.test(id) ? id : undefined;
}

/** The container's end of the pair, inside its own namespace. */
export const INSIDE_NAME = 'eth0';
