import { ipv4Value, ipv6Bytes } from '@nsrun/netlink/wire';

/**
 * 4 or 6 when `text` is an IPv4 or IPv6 address, else 0: node:net's isIP, by the toolkit's one
 * address parser (inet_pton's forms; @nsrun/netlink/wire), without loading node:net and the
 * stream machinery at every start. No zone (`fe80::1%eth0`): see dns.ts for where one is allowed.
 */
export function ipFamily(text: unknown): 0 | 4 | 6 {
  if (typeof text !== 'string') return 0;
  if (ipv4Value(text) >= 0) return 4;
  return ipv6Bytes(text) === undefined ? 0 : 6;
}
