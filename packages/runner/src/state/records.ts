import { StateError } from './errors.js';
import { checkId, checkLinkName } from './names.js';
import { vethName } from '../network/names.js';
import { inSubnet, parseGateway, textToIp } from './leases.js';
import type { ProcessIdentity } from './liveness.js';
import { parsePublish, type PublishSpec } from '../nat/publish.js';

// One container's record (<dir>/containers/<id>.json): what nsrun made for it on the host, so
// that `ps`, `gc` and a later nsrun can find and undo it. Read strictly: a file that is not
// exactly what nsrun writes is refused with the field to blame, never half-trusted.
//
// Compatibility contract, from format version 2 on (every later nsrun keeps it):
// - a record is one JSON object whose integer `version` says its format; `id` (also the file
//   name), `owner` ({pid, start, boot}), `bridge`, `ip` and `veth` keep their meaning and type
//   in every later version, whatever else is added;
// - the address a record holds is also leased in leases/<bridge>/<address> (lease-store.ts),
//   before the record is written, and its host veth is vethName(id), stamped with the state
//   directory's identity (network/stamp.ts);
// - a reader that meets a version newer than it knows, or a file it cannot read at all
//   (truncated, garbage), treats the record as OPAQUE: it never releases it nor judges it
//   dead, never deletes its veth, and its address stays leased. It warns, naming the file.
// Version 1 (nsrun before this contract) had no pid namespace: nothing says where its owner's
// pid means something, so version-1 records are opaque too (see README: how to clear them).
//
// Kind "cni" (an attachment made by the CNI plugin, cni/): its life is its network namespace's,
// not a process's (`cni` says which; state/cni-liveness.ts judges it), `owner` is the plugin
// run that wrote it (its boot is what counts), and `gateway`/`ip` are present only when nsrun's
// own IPAM leased the address. Older readers refuse the `cni` field, so to them such a record
// is opaque: kept with all it holds, never released.

export const RECORD_VERSION = 2;
/** What a record keeps of the command: whole arguments (each counted with its NUL) up to this many bytes. */
export const MAX_COMMAND_BYTES = 4096;

export interface ContainerRecord {
  version: typeof RECORD_VERSION;
  /** 12 lowercase hex digits; also the file name. */
  id: string;
  kind: 'run' | 'attach' | 'cni';
  /** Whose life the container's lease is tied to: nsrun itself for run, the target process for attach. */
  owner: ProcessIdentity;
  /** The inode number of the writer's pid namespace: `owner.pid` means something only there. */
  pidns: number;
  /** `<dev>:<ino>` of the state directory the record was written for (stamp.ts). */
  stateDir: string;
  /** The container's first process, as the host sees it. */
  pid: number;
  net: NetKind;
  /** With net 'bridge' (required there, refused otherwise): the bridge's name. */
  bridge?: string;
  /** The bridge's address, CIDR (e.g. 10.10.10.1/24). */
  gateway?: string;
  /** The container's address, CIDR with the gateway's prefix (e.g. 10.10.10.2/24). */
  ip?: string;
  /** The host end of the veth pair: always vethName(id) (optional even with 'bridge'). */
  veth?: string;
  /** The command, at most MAX_COMMAND_BYTES of it (boundCommand). */
  command: string[];
  /** Present when `command` was cut: how long the whole one was. */
  commandTruncated?: CommandLength;
  hostname?: string;
  /** ISO 8601 time, e.g. new Date().toISOString(). */
  created: string;
  /** nf_tables rules nsrun added for it (tagged `nsrun:<id>`), removed with the record. */
  nat?: NatRecord;
  /**
   * The owner holds an flock on owners/<id> in the state directory for its whole life (rootless
   * runs: their pid means nothing outside their own pid namespace; the lock means the same to
   * every reader of the directory).
   */
  ownerLock?: true;
  /** The owner's pid as the host sees it, when it lives in a pid namespace of its own (rootless). */
  hostPid?: number;
  /**
   * Wired by nsrun netd for this user (the uid the kernel named as its caller): only they may
   * list or detach it, and it counts against their quota.
   */
  uid?: number;
  /** Kind "cni": the attachment (CNI_CONTAINERID, CNI_IFNAME) of network `network`. */
  cni?: CniAttachment;
}

