import { DecodeError } from '../wire/errors.js';

// IFLA_STATS64 (struct rtnl_link_stats64) and IFLA_STATS (struct rtnl_link_stats, u32 fields),
// linux/if_link.h: the same counters in the same order. Counters are bigints: a busy 100 Gb/s
// link passes 2^53 bytes in about eight days.

/** The counters of struct rtnl_link_stats64, in its field order. */
export const LINK_STATS_FIELDS = [
  'rxPackets',
  'txPackets',
  'rxBytes',
  'txBytes',
  'rxErrors',
  'txErrors',
  'rxDropped',
  'txDropped',
  'multicast',
  'collisions',
  'rxLengthErrors',
  'rxOverErrors',
  'rxCrcErrors',
  'rxFrameErrors',
  'rxFifoErrors',
  'rxMissedErrors',
  'txAbortedErrors',
  'txCarrierErrors',
  'txFifoErrors',
  'txHeartbeatErrors',
  'txWindowErrors',
  'rxCompressed',
  'txCompressed',
  'rxNohandler',
  'rxOtherhostDropped',
] as const;

export type LinkStats = Record<(typeof LINK_STATS_FIELDS)[number], bigint>;

/**
 * Decodes IFLA_STATS64 (`width` 8) or IFLA_STATS (`width` 4). A shorter payload (an older
 * kernel's struct) leaves the missing counters 0; a longer one (a newer kernel's) is read as
 * far as these fields go.
 */
export function decodeLinkStats(b: Uint8Array, width: 4 | 8 = 8): LinkStats {
  if (b.byteLength % width !== 0) throw new DecodeError(0, `link statistics of ${b.byteLength} bytes are not a whole number of ${width}-byte counters`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = {} as LinkStats;
  LINK_STATS_FIELDS.forEach((f, i) => {
    const at = i * width;
    out[f] = at + width > b.byteLength ? 0n : width === 8 ? view.getBigUint64(at, true) : BigInt(view.getUint32(at, true));
  });
  return out;
}
