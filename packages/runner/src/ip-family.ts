import { checkAddress } from '@nsrun/netlink';

/**
 * 4 or 6 when `text` is an IPv4 or IPv6 address, else 0: node:net's isIP, by the toolkit's one
 * address parser (inet_pton's forms; @nsrun/netlink), without loading node:net and the stream
 * machinery at every start. No zone (`fe80::1%eth0`): see dns.ts for where one is allowed.
 */
export function ipFamily(text: unknown): 0 | 4 | 6 {
  if (typeof text !== 'string') return 0;
  try {
    return checkAddress('address', text).family;
  } catch {
    return 0;
  }
}
