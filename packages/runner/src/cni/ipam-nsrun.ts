import { readFileSync } from 'node:fs';
import { ipFamily } from '../ip-family.js';
import { CniError, CNI_ERR_FULL, CNI_ERR_INVALID_CONFIG, CNI_ERR_UNSUPPORTED_FIELD } from './errors.js';
import { decodeRoute, type CniDns, type CniRoute } from './result.js';
import { inSubnet, ipToText, MAX_PREFIX, MIN_PREFIX, prefixMask, textToIp, unusableRange, type Subnet } from '../state/leases.js';

// nsrun's own IPAM (`"ipam": {"type": "nsrun", ...}`), with host-local's keys and defaults
// (containernetworking/plugins, plugins/ipam/host-local): `ranges` (a list of range sets, each a
// list of ranges `{subnet, rangeStart, rangeEnd, gateway}`) or the older single `subnet`,
// `rangeStart`, `rangeEnd`, `gateway`; `routes`; `resolvConf`; `dataDir` (nsrun's state
// directory, config.ts). The gateway defaults to the subnet's first address, the range to the
// whole subnet but the network, broadcast and gateway addresses. The leases themselves are
// nsrun's (lease-store.ts: one file per address, created exclusively under the state lock), in
// the pool of the bridge, so that `nsrun run` on the same bridge and CNI attachments share one
// set of addresses. IPv4 only.

export interface IpamRange {
  subnet: Subnet;
  /** First and last address handed out (numbers). */
  start: number;
  end: number;
}