/** What a CNI attachment's record keeps (kind "cni"). */
export interface CniAttachment {
  /** The network's name (the configuration's `name`). */
  network: string;
  containerId: string;
  ifname: string;
  /** CNI_NETNS as given at ADD. */
  netns: string;
  /** `<dev>:<ino>` of that network namespace (nsfs): the same path naming another one is not it. */
  netnsId: string;
  /** The IPAM plugin (`nsrun`: the lease is nsrun's, in `ip`). */
  ipam: string;
  /** The addresses the attachment got (CIDR), whoever leased them. */
  ips: string[];
}

const CNI_KEYS = new Set(['network', 'containerId', 'ifname', 'netns', 'netnsId', 'ipam', 'ips']);

/** The container's network: a bridge, none, the host's, or user-mode networking (rootless). */
export type NetKind = 'bridge' | 'none' | 'host' | 'slirp4netns' | 'pasta';
const NET_KINDS: readonly string[] = ['bridge', 'none', 'host', 'slirp4netns', 'pasta'];

export interface CommandLength {
  args: number;
  /** Bytes of all arguments, each with its NUL (as execve counts them). */
  bytes: number;
}

/** What --nat / --publish asked for (net 'bridge' only). */
export interface NatRecord {
  masquerade: boolean;
  publish: PublishSpec[];
}

