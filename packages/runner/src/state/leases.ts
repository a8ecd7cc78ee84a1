import { ipv4Value } from '@nsrun/netlink/wire';
import { AddressError } from './errors.js';

// IPv4 arithmetic for leases, pure: addresses are unsigned 32-bit numbers. The state directory
// keeps who holds what; this file only decides which address comes next.

/** A bridge's subnet, from its own address in CIDR form (`10.10.10.1/24`). */
export interface Subnet {
  /** The bridge's address. */
  gateway: number;
  prefix: number;
  network: number;
  broadcast: number;
}

export interface Allocation {
  ip: number;
  /** CIDR with the subnet's prefix, e.g. `10.10.10.7/24`. */
  text: string;
  /** Where the next automatic allocation starts looking (the address just handed out). */
  cursor: number;
}

/** Addresses in use: numbers or text (bare or CIDR); a Map also says which container holds each. */
export type UsedAddresses = ReadonlySet<number> | ReadonlySet<string> | ReadonlyMap<number | string, string>;

/** Prefixes nsrun accepts for a bridge: /8 at most (16M hosts), /30 at least (2 hosts). */
export const MIN_PREFIX = 8;
export const MAX_PREFIX = 30;

/** Netmask of a prefix length 0..32, as a number. */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `10.10.10.7` -> 168430087. Strict (the toolkit's one parser): four decimal octets 0..255, no leading zeros (inet_aton would read them as octal), no prefix. */
export function textToIp(text: string, field = 'address'): number {
  const ip = typeof text === 'string' ? ipv4Value(text) : -1;
  if (ip < 0) throw new AddressError(field, 'malformed', `${JSON.stringify(text)} is not an IPv4 address (like 10.10.10.7)`);
  return ip;
}

/** 168430087 -> `10.10.10.7`. */
export function ipToText(ip: number): string {
  if (!Number.isInteger(ip) || ip < 0 || ip > 0xffffffff) throw new AddressError('address', 'malformed', `${String(ip)} is not an IPv4 address number`);
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

/** Whether two networks share any address (one contains the other). */
export function overlaps(aNet: number, aPrefix: number, bNet: number, bPrefix: number): boolean {
  for (const p of [aPrefix, bPrefix]) {
    if (!Number.isInteger(p) || p < 0 || p > 32) throw new AddressError('prefix', 'prefix', `prefix ${String(p)} is not between 0 and 32`);
  }
  const mask = prefixMask(Math.min(aPrefix, bPrefix));
  return (aNet & mask) >>> 0 === (bNet & mask) >>> 0;
}

/** Whether `ip` is in the subnet (network and broadcast included). */
export function inSubnet(subnet: Subnet, ip: number): boolean {
  return (ip & prefixMask(subnet.prefix)) >>> 0 === subnet.network;
}

/**
 * The subnet of a bridge address in CIDR form. Refuses malformed text, prefixes outside
 * 8..30 and a bridge address that is the network or broadcast address.
 */
export function parseGateway(cidr: string): Subnet {
  const m = typeof cidr === 'string' ? /^([^/]+)\/([0-9]{1,2})$/.exec(cidr) : null;
  if (!m) throw new AddressError('subnet', 'malformed', `${JSON.stringify(cidr)} is not an address with a prefix (like 10.10.10.1/24)`);
  const gateway = textToIp(m[1]!, 'subnet');
  const prefix = Number(m[2]);
  if (prefix < MIN_PREFIX || prefix > MAX_PREFIX) {
    throw new AddressError('subnet', 'prefix', `${cidr}: the prefix must be between /${MIN_PREFIX} and /${MAX_PREFIX}`);
  }
  const mask = prefixMask(prefix);
  const network = (gateway & mask) >>> 0;
  const broadcast = (network | ~mask) >>> 0;
  if (gateway === network)
    throw new AddressError(
      'subnet',
      'network',
      `${cidr}: ${m[1]} is the network address of ${ipToText(network)}/${prefix}; give the bridge a host address (like ${ipToText(network + 1)}/${prefix})`,
    );
  if (gateway === broadcast) throw new AddressError('subnet', 'broadcast', `${cidr}: ${m[1]} is the broadcast address of ${ipToText(network)}/${prefix}`);
  return { gateway, prefix, network, broadcast };
}

/**
 * IPv4 ranges no bridge subnet may touch (RFC 6890): the kernel drops packets to or from them on
 * an ordinary interface (martians) or cannot give them to one host, so a container there could
 * never reach its gateway.
 */
export const UNUSABLE_RANGES: readonly { network: number; prefix: number; what: string }[] = [
  { network: 0x00000000, prefix: 8, what: '"this network" (RFC 1122), never a source or destination on a link' },
  { network: 0x7f000000, prefix: 8, what: 'loopback' },
  { network: 0xe0000000, prefix: 4, what: 'multicast' },
  { network: 0xf0000000, prefix: 4, what: 'reserved (class E and the limited broadcast address)' },
];

/**
 * Why `subnet` cannot be a bridge's, naming the range it overlaps (`127.0.0.0/8 is loopback`),
 * or undefined. Checked where a subnet is chosen, not in parseGateway: records an older nsrun
 * wrote with such a subnet must still parse, so that their containers can be cleaned up.
 */
export function unusableRange(subnet: Subnet): string | undefined {
  const r = UNUSABLE_RANGES.find((x) => overlaps(x.network, x.prefix, subnet.network, subnet.prefix));
  return r && `${ipToText(r.network)}/${r.prefix} is ${r.what}`;
}

/** The used addresses as number -> holder (undefined when the caller gave a Set). */
function usedMap(used: UsedAddresses | undefined): Map<number, string | undefined> {
  const out = new Map<number, string | undefined>();
  if (used === undefined) return out;
  const key = (k: number | string): number => {
    if (typeof k === 'number') {
      ipToText(k); // validates
      return k;
    }
    return textToIp(String(k).split('/')[0]!, 'used');
  };
  if (used instanceof Map) for (const [k, holder] of used) out.set(key(k), holder);
  else for (const k of used as ReadonlySet<number | string>) out.set(key(k), undefined);
  return out;
}

/** Refuses `ip` with the reason it cannot be a container's address, if any. */
function checkHost(subnet: Subnet, ip: number, used: Map<number, string | undefined>, shown: string): void {
  const net = `${ipToText(subnet.network)}/${subnet.prefix}`;
  if (!inSubnet(subnet, ip)) throw new AddressError('ip', 'outside', `${shown} is outside the subnet ${net}`);
  if (ip === subnet.network) throw new AddressError('ip', 'network', `${shown} is the network address of ${net}`);
  if (ip === subnet.broadcast) throw new AddressError('ip', 'broadcast', `${shown} is the broadcast address of ${net}`);
  if (ip === subnet.gateway) throw new AddressError('ip', 'gateway', `${shown} is the bridge's own address`);
  if (used.has(ip)) {
    const holder = used.get(ip);
    throw new AddressError('ip', 'taken', `${shown} is already taken${holder === undefined ? '' : ` by container ${holder}`}`, holder);
  }
}

/**
 * An address for a container. With `wanted` (bare or with the subnet's prefix): exactly that
 * one, or an AddressError saying why not. Without: the next free host address after `cursor`,
 * round robin through the subnet (wrapping), so an address just released is not handed out
 * again at once while neighbours may still have its old MAC in their ARP caches.
 */
export function allocateAddress(opts: {
  subnet: Subnet | string;
  used?: UsedAddresses | undefined;
  wanted?: string | undefined;
  cursor?: number | undefined;
}): Allocation {
  const subnet = typeof opts.subnet === 'string' ? parseGateway(opts.subnet) : opts.subnet;
  const used = usedMap(opts.used);
  const done = (ip: number): Allocation => ({ ip, text: `${ipToText(ip)}/${subnet.prefix}`, cursor: ip });

  if (opts.wanted !== undefined) {
    const m = typeof opts.wanted === 'string' ? /^([^/]+)(?:\/([0-9]{1,2}))?$/.exec(opts.wanted) : null;
    if (!m) throw new AddressError('ip', 'malformed', `${JSON.stringify(opts.wanted)} is not an IPv4 address (like 10.10.10.7 or 10.10.10.7/${subnet.prefix})`);
    const ip = textToIp(m[1]!, 'ip');
    if (m[2] !== undefined && Number(m[2]) !== subnet.prefix) {
      throw new AddressError('ip', 'prefix', `${opts.wanted}: the prefix must be the subnet's, /${subnet.prefix}`);
    }
    checkHost(subnet, ip, used, m[1]!);
    return done(ip);
  }

  const size = 2 ** (32 - subnet.prefix);
  const c = opts.cursor;
  if (c !== undefined && (!Number.isInteger(c) || c < 0 || c > 0xffffffff)) {
    throw new AddressError('cursor', 'malformed', `cursor ${String(c)} is not an IPv4 address number`);
  }
  // A cursor from another subnet (the bridge was re-made with a new one) starts from the top.
  const start = c !== undefined && inSubnet(subnet, c) ? c - subnet.network : 0;
  for (let k = 1; k <= size; k++) {
    const ip = subnet.network + ((start + k) % size);
    if (ip === subnet.network || ip === subnet.broadcast || ip === subnet.gateway || used.has(ip)) continue;
    return done(ip);
  }
  throw new AddressError('ip', 'full', `the subnet ${ipToText(subnet.network)}/${subnet.prefix} is full (${size - 3} container addresses, all taken)`);
}
