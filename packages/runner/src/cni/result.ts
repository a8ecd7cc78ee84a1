import { ipFamily } from '../ip-family.js';
import { CniError, CNI_ERR_DECODE, CNI_ERR_INVALID_CONFIG } from './errors.js';
import { atLeast } from './version.js';

// The ADD result (SPEC.md, section 5 "ADD Success"), kept in 1.x form and written in the shape
// the caller's cniVersion asks for: 0.3.x and 0.4.0 put `"version": "4"|"6"` in each of `ips`
// (spec-v0.4.0 SPEC.md, "Result"); 1.0.0 dropped it. prevResult and IPAM results are read in
// either shape.

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** The netns path for an interface in the container; absent on the host. */
  sandbox?: string;
}

export interface CniIp {
  /** CIDR. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniResult {
  interfaces?: CniInterface[];
  ips?: CniIp[];
  routes?: CniRoute[];
  dns?: CniDns;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON text of `r` for a caller speaking `cniVersion`. */
export function encodeResult(r: CniResult, cniVersion: string): string {
  const legacy = !atLeast(cniVersion, '1.0.0');
  const ips = (r.ips ?? []).map((ip) => ({
    ...(legacy && { version: ipFamily(ip.address.split('/')[0]!) === 6 ? '6' : '4' }),
    address: ip.address,
    ...(ip.gateway !== undefined && { gateway: ip.gateway }),
    ...(ip.interface !== undefined && { interface: ip.interface }),
  }));
  const out: Record<string, unknown> = { cniVersion };
  if (r.interfaces) out.interfaces = r.interfaces;
  out.ips = ips;
  if (r.routes?.length) out.routes = r.routes;
  out.dns = r.dns ?? {};
  return JSON.stringify(out);
}

/**
 * A result read from JSON (prevResult, an IPAM plugin's stdout), in any supported shape.
 * Throws CniError `code` (7 for prevResult in a config, 103 for an IPAM plugin's answer),
 * naming `what` and the field.
 */
export function decodeResult(v: unknown, what: string, code = CNI_ERR_INVALID_CONFIG): CniResult {
  const bad = (field: string, why: string): CniError => new CniError(code, `${what} is not a CNI result`, `${field}: ${why}`);
  if (!isObject(v)) throw bad(what, 'must be a JSON object');
  const out: CniResult = {};
  if (v.interfaces !== undefined) {
    if (!Array.isArray(v.interfaces)) throw bad('interfaces', 'must be a list');
    out.interfaces = v.interfaces.map((i, n) => {
      if (!isObject(i) || typeof i.name !== 'string') throw bad(`interfaces[${n}]`, 'must be an object with a name');
      const x: CniInterface = { name: i.name };
      if (typeof i.mac === 'string') x.mac = i.mac;
      if (typeof i.mtu === 'number') x.mtu = i.mtu;
      if (typeof i.sandbox === 'string' && i.sandbox !== '') x.sandbox = i.sandbox;
      return x;
    });
  }
  if (v.ips !== undefined && v.ips !== null) {
    if (!Array.isArray(v.ips)) throw bad('ips', 'must be a list');
    out.ips = v.ips.map((i, n) => {
      if (!isObject(i) || typeof i.address !== 'string' || !isCidr(i.address))
        throw bad(`ips[${n}].address`, `must be an address in CIDR notation, got ${JSON.stringify(isObject(i) ? i.address : i)}`);
      const x: CniIp = { address: i.address };
      if (i.gateway !== undefined && i.gateway !== '') {
        if (typeof i.gateway !== 'string' || !ipFamily(i.gateway)) throw bad(`ips[${n}].gateway`, `must be an address, got ${JSON.stringify(i.gateway)}`);
        x.gateway = i.gateway;
      }
      if (i.interface !== undefined && i.interface !== null) {
        if (typeof i.interface !== 'number' || !Number.isInteger(i.interface) || i.interface < 0) throw bad(`ips[${n}].interface`, 'must be an index');
        x.interface = i.interface;
      }
      return x;
    });
  }
  if (v.routes !== undefined && v.routes !== null) {
    if (!Array.isArray(v.routes)) throw bad('routes', 'must be a list');
    out.routes = v.routes.map((r, n) => decodeRoute(r, `routes[${n}]`, bad));
  }
  if (isObject(v.dns)) out.dns = decodeDns(v.dns);
  return out;
}

export function decodeRoute(r: unknown, field: string, bad: (field: string, why: string) => CniError): CniRoute {
  if (!isObject(r) || typeof r.dst !== 'string' || !isCidr(r.dst))
    throw bad(`${field}.dst`, `must be a destination in CIDR notation, got ${JSON.stringify(isObject(r) ? r.dst : r)}`);
  const x: CniRoute = { dst: r.dst };
  if (r.gw !== undefined && r.gw !== '') {
    if (typeof r.gw !== 'string' || !ipFamily(r.gw)) throw bad(`${field}.gw`, `must be an address, got ${JSON.stringify(r.gw)}`);
    x.gw = r.gw;
  }
  for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) {
    const n = r[k];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) throw bad(`${field}.${k}`, 'must be a non-negative integer');
    x[k] = n;
  }
  return x;
}

export function decodeDns(d: Record<string, unknown>): CniDns {
  const strs = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? [...v] : undefined);
  const out: CniDns = {};
  const ns = strs(d.nameservers);
  if (ns?.length) out.nameservers = ns;
  if (typeof d.domain === 'string' && d.domain !== '') out.domain = d.domain;
  const search = strs(d.search);
  if (search?.length) out.search = search;
  const options = strs(d.options);
  if (options?.length) out.options = options;
  return out;
}

/** `a.b.c.d/n` or an IPv6 prefix. */
export function isCidr(s: string): boolean {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(s);
  if (!m) return false;
  const fam = ipFamily(m[1]!);
  const len = Number(m[2]);
  return (fam === 4 && len <= 32) || (fam === 6 && len <= 128);
}

/** Parses JSON text, error 6 naming `what` when it is not JSON. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CniError(CNI_ERR_DECODE, `cannot decode ${what}`, (e as Error).message);
  }
}
