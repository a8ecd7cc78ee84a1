import { readFileSync, writeFileSync } from 'node:fs';

// NAT and published ports need the host to route between its interfaces and the bridge:
// net.ipv4.ip_forward, which is per network namespace (/proc/sys/net is the opener's). nsrun
// turns it on and never off again: other things (docker, VPNs, another nsrun) may rely on it.

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** Turns IPv4 forwarding on; true when it was off (the caller says so in --verbose). */
export function enableIpForward(path = IP_FORWARD): boolean {
  if (readFileSync(path, 'utf8').trim() === '1') return false;
  writeFileSync(path, '1\n');
  return true;
}
