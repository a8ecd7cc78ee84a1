import { formatIPv6 } from './wire/attrs.js';
import type { WireAddr } from './validate.js';

/**
 * The text of an address given by its bytes (`198.18.0.1`, `2001:db8::1`): made only for a
 * message, since bulk work that gives its addresses as numbers must not pay for text per request.
 */
export function wireText(a: WireAddr): string {
  if (a.family === 6) return formatIPv6(a.bytes);
  const v = a.v4;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
