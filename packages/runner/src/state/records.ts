import { StateError } from './errors.js';
import { checkId, checkLinkName } from './names.js';
import { inSubnet, parseGateway, textToIp } from './leases.js';
import type { ProcessIdentity } from './liveness.js';
import { parsePublish, type PublishSpec } from '../nat/publish.js';

// One container's record (<dir>/containers/<id>.json): what nsrun made for it on the host, so
// that `ps`, `gc` and a later nsrun can find and undo it. Read strictly: a file that is not
// exactly what nsrun writes is refused with the field to blame, never half-trusted.

export interface ContainerRecord {
  version: 1;
  /** 12 lowercase hex digits; also the file name. */
  id: string;
  kind: 'run' | 'attach';
  /** Whose life the container's lease is tied to: nsrun itself for run, the target process for attach. */
  owner: ProcessIdentity;
  /** The container's first process, as the host sees it. */
  pid: number;
  net: 'bridge' | 'none' | 'host';
  /** With net 'bridge' (required there, refused otherwise): the bridge's name. */
  bridge?: string;
  /** The bridge's address, CIDR (e.g. 10.10.10.1/24). */
  gateway?: string;
  /** The container's address, CIDR with the gateway's prefix (e.g. 10.10.10.2/24). */
  ip?: string;
  /** The host end of the veth pair (optional even with 'bridge'). */
  veth?: string;
  command: string[];
  hostname?: string;
  /** ISO 8601 time, e.g. new Date().toISOString(). */
  created: string;
  /** nf_tables rules nsrun added for it (tagged `nsrun:<id>`), removed with the record. */
  nat?: NatRecord;
}

/** What --nat / --publish asked for (net 'bridge' only). */
export interface NatRecord {
  masquerade: boolean;
  publish: PublishSpec[];
}

const KEYS = new Set(['version', 'id', 'kind', 'owner', 'pid', 'net', 'bridge', 'gateway', 'ip', 'veth', 'command', 'hostname', 'created', 'nat']);
const OWNER_KEYS = new Set(['pid', 'start', 'boot']);
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a record object and returns a clean copy (known keys only; keys whose value is
 * undefined count as absent). Throws StateError naming the field.
 */
export function checkRecord(value: unknown, file?: string): ContainerRecord {
  const bad = (field: string, reason: string): StateError => new StateError(reason, { file, field });
  if (!isObject(value)) throw bad('record', 'must be a JSON object');
  const v = Object.fromEntries(Object.entries(value).filter(([, x]) => x !== undefined));
  for (const k of Object.keys(v)) if (!KEYS.has(k)) throw bad(k, 'unknown field');
  if (v.version !== 1) throw bad('version', `must be 1, got ${JSON.stringify(v.version)}`);
  checkId(v.id, file);
  if (v.kind !== 'run' && v.kind !== 'attach') throw bad('kind', `must be "run" or "attach", got ${JSON.stringify(v.kind)}`);

  const o = v.owner;
  if (!isObject(o)) throw bad('owner', 'must be an object {pid, start, boot}');
  for (const k of Object.keys(o)) if (!OWNER_KEYS.has(k)) throw bad(`owner.${k}`, 'unknown field');
  if (!isPid(o.pid)) throw bad('owner.pid', `must be a positive integer, got ${JSON.stringify(o.pid)}`);
  if (typeof o.start !== 'number' || !Number.isSafeInteger(o.start) || o.start < 0) throw bad('owner.start', `must be a non-negative integer, got ${JSON.stringify(o.start)}`);
  if (typeof o.boot !== 'string' || o.boot === '') throw bad('owner.boot', 'must be a non-empty string');
  // 0: leased, not started yet (the record is written under the lock before the spawn).
  if (v.pid !== 0 && !isPid(v.pid)) throw bad('pid', `must be a positive integer (0 before the start), got ${JSON.stringify(v.pid)}`);

  if (v.net !== 'bridge' && v.net !== 'none' && v.net !== 'host') throw bad('net', `must be "bridge", "none" or "host", got ${JSON.stringify(v.net)}`);
  if (v.net === 'bridge') {
    for (const k of ['bridge', 'gateway', 'ip']) if (v[k] === undefined) throw bad(k, 'required with net "bridge"');
    checkLinkName('bridge', v.bridge, file);
    if (v.veth !== undefined) checkLinkName('veth', v.veth, file);
    checkAddresses(v.gateway, v.ip, bad);
  } else {
    for (const k of ['bridge', 'gateway', 'ip', 'veth']) if (v[k] !== undefined) throw bad(k, `only with net "bridge", not "${v.net}"`);
  }

  if (!Array.isArray(v.command) || v.command.length === 0 || !v.command.every((a) => typeof a === 'string')) {
    throw bad('command', 'must be a non-empty array of strings');
  }
  if (v.hostname !== undefined && typeof v.hostname !== 'string') throw bad('hostname', 'must be a string');
  if (typeof v.created !== 'string' || !ISO_TIME.test(v.created) || Number.isNaN(Date.parse(v.created))) {
    throw bad('created', `must be an ISO 8601 time, got ${JSON.stringify(v.created)}`);
  }

  const rec: ContainerRecord = {
    version: 1,
    id: v.id as string,
    kind: v.kind,
    owner: { pid: o.pid, start: o.start, boot: o.boot },
    pid: v.pid,
    net: v.net,
    command: [...(v.command as string[])],
    created: v.created,
  };
  for (const k of ['bridge', 'gateway', 'ip', 'veth', 'hostname'] as const) if (v[k] !== undefined) rec[k] = v[k] as string;
  if (v.nat !== undefined) {
    if (v.net !== 'bridge') throw bad('nat', `only with net "bridge", not "${v.net}"`);
    rec.nat = checkNat(v.nat, bad);
  }
  return rec;
}

