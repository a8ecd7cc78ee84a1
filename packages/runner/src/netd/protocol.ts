import { parsePublishList } from '../nat/publish.js';
import type { PublishSpec } from '../nat/publish.js';
import { NetdError, type WireError } from './errors.js';
import { ID_PATTERN } from '../state/names.js';

// nsrun netd's protocol: one request per connection, one JSON object on one line (at most
// MAX_REQUEST_BYTES with its newline); one reply, one line, then netd closes the connection.
//
//   {"op":"attach"[,"pid":N][,"bridge":"brg0"][,"ip":"10.10.10.9"][,"nat":true][,"publish":["8080:80/tcp"]]}
//   {"op":"detach","id":"0123456789ab"} | {"op":"detach","pid":N}
//   {"op":"list"}
//   -> {"ok":true,"attachment":{...}} | {"ok":true,"detached":[ids]} | {"ok":true,"attachments":[...]}
//   -> {"ok":false,"error":{"step":"policy","message":"...","object":"...","code":"EPERM",...}}
//
// Who asks is never part of a request: netd asks the kernel (SO_PEERCRED, SO_PEERPIDFD). Without
// `pid`, attach wires the caller's own network namespace.

export const MAX_REQUEST_BYTES = 16 * 1024;
/** A root caller's request (a CNI configuration with its prevResult can be larger). */
export const MAX_ROOT_REQUEST_BYTES = 1024 * 1024;
/** Replies are bounded too (a list of every attachment of one user). */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_SOCKET = '/run/nsrun/netd.sock';

export type NetdRequest =
  | { op: 'attach'; pid?: number; bridge?: string; ip?: string; nat: boolean; publish: PublishSpec[]; publishText: string[] }
  | { op: 'detach'; id?: string; pid?: number }
  | { op: 'list' }
  /** The CNI plugin run by netd for a root caller (its environment and stdin as the engine gave them). */
  | { op: 'cni'; env: Record<string, string>; stdin: string };

/** What netd wired, as a reply carries it. */
export interface NetdAttachment {
  id: string;
  /** The process whose namespace it is (netd's pid namespace's view). */
  pid: number;
  bridge: string;
  /** The bridge's subnet, CIDR (e.g. 10.10.10.0/24). */
  subnet: string;
  /** The namespace's address, CIDR. */
  ip: string;
  /** The bridge's address, CIDR: the default route's gateway. */
  gateway: string;
  /** The host end of the veth pair. */
  veth: string;
  nat: boolean;
  publish: string[];
  /** The user it was wired for. */
  uid: number;
}

export type NetdReply =
  | { ok: true; attachment: NetdAttachment }
  | { ok: true; detached: string[] }
  | { ok: true; attachments: NetdAttachment[] }
  | { ok: true; cni: { status: number; stdout: string } }
  | { ok: false; error: WireError };

const bad = (field: string, reason: string): NetdError => new NetdError('request', `${field}: ${reason}`, { field });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const ID = ID_PATTERN;

function pidField(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > 0x3fffffff) throw bad('pid', `must be a process id, got ${JSON.stringify(v)}`);
  return v;
}

function known(v: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw bad(k, `unknown field for op ${String(v.op)} (${keys.join(', ')})`);
}

/** Parses one request line (without its newline); NetdError step `request` for anything else. */
export function parseRequest(line: string): NetdRequest {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new NetdError('request', `not a JSON object (${JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}...` : line)})`);
  }
  if (!isObject(v)) throw new NetdError('request', 'not a JSON object');
  switch (v.op) {
    case 'attach': {
      known(v, ['op', 'pid', 'bridge', 'ip', 'nat', 'publish']);
      if (v.bridge !== undefined && typeof v.bridge !== 'string') throw bad('bridge', 'must be a string');
      if (v.ip !== undefined && typeof v.ip !== 'string') throw bad('ip', 'must be a string');
      if (v.nat !== undefined && typeof v.nat !== 'boolean') throw bad('nat', 'must be true or false');
      if (v.publish !== undefined && (!Array.isArray(v.publish) || !v.publish.every((p) => typeof p === 'string') || v.publish.length > 64))
        throw bad('publish', 'must be a list of at most 64 strings HOSTPORT:CONTAINERPORT[/PROTO]');
      const text = (v.publish ?? []) as string[];
      const publish = parsePublishList(text);
      if (typeof publish === 'string') throw bad('publish', publish);
      return {
        op: 'attach',
        nat: v.nat === true,
        publish,
        publishText: text,
        ...(v.pid !== undefined && { pid: pidField(v.pid) }),
        ...(v.bridge !== undefined && { bridge: v.bridge as string }),
        ...(v.ip !== undefined && { ip: v.ip as string }),
      };
    }
    case 'detach': {
      known(v, ['op', 'id', 'pid']);
      if (v.id !== undefined && (typeof v.id !== 'string' || !ID.test(v.id)))
        throw bad('id', `must be a container id (12 lowercase hex digits), got ${JSON.stringify(v.id)}`);
      if ((v.id === undefined) === (v.pid === undefined)) throw bad('id', 'give either id or pid');
      return v.id !== undefined ? { op: 'detach', id: v.id as string } : { op: 'detach', pid: pidField(v.pid) };
    }
    case 'list':
      known(v, ['op']);
      return { op: 'list' };
    case 'cni': {
      known(v, ['op', 'env', 'stdin']);
      if (!isObject(v.env) || !Object.values(v.env).every((x) => typeof x === 'string')) throw bad('env', 'must be an object of strings');
      if (typeof v.stdin !== 'string') throw bad('stdin', 'must be a string');
      return { op: 'cni', env: v.env as Record<string, string>, stdin: v.stdin };
    }
    default:
      throw bad('op', `must be attach, detach, list or cni, got ${JSON.stringify(v.op)}`);
  }
}

/** The line that carries a request (the client's side). */
export function formatRequest(r: Record<string, unknown>): string {
  return `${JSON.stringify(r)}\n`;
}

/** The line that carries a reply. */
export function formatReply(r: NetdReply): string {
  return `${JSON.stringify(r)}\n`;
}

/** Parses a reply line (the client's side); NetdError step `reply` when it is not one. */
export function parseReply(line: string): NetdReply {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new NetdError('reply', 'netd answered something that is not JSON');
  }
  if (!isObject(v) || typeof v.ok !== 'boolean') throw new NetdError('reply', 'netd answered something that is not a reply');
  if (!v.ok && !(isObject(v.error) && typeof v.error.step === 'string' && typeof v.error.message === 'string'))
    throw new NetdError('reply', 'netd answered an error without step and message');
  return v as unknown as NetdReply;
}

/** A reply's error as the NetdError it was. */
export function replyError(e: WireError): NetdError {
  const fields = { object: e.object, code: e.code, errno: e.errno, kernel: e.kernel, field: e.field };
  return new NetdError(e.step as NetdError['step'], String(e.message).split('\n')[0]!, fields);
}
