import { ipFamily } from '../ip-family.js';
import { checkIfname } from '@nsrun/netlink';
import { CniError, CNI_ERR_DECODE, CNI_ERR_INVALID_CONFIG, CNI_ERR_UNSUPPORTED_FIELD } from './errors.js';
import { decodeDns, decodeResult, parseJson, type CniDns, type CniResult } from './result.js';
import { checkVersion, isVersion } from './version.js';
import { parsePublish, type PublishSpec } from '../nat/publish.js';

// The request configuration on stdin (SPEC.md, section 3 "Deriving request configuration"),
// checked whole before anything is created. The keys are the reference `bridge` plugin's
// (containernetworking/plugins, plugins/main/bridge), with its defaults, so a conflist keeps its
// meaning when `"type": "bridge"` becomes `"type": "nsrun"`; unknown keys pass, as the spec
// asks. Errors: 6 when stdin is not JSON, 1 for a version nsrun does not speak, 7 for a value
// that is wrong, 2 for a field nsrun does not implement (naming the key and the value).

/** The reference bridge plugin's default bridge name. */
export const CNI_DEFAULT_BRIDGE = 'cni0';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIP?: string;
}

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  /** 0: the kernel's default. */
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** `ipam.type`; '' for none (an interface without addresses, as the reference plugin does). */
  ipamType: string;
  /** The `ipam` object as given (passed whole to a delegated plugin's stdin, with the rest). */
  ipam: Record<string, unknown>;
  dns: CniDns | undefined;
  /** From runtimeConfig.mac, args.cni.mac or CNI_ARGS MAC (in that order of precedence, as the reference). */
  mac: string | undefined;
  portMappings: PublishSpec[];
  /** Fixed addresses asked for: runtimeConfig.ips, or args.cni.ips (host-local's keys). */
  requestedIps: string[];
  prevResult: CniResult | undefined;
  /** nsrun's state directory: `stateDir`, or with the nsrun IPAM its `dataDir`. */
  stateDir: string | undefined;
  /** GC (1.1.0): `cni.dev/valid-attachments`. */
  validAttachments: Array<{ containerID: string; ifname: string }> | undefined;
  /** The stdin text, for delegated plugins (they get the same configuration). */
  raw: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const invalid = (field: string, why: string): CniError => new CniError(CNI_ERR_INVALID_CONFIG, `invalid network configuration: ${field}`, why);
const unsupported = (field: string, value: unknown, why: string): CniError =>
  new CniError(CNI_ERR_UNSUPPORTED_FIELD, `unsupported field ${field}`, `${field}: ${JSON.stringify(value)}: ${why}`);

/** Only the version (VERSION needs no more, and a malformed rest must not fail it). */
export function peekVersion(text: string): string | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return isObject(v) && typeof v.cniVersion === 'string' ? v.cniVersion : undefined;
  } catch {
    return undefined;
  }
}