export interface IpamPlan {
  /** Tried in order; the first with a free address gives it. */
  ranges: IpamRange[];
  routes: CniRoute[];
  dns: CniDns | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (field: string, why: string): CniError => new CniError(CNI_ERR_INVALID_CONFIG, `invalid network configuration: ipam.${field}`, why);

export function ipamPlan(ipam: Record<string, unknown>): IpamPlan {
  let sets: unknown[];
  if (ipam.ranges !== undefined) {
    if (!Array.isArray(ipam.ranges) || !ipam.ranges.length) throw invalid('ranges', 'must be a non-empty list of range sets');
    if (ipam.subnet !== undefined) throw invalid('subnet', 'give either ranges or subnet, not both');
    sets = ipam.ranges;
  } else if (ipam.subnet !== undefined) {
    sets = [[{ subnet: ipam.subnet, rangeStart: ipam.rangeStart, rangeEnd: ipam.rangeEnd, gateway: ipam.gateway }]];
  } else {
    throw invalid('ranges', 'nsrun IPAM needs ranges (or subnet)');
  }
  if (sets.length > 1)
    throw new CniError(
      CNI_ERR_UNSUPPORTED_FIELD,
      'unsupported field ipam.ranges',
      `ipam.ranges: ${JSON.stringify(sets)}: nsrun IPAM gives one IPv4 address (one range set)`,
    );
  const set = sets[0];
  if (!Array.isArray(set) || !set.length) throw invalid('ranges[0]', 'must be a non-empty list of ranges');
  const ranges = set.map((r, i) => parseRange(r, `ranges[0][${i}]`));
  const routes: CniRoute[] = [];
  if (ipam.routes !== undefined && ipam.routes !== null) {
    if (!Array.isArray(ipam.routes)) throw invalid('routes', 'must be a list');
    ipam.routes.forEach((r, i) => {
      const route = decodeRoute(r, `routes[${i}]`, (f, why) => invalid(f, why));
      if (ipFamily(route.dst.split('/')[0]!) !== 4)
        throw new CniError(
          CNI_ERR_UNSUPPORTED_FIELD,
          `unsupported field ipam.routes[${i}]`,
          `ipam.routes[${i}].dst: ${JSON.stringify(route.dst)}: nsrun IPAM is IPv4 only`,
        );
      routes.push(route);
    });
  }
  let dns: CniDns | undefined;
  if (ipam.resolvConf !== undefined && ipam.resolvConf !== '') {
    if (typeof ipam.resolvConf !== 'string') throw invalid('resolvConf', 'must be a path');
    dns = readResolvConf(ipam.resolvConf);
  }
  return { ranges, routes, dns };
}

function parseRange(r: unknown, field: string): IpamRange {
  if (!isObject(r)) throw invalid(field, 'must be an object {subnet, rangeStart, rangeEnd, gateway}');
  const m = typeof r.subnet === 'string' ? /^([^/]+)\/([0-9]{1,2})$/.exec(r.subnet) : null;
  if (!m) throw invalid(`${field}.subnet`, `${JSON.stringify(r.subnet)} is not an IPv4 subnet (like 10.22.0.0/16)`);
  if (ipFamily(m[1]!) === 6)
    throw new CniError(
      CNI_ERR_UNSUPPORTED_FIELD,
      `unsupported field ipam.${field}.subnet`,
      `ipam.${field}.subnet: ${JSON.stringify(r.subnet)}: nsrun IPAM is IPv4 only`,
    );
  const ip = (k: string, text: unknown): number => {
    try {
      return textToIp(String(text), k);
    } catch {
      throw invalid(`${field}.${k}`, `${JSON.stringify(text)} is not an IPv4 address`);
    }
  };
  const prefix = Number(m[2]);
  if (prefix < MIN_PREFIX || prefix > MAX_PREFIX) throw invalid(`${field}.subnet`, `${r.subnet}: the prefix must be between /${MIN_PREFIX} and /${MAX_PREFIX}`);
  const mask = prefixMask(prefix);
  const network = (ip('subnet', m[1]) & mask) >>> 0;
  const broadcast = (network | ~mask) >>> 0;
  const gateway = r.gateway === undefined || r.gateway === '' ? network + 1 : ip('gateway', r.gateway);
  const subnet: Subnet = { gateway, prefix, network, broadcast };
  const unusable = unusableRange(subnet);
  if (unusable) throw invalid(`${field}.subnet`, `${r.subnet}: ${unusable}`);
  const inside = (k: string, n: number): number => {
    if (!inSubnet(subnet, n) || n === network || n === broadcast)
      throw invalid(`${field}.${k}`, `${ipToText(n)} is not a host address of ${ipToText(network)}/${prefix}`);
    return n;
  };
  inside('gateway', gateway);
  const start = r.rangeStart === undefined || r.rangeStart === '' ? network + 1 : inside('rangeStart', ip('rangeStart', r.rangeStart));
  const end = r.rangeEnd === undefined || r.rangeEnd === '' ? broadcast - 1 : inside('rangeEnd', ip('rangeEnd', r.rangeEnd));
  if (start > end) throw invalid(`${field}.rangeStart`, `${ipToText(start)} is after rangeEnd ${ipToText(end)}`);
  return { subnet, start, end };
}

/** host-local's `resolvConf`: nameserver, domain, search and options lines. */
function readResolvConf(file: string): CniDns {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw invalid('resolvConf', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const dns: CniDns = {};
  for (const line of text.split('\n')) {
    const [k, ...rest] = line.trim().split(/\s+/);
    if (k === 'nameserver' && rest[0]) (dns.nameservers ??= []).push(rest[0]);
    else if (k === 'domain' && rest[0]) dns.domain = rest[0];
    else if (k === 'search' && rest.length) dns.search = rest;
    else if (k === 'options' && rest.length) (dns.options ??= []).push(...rest);
  }
  return dns;
}

export interface IpamPick {
  ip: number;
  range: IpamRange;
}

/**
 * An address for the attachment: `wanted` exactly (CNI_ARGS IP, runtimeConfig.ips), or the
 * next free one after `cursor`, round robin through each range in turn, as host-local does.
 */
export function ipamPick(plan: IpamPlan, used: ReadonlyMap<number, string>, cursor: number | undefined, wanted: string | undefined): IpamPick {
  const taken = (n: number, r: IpamRange): boolean => n === r.subnet.gateway || n === r.subnet.network || n === r.subnet.broadcast || used.has(n);
  if (wanted !== undefined) {
    let n: number;
    try {
      n = textToIp(wanted.split('/')[0]!, 'ip');
    } catch {
      throw invalid('ip', `the requested address ${JSON.stringify(wanted)} is not an IPv4 address`);
    }
    const range = plan.ranges.find((r) => n >= r.start && n <= r.end);
    if (!range) throw invalid('ip', `the requested address ${wanted} is in none of the ranges`);
    if (taken(n, range))
      throw new CniError(
        CNI_ERR_FULL,
        'requested address taken',
        `${wanted} is ${used.has(n) ? `already leased (to ${used.get(n)})` : "the subnet's gateway, network or broadcast address"}`,
      );
    return { ip: n, range };
  }
  for (const range of plan.ranges) {
    const size = range.end - range.start + 1;
    const from = cursor !== undefined && cursor >= range.start && cursor <= range.end ? cursor - range.start : size - 1;
    for (let k = 1; k <= size; k++) {
      const n = range.start + ((from + k) % size);
      if (!taken(n, range)) return { ip: n, range };
    }
  }
  const what = plan.ranges.map((r) => `${ipToText(r.start)}-${ipToText(r.end)}`).join(', ');
  throw new CniError(CNI_ERR_FULL, 'no address left', `every address of ${what} is taken`);
}