const KEYS = new Set([
  'version',
  'id',
  'kind',
  'owner',
  'pidns',
  'stateDir',
  'pid',
  'net',
  'bridge',
  'gateway',
  'ip',
  'veth',
  'command',
  'commandTruncated',
  'hostname',
  'created',
  'nat',
  'ownerLock',
  'hostPid',
  'uid',
  'cni',
]);
/** `<dev>:<ino>`, decimal (64-bit values: kept as text, JSON numbers lose them). */
export const STATE_DIR_TOKEN = /^(0|[1-9][0-9]{0,19}):(0|[1-9][0-9]{0,19})$/;
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
  if (v.version !== RECORD_VERSION) throw bad('version', `must be ${RECORD_VERSION}, got ${JSON.stringify(v.version)}`);
  checkId(v.id, file);
  if (v.kind !== 'run' && v.kind !== 'attach' && v.kind !== 'cni') throw bad('kind', `must be "run", "attach" or "cni", got ${JSON.stringify(v.kind)}`);
  if ((v.kind === 'cni') !== (v.cni !== undefined)) throw bad('cni', v.kind === 'cni' ? 'required with kind "cni"' : 'only with kind "cni"');

  const o = v.owner;
  if (!isObject(o)) throw bad('owner', 'must be an object {pid, start, boot}');
  for (const k of Object.keys(o)) if (!OWNER_KEYS.has(k)) throw bad(`owner.${k}`, 'unknown field');
  if (!isPid(o.pid)) throw bad('owner.pid', `must be a positive integer, got ${JSON.stringify(o.pid)}`);
  if (typeof o.start !== 'number' || !Number.isSafeInteger(o.start) || o.start < 0)
    throw bad('owner.start', `must be a non-negative integer, got ${JSON.stringify(o.start)}`);
  if (typeof o.boot !== 'string' || o.boot === '') throw bad('owner.boot', 'must be a non-empty string');
  if (typeof v.pidns !== 'number' || !Number.isSafeInteger(v.pidns) || v.pidns <= 0)
    throw bad('pidns', `must be a positive integer (a pid namespace's inode), got ${JSON.stringify(v.pidns)}`);
  if (typeof v.stateDir !== 'string' || !STATE_DIR_TOKEN.test(v.stateDir)) throw bad('stateDir', `must be "<dev>:<ino>", got ${JSON.stringify(v.stateDir)}`);
  // 0: leased, not started yet (the record is written under the lock before the spawn).
  if (v.pid !== 0 && !isPid(v.pid)) throw bad('pid', `must be a positive integer (0 before the start), got ${JSON.stringify(v.pid)}`);

  if (typeof v.net !== 'string' || !NET_KINDS.includes(v.net)) throw bad('net', `must be one of ${NET_KINDS.join(', ')}, got ${JSON.stringify(v.net)}`);
  if (v.net === 'bridge') {
    // A CNI attachment whose address another IPAM plugin leased has neither (both or none).
    const need =
      v.kind === 'cni' ? ['bridge', 'veth', ...(v.gateway !== undefined || v.ip !== undefined ? ['gateway', 'ip'] : [])] : ['bridge', 'gateway', 'ip'];
    for (const k of need) if (v[k] === undefined) throw bad(k, `required with net "bridge"${v.kind === 'cni' ? ' and kind "cni"' : ''}`);
    checkLinkName('bridge', v.bridge, file);
    // Only ever the container's own veth: release deletes it, so a record naming another link
    // (a bridge, someone's veth) must not be trusted at all.
    if (v.veth !== undefined && v.veth !== vethName(v.id as string))
      throw bad('veth', `must be ${vethName(v.id as string)} (the container's own veth), got ${JSON.stringify(v.veth)}`);
    if (v.ip !== undefined) checkAddresses(v.gateway, v.ip, bad);
  } else {
    if (v.kind === 'cni') throw bad('net', 'must be "bridge" with kind "cni"');
    for (const k of ['bridge', 'gateway', 'ip', 'veth']) if (v[k] !== undefined) throw bad(k, `only with net "bridge", not "${v.net}"`);
  }

  if (!Array.isArray(v.command) || v.command.length === 0 || !v.command.every((a) => typeof a === 'string')) {
    throw bad('command', 'must be a non-empty array of strings');
  }
  const kept = commandLength(v.command as string[]);
  if (kept.bytes > MAX_COMMAND_BYTES) throw bad('command', `${kept.bytes} bytes, more than the ${MAX_COMMAND_BYTES} a record keeps`);
  let truncated: CommandLength | undefined;
  if (v.commandTruncated !== undefined) {
    const t = v.commandTruncated;
    const count = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
    if (!isObject(t) || Object.keys(t).some((k) => k !== 'args' && k !== 'bytes') || !count(t.args) || !count(t.bytes) || t.bytes <= kept.bytes) {
      throw bad('commandTruncated', 'must be {args, bytes} of a command longer than the one kept');
    }
    truncated = { args: t.args, bytes: t.bytes };
  }
  if (v.hostname !== undefined && typeof v.hostname !== 'string') throw bad('hostname', 'must be a string');
  if (typeof v.created !== 'string' || !ISO_TIME.test(v.created) || Number.isNaN(Date.parse(v.created))) {
    throw bad('created', `must be an ISO 8601 time, got ${JSON.stringify(v.created)}`);
  }

  const rec: ContainerRecord = {
    version: RECORD_VERSION,
    id: v.id as string,
    kind: v.kind,
    owner: { pid: o.pid, start: o.start, boot: o.boot },
    pidns: v.pidns,
    stateDir: v.stateDir,
    pid: v.pid,
    net: v.net as NetKind,
    command: [...(v.command as string[])],
    ...(truncated && { commandTruncated: truncated }),
    created: v.created,
  };
  for (const k of ['bridge', 'gateway', 'ip', 'veth', 'hostname'] as const) if (v[k] !== undefined) rec[k] = v[k] as string;
  if (v.ownerLock !== undefined) {
    if (v.ownerLock !== true) throw bad('ownerLock', 'must be true when present');
    rec.ownerLock = true;
  }
  if (v.hostPid !== undefined) {
    if (!isPid(v.hostPid)) throw bad('hostPid', `must be a positive integer, got ${JSON.stringify(v.hostPid)}`);
    rec.hostPid = v.hostPid;
  }
  if (v.nat !== undefined) {
    if (v.net !== 'bridge') throw bad('nat', `only with net "bridge", not "${v.net}"`);
    rec.nat = checkNat(v.nat, bad);
  }
  if (v.uid !== undefined) {
    // uid_t; (uid_t)-1 means "no uid" to the kernel.
    if (typeof v.uid !== 'number' || !Number.isInteger(v.uid) || v.uid < 0 || v.uid >= 0xffffffff)
      throw bad('uid', `must be a uid (0 to 4294967294), got ${JSON.stringify(v.uid)}`);
    rec.uid = v.uid;
  }
  if (v.cni !== undefined) rec.cni = checkCni(v.cni, bad);
  return rec;
}

