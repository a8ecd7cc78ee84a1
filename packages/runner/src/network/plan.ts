import { checkIfname, ValidationError } from '@nsrun/netlink';
import { RunnerError } from '../errors.js';
import { parseGateway, textToIp, ipToText, unusableRange, type Subnet } from '../state/leases.js';
import { DEFAULT_BRIDGE, DEFAULT_GATEWAY } from './defaults.js';

// The bridged network's options, checked before anything is created: names, the subnet, and
// whether a fixed --ip can belong to it at all (whether it is free is known only under the lock).

export interface BridgePlan {
  bridge: string;
  /** The bridge's address, CIDR. */
  gateway: string;
  subnet: Subnet;
  /** A fixed address for the container, bare (no prefix). */
  wanted: string | undefined;
}

const invalid = (field: string, reason: string, cause?: unknown): RunnerError => new RunnerError('validate', `${field}: ${reason}`, { field, cause });

export function bridgePlan(o: { bridge?: string | undefined; subnet?: string | undefined; ip?: string | undefined }): BridgePlan {
  const bridge = o.bridge ?? DEFAULT_BRIDGE;
  try {
    checkIfname('bridge', bridge);
  } catch (e) {
    throw invalid('bridge', e instanceof ValidationError ? `${JSON.stringify(bridge)} ${e.reason}` : String(e), e);
  }
  const gateway = o.subnet ?? DEFAULT_GATEWAY;
  let subnet: Subnet;
  try {
    subnet = parseGateway(gateway);
  } catch (e) {
    throw invalid('subnet', e instanceof Error ? e.message : String(e), e);
  }
  const unusable = unusableRange(subnet);
  if (unusable)
    throw invalid('subnet', `${gateway}: ${unusable}; containers there could not reach their gateway (choose a private range, like ${DEFAULT_GATEWAY})`);
  let wanted: string | undefined;
  if (o.ip !== undefined) {
    const [addr, len, extra] = String(o.ip).split('/');
    let n: number;
    try {
      if (extra !== undefined || addr === undefined) throw new Error('malformed');
      n = textToIp(addr);
    } catch (e) {
      throw invalid('ip', `${JSON.stringify(o.ip)} is not an IPv4 address`, e);
    }
    if (len !== undefined && len !== String(subnet.prefix)) throw invalid('ip', `${o.ip}: the prefix must be the subnet's, /${subnet.prefix}`);
    const inside = (n ^ subnet.network) >>> (32 - subnet.prefix) === 0;
    if (!inside) throw invalid('ip', `${addr} is outside the subnet ${ipToText(subnet.network)}/${subnet.prefix}`);
    if (n === subnet.gateway) throw invalid('ip', `${addr} is the bridge's own address`);
    if (n === subnet.network || n === subnet.broadcast)
      throw invalid('ip', `${addr} is the subnet's ${n === subnet.network ? 'network' : 'broadcast'} address`);
    wanted = addr;
  }
  return { bridge, gateway, subnet, wanted };
}