export function parseConfig(text: string, args: ReadonlyMap<string, string> = new Map()): NetConf {
  if (text.trim() === '') throw new CniError(CNI_ERR_DECODE, 'cannot decode the network configuration', 'stdin is empty');
  const v = parseJson(text, 'the network configuration');
  if (!isObject(v)) throw new CniError(CNI_ERR_DECODE, 'cannot decode the network configuration', 'it must be a JSON object');
  if (v.cniVersion === undefined) throw invalid('cniVersion', 'cniVersion is required');
  if (!isVersion(v.cniVersion)) throw invalid('cniVersion', `${JSON.stringify(v.cniVersion)} is not a version (like "1.0.0")`);
  const cniVersion = checkVersion(v.cniVersion);
  if (typeof v.name !== 'string' || !NAME.test(v.name))
    throw invalid('name', `${JSON.stringify(v.name)}: a network name starts with a letter or digit, then letters, digits, "_", "." or "-"`);
  if (typeof v.type !== 'string' || v.type === '' || v.type.includes('/')) throw invalid('type', `${JSON.stringify(v.type)} is not a plugin name`);

  const bool = (k: string): boolean => {
    const x = v[k];
    if (x === undefined || x === null) return false;
    if (typeof x !== 'boolean') throw invalid(k, `must be true or false, got ${JSON.stringify(x)}`);
    return x;
  };
  const bridge = (v.bridge === undefined || v.bridge === null || v.bridge === '' ? CNI_DEFAULT_BRIDGE : v.bridge) as string;
  try {
    checkIfname('bridge', bridge);
  } catch (e) {
    throw invalid('bridge', `${JSON.stringify(bridge)}: ${(e as Error).message}`);
  }
  const isDefaultGateway = bool('isDefaultGateway');
  const isGateway = bool('isGateway') || isDefaultGateway; // as the reference: a default gateway is a gateway
  const hairpinMode = bool('hairpinMode');
  const promiscMode = bool('promiscMode');
  if (hairpinMode && promiscMode) throw invalid('hairpinMode', 'hairpinMode and promiscMode cannot both be set (as the reference bridge plugin)');
  let mtu = 0;
  if (v.mtu !== undefined && v.mtu !== 0) {
    if (typeof v.mtu !== 'number' || !Number.isInteger(v.mtu) || v.mtu < 68 || v.mtu > 65535)
      throw invalid('mtu', `must be an integer from 68 to 65535, got ${JSON.stringify(v.mtu)}`);
    mtu = v.mtu;
  }
  if (v.vlan !== undefined && v.vlan !== 0) {
    if (typeof v.vlan !== 'number' || !Number.isInteger(v.vlan) || v.vlan < 0 || v.vlan > 4094)
      throw invalid('vlan', `invalid VLAN ID ${JSON.stringify(v.vlan)} (must be between 0 and 4094)`);
    throw unsupported('vlan', v.vlan, 'nsrun does not tag bridge ports with VLANs (use "type": "bridge")');
  }
  if (v.macspoofchk === true) throw unsupported('macspoofchk', true, 'nsrun does not filter by MAC address (use "type": "bridge")');

  let ipam: Record<string, unknown> = {};
  let ipamType = '';
  if (v.ipam !== undefined && v.ipam !== null) {
    if (!isObject(v.ipam)) throw invalid('ipam', 'must be an object');
    ipam = v.ipam;
    if (ipam.type !== undefined && ipam.type !== '') {
      if (typeof ipam.type !== 'string' || ipam.type.includes('/') || ipam.type === '.' || ipam.type === '..')
        throw invalid('ipam.type', `${JSON.stringify(ipam.type)} is not a plugin name`);
      ipamType = ipam.type;
    }
  }
  const dns = isObject(v.dns) ? decodeDns(v.dns) : undefined;

  const rc = isObject(v.runtimeConfig) ? v.runtimeConfig : {};
  const cniArgs = isObject(v.args) && isObject(v.args.cni) ? v.args.cni : {};
  let mac: string | undefined = args.get('MAC') || undefined;
  if (typeof cniArgs.mac === 'string' && cniArgs.mac !== '') mac = cniArgs.mac;
  if (typeof rc.mac === 'string' && rc.mac !== '') mac = rc.mac;
  if (mac !== undefined && !MAC.test(mac)) throw invalid('mac', `${JSON.stringify(mac)} is not a MAC address (like 0a:58:0a:0a:0a:02)`);

  const portMappings = parsePortMappings(rc.portMappings);
  const ipList = Array.isArray(rc.ips) ? rc.ips : Array.isArray(cniArgs.ips) ? cniArgs.ips : [];
  if (!ipList.every((x) => typeof x === 'string')) throw invalid('runtimeConfig.ips', 'must be a list of addresses');
  const requestedIps = ipList as string[];
  if (portMappings.length && !isGateway && ipamType === '') throw invalid('runtimeConfig.portMappings', 'published ports need an address (an ipam section)');

  let stateDir: string | undefined;
  if (v.stateDir !== undefined) {
    if (typeof v.stateDir !== 'string' || !v.stateDir.startsWith('/')) throw invalid('stateDir', `must be an absolute path, got ${JSON.stringify(v.stateDir)}`);
    stateDir = v.stateDir;
  }
  if (ipamType === 'nsrun' && ipam.dataDir !== undefined) {
    if (typeof ipam.dataDir !== 'string' || !ipam.dataDir.startsWith('/'))
      throw invalid('ipam.dataDir', `must be an absolute path, got ${JSON.stringify(ipam.dataDir)}`);
    if (stateDir !== undefined && stateDir !== ipam.dataDir)
      throw invalid('ipam.dataDir', `${ipam.dataDir} and stateDir ${stateDir} differ: nsrun keeps its leases and records in one directory`);
    stateDir = ipam.dataDir;
  }

  const prevResult = v.prevResult === undefined || v.prevResult === null ? undefined : decodeResult(v.prevResult, 'prevResult');

  let validAttachments: NetConf['validAttachments'];
  const va = v['cni.dev/valid-attachments'];
  if (va !== undefined) {
    if (!Array.isArray(va) || !va.every((a) => isObject(a) && typeof a.containerID === 'string' && typeof a.ifname === 'string')) {
      throw invalid('cni.dev/valid-attachments', 'must be a list of {containerID, ifname}');
    }
    validAttachments = va.map((a) => ({ containerID: a.containerID as string, ifname: a.ifname as string }));
  }

  return {
    cniVersion,
    name: v.name,
    type: v.type,
    bridge,
    isGateway,
    isDefaultGateway,
    forceAddress: bool('forceAddress'),
    ipMasq: bool('ipMasq'),
    mtu,
    hairpinMode,
    promiscMode,
    ipamType,
    ipam,
    dns,
    mac,
    portMappings,
    requestedIps,
    prevResult,
    stateDir,
    validAttachments,
    raw: text,
  };
}