function checkCni(c: unknown, bad: (field: string, reason: string) => StateError): CniAttachment {
  if (!isObject(c)) throw bad('cni', 'must be an object');
  for (const k of Object.keys(c)) if (!CNI_KEYS.has(k)) throw bad(`cni.${k}`, 'unknown field');
  const str = (k: string, re: RegExp, what: string): string => {
    const x = c[k];
    if (typeof x !== 'string' || !re.test(x)) throw bad(`cni.${k}`, `must be ${what}, got ${JSON.stringify(x)}`);
    return x;
  };
  const name = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
  const ips = c.ips;
  if (!Array.isArray(ips) || !ips.every((x) => typeof x === 'string' && /^[0-9a-fA-F:.]+\/[0-9]{1,3}$/.test(x)))
    throw bad('cni.ips', 'must be a list of addresses in CIDR notation');
  return {
    network: str('network', name, 'a network name'),
    containerId: str('containerId', name, 'a container id'),
    ifname: str('ifname', /^[^/\s:]{1,15}$/, 'an interface name'),
    netns: str('netns', /^\/./, 'an absolute path'),
    netnsId: str('netnsId', STATE_DIR_TOKEN, '"<dev>:<ino>"'),
    ipam: str('ipam', /^[^/]+$/, 'a plugin name'),
    ips: [...ips] as string[],
  };
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

/** The contract fields of a record this nsrun cannot use, where they are there (for messages). */
export interface RecordContract {
  version?: number;
  bridge?: string;
  ip?: string;
}

/** A record file's text, judged: a record, or why it is opaque (kept as it is, never released). */
export type ClassifiedRecord = { record: ContainerRecord; opaque?: undefined } | { record?: undefined; opaque: string; contract: RecordContract };

/** Classifies a record file's text (see the contract above); never throws. */
export function classifyRecord(text: string, file: string): ClassifiedRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { opaque: `not JSON (${(e as Error).message}): a truncated or damaged file`, contract: {} };
  }
  const contract: RecordContract = {};
  if (isObject(value)) {
    if (typeof value.version === 'number') contract.version = value.version;
    if (typeof value.bridge === 'string') contract.bridge = value.bridge;
    if (typeof value.ip === 'string') contract.ip = value.ip;
  }
  const version = contract.version;
  if (version === undefined || !Number.isInteger(version) || version < 1) return { opaque: 'no format version: not a record of nsrun', contract };
  if (version > RECORD_VERSION) return { opaque: `format version ${version}, newer than this nsrun reads (${RECORD_VERSION})`, contract };
  if (version === 1) return { opaque: 'format version 1, of an older nsrun: it does not say in which pid namespace its owner runs', contract };
  try {
    return { record: checkRecord(value, file) };
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    return { opaque: `${e.field === undefined ? '' : `${e.field}: `}${e.reason}`, contract };
  }
}

/** The text of a record file (checked first). */
export function formatRecord(rec: ContainerRecord): string {
  return `${JSON.stringify(checkRecord(rec), null, 2)}\n`;
}

/** Bytes of a command as execve counts them: each argument with its NUL. */
export function commandLength(command: readonly string[]): CommandLength {
  let bytes = 0;
  for (const a of command) bytes += Buffer.byteLength(a) + 1;
  return { args: command.length, bytes };
}

/**
 * What a record keeps of a command: whole arguments while they fit in MAX_COMMAND_BYTES, then
 * as much of the next one as fits (cut on a character boundary); `commandTruncated` says how
 * long the whole was. Records are read under the lock on every lease: they must stay small.
 */
export function boundCommand(command: readonly string[]): Pick<ContainerRecord, 'command' | 'commandTruncated'> {
  const whole = commandLength(command);
  if (whole.bytes <= MAX_COMMAND_BYTES) return { command: [...command] };
  const kept: string[] = [];
  let left = MAX_COMMAND_BYTES;
  for (const a of command) {
    const n = Buffer.byteLength(a) + 1;
    if (n <= left) {
      kept.push(a);
      left -= n;
      continue;
    }
    if (left > 1) {
      // Drop a partial UTF-8 sequence at the cut: the decoder would make it U+FFFD (3 bytes).
      let cut = Buffer.from(a)
        .subarray(0, left - 1)
        .toString('utf8');
      while (cut.endsWith('\uFFFD') && Buffer.byteLength(cut) > left - 1) cut = cut.slice(0, -1);
      kept.push(cut);
    }
    break;
  }
  if (kept.length === 0) kept.push('');
  return { command: kept, commandTruncated: whole };
}