function checkNat(n: unknown, bad: (field: string, reason: string) => StateError): NatRecord {
  if (!isObject(n)) throw bad('nat', 'must be an object {masquerade, publish}');
  for (const k of Object.keys(n)) if (k !== 'masquerade' && k !== 'publish') throw bad(`nat.${k}`, 'unknown field');
  if (typeof n.masquerade !== 'boolean') throw bad('nat.masquerade', 'must be true or false');
  if (!Array.isArray(n.publish)) throw bad('nat.publish', 'must be an array');
  const publish = n.publish.map((p, i) => {
    if (!isObject(p)) throw bad(`nat.publish.${i}`, 'must be an object');
    for (const k of Object.keys(p)) if (!['hostIp', 'hostPort', 'containerPort', 'proto'].includes(k)) throw bad(`nat.publish.${i}.${k}`, 'unknown field');
    const text = `${p.hostIp !== undefined ? `${String(p.hostIp)}:` : ''}${String(p.hostPort)}:${String(p.containerPort)}/${String(p.proto)}`;
    const got = typeof p.hostPort === 'number' && typeof p.containerPort === 'number' ? parsePublish(text) : 'ports must be numbers';
    if (typeof got === 'string') throw bad(`nat.publish.${i}`, got);
    return got;
  });
  return { masquerade: n.masquerade, publish };
}

function isPid(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 0x3fffffff; // PID_MAX_LIMIT is 2^22; pid_t is an int
}

/** gateway: a bridge address in CIDR; ip: a host address of the same subnet, same prefix, not the gateway. */
function checkAddresses(gateway: unknown, ip: unknown, bad: (field: string, reason: string) => StateError): void {
  if (typeof gateway !== 'string') throw bad('gateway', 'must be a string (CIDR)');
  let subnet;
  try {
    subnet = parseGateway(gateway);
  } catch (e) {
    throw bad('gateway', (e as Error).message);
  }
  const m = typeof ip === 'string' ? /^([^/]+)\/([0-9]{1,2})$/.exec(ip) : null;
  if (!m) throw bad('ip', `must be an address with a prefix (like 10.10.10.2/${subnet.prefix}), got ${JSON.stringify(ip)}`);
  let n: number;
  try {
    n = textToIp(m[1]!, 'ip');
  } catch (e) {
    throw bad('ip', (e as Error).message);
  }
  if (Number(m[2]) !== subnet.prefix) throw bad('ip', `${ip}: the prefix must be the gateway's, /${subnet.prefix}`);
  if (!inSubnet(subnet, n) || n === subnet.network || n === subnet.broadcast || n === subnet.gateway) {
    throw bad('ip', `${ip} is not a container address of ${gateway}'s subnet`);
  }
}

/** Parses a record file's text; StateError (naming `file`) for anything nsrun would not have written. */
export function parseRecord(text: string, file: string): ContainerRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StateError(`not JSON (${(e as Error).message})`, { file, cause: e });
  }
  return checkRecord(value, file);
}

/** The text of a record file (checked first). */
export function formatRecord(rec: ContainerRecord): string {
  return `${JSON.stringify(checkRecord(rec), null, 2)}\n`;
}
