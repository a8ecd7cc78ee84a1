// An attachment's nsrun id, from what names it in the protocol: the network, CNI_CONTAINERID
// and CNI_IFNAME (SPEC.md, section 3: an attachment is the (CNI_CONTAINERID, CNI_IFNAME)
// tuple, per network). Derived, not random: DEL finds the record, the lease and the host veth
// (nsr<id>) by it without a prevResult, and even when the record is gone. 48 bits of FNV-1a 64
// (no crypto module on the plugin's path: every pod start pays for what it loads).

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

export function cniId(network: string, containerId: string, ifname: string): string {
  let h = FNV_OFFSET;
  for (const b of Buffer.from(`${network}\0${containerId}\0${ifname}`)) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK64;
  return (h >> 16n).toString(16).padStart(12, '0');
}
