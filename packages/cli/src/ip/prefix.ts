import { checkPrefix } from '@nsrun/netlink';
import { parseIP } from '@nsrun/netlink/wire';

// Prefix arithmetic for `ip route show root|match|exact PREFIX`, on BigInts.

export interface Cidr {
  family: 4 | 6;
  /** The address bits, host bits cleared. */
  net: bigint;
  len: number;
}

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function mask(value: bigint, family: 4 | 6, len: number): bigint {
  const bits = bitsOf(family);
  const all = (1n << BigInt(bits)) - 1n;
  const host = len >= bits ? 0n : (1n << BigInt(bits - len)) - 1n;
  return value & all & ~host;
}

/** "default" (of `family`, IPv4 unless given), "ADDR/LEN", or a bare address (a host prefix). */
export function parseCidr(field: string, text: string, family?: 4 | 6): Cidr {
  if (text === 'default' || text === 'all' || text === 'any') return { family: family ?? 4, net: 0n, len: 0 };
  const p = checkPrefix(field, text, family === undefined ? {} : { family });
  const value = BigInt(`0x${parseIP(p.address).toString('hex')}`);
  return { family: p.family, net: mask(value, p.family, p.prefixlen), len: p.prefixlen };
}

/** Whether `outer` contains all of `inner`. */
export function covers(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && outer.len <= inner.len && mask(inner.net, inner.family, outer.len) === outer.net;
}

export const sameCidr = (a: Cidr, b: Cidr): boolean => a.family === b.family && a.len === b.len && a.net === b.net;