/**
 * The portMappings capability (CONVENTIONS.md): `[{hostPort, containerPort, protocol, hostIP}]`.
 * podman writes the keys in lower case, containerd's CRI with capitals (`HostPort`...): both
 * are read. SCTP and IPv6 host addresses are refused (nsrun's rules are IPv4 TCP/UDP).
 */
export function parsePortMappings(v: unknown): PublishSpec[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid('runtimeConfig.portMappings', 'must be a list');
  const out: PublishSpec[] = [];
  v.forEach((m, i) => {
    const field = `runtimeConfig.portMappings[${i}]`;
    if (!isObject(m)) throw invalid(field, 'must be an object');
    const get = (k: string): unknown => m[k] ?? m[k[0]!.toUpperCase() + k.slice(1)];
    const proto = String(get('protocol') ?? 'tcp').toLowerCase();
    if (proto !== 'tcp' && proto !== 'udp') throw unsupported(`${field}.protocol`, proto, 'nsrun publishes tcp and udp ports');
    let hostIp = get('hostIP') ?? m.HostIp ?? m.hostIp;
    if (hostIp === '' || hostIp === '0.0.0.0') hostIp = undefined;
    if (hostIp !== undefined && (typeof hostIp !== 'string' || ipFamily(hostIp) !== 4))
      throw unsupported(`${field}.hostIP`, hostIp, 'nsrun publishes on IPv4 host addresses');
    const spec = parsePublish(`${hostIp !== undefined ? `${String(hostIp)}:` : ''}${String(get('hostPort'))}:${String(get('containerPort'))}/${proto}`);
    if (typeof spec === 'string') throw invalid(field, spec);
    if (out.some((o) => o.hostPort === spec.hostPort && o.proto === spec.proto && o.hostIp === spec.hostIp)) return; // the same mapping twice (IPv4 and IPv6 entries of podman)
    out.push(spec);
  });
  return out;
}
