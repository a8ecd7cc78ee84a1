import * as C from '../constants/index.js';
import type { RawMessage } from '../wire/header.js';
import type { Writer } from '../wire/writer.js';
import { decodeAttrs, findAttr, schema, s32 } from '../wire/attrs.js';
import { DecodeError } from '../wire/errors.js';
import type { RtnlRequest, RtnlClient } from '../client.js';
import { ValidationError } from '../errors.js';
import { checkInt } from '../validate.js';

// Namespace ids (RTM_NEWNSID / RTM_GETNSID, linux/net_namespace.h): the number under which a
// namespace knows another one (what IFLA_LINK_NETNSID refers to, and `ip netns set|list-id`).
// The messages are a struct rtgenmsg (padded to 4 bytes) and NETNSA_* attributes.

/** Another namespace, as the kernel is told of it: an open namespace fd, a process, or an id. */
export type NsidTarget = { fd: number } | { pid: number } | { nsid: number };

export interface NsidEntry {
  /** The id, in the asking namespace; -1 (NETNSA_NSID_NOT_ASSIGNED) when it has none. */
  nsid: number;
  /** With a target namespace in a dump: the id of the asking namespace's peer as that one sees it. */
  currentNsid: number | undefined;
}

const nsidSchema = schema([
  [C.NETNSA_NSID, 'nsid', s32],
  [C.NETNSA_TARGET_NSID, 'targetNsid', s32],
  [C.NETNSA_CURRENT_NSID, 'currentNsid', s32],
] as const);

const RTGENMSG_LEN = 4;

function decodeNsid(m: RawMessage): NsidEntry | undefined {
  if (m.type !== C.RTM_NEWNSID) return undefined;
  if (m.end - m.start < RTGENMSG_LEN) throw new DecodeError(m.start, 'RTM_NEWNSID shorter than struct rtgenmsg');
  const attrs = decodeAttrs(nsidSchema, m.buf, m.start + RTGENMSG_LEN, m.end);
  return { nsid: findAttr(attrs, 'nsid')?.value ?? C.NETNSA_NSID_NOT_ASSIGNED, currentNsid: findAttr(attrs, 'currentNsid')?.value };
}

function checkTarget(t: NsidTarget): NsidTarget {
  if (typeof t !== 'object' || t === null) throw new ValidationError('target', t, 'must be { fd }, { pid } or { nsid }');
  if ('fd' in t) return { fd: checkInt('target.fd', t.fd, 0, 0x7fffffff) };
  if ('pid' in t) return { pid: checkInt('target.pid', t.pid, 1, 0x7fffffff) };
  if ('nsid' in t) return { nsid: checkInt('target.nsid', t.nsid, 0, 0x7fffffff) };
  throw new ValidationError('target', t, 'must be { fd }, { pid } or { nsid }');
}

const describe = (t: NsidTarget): string => ('fd' in t ? `netns fd ${t.fd}` : 'pid' in t ? `netns of pid ${t.pid}` : `nsid ${t.nsid}`);

function writeTarget(w: Writer, t: NsidTarget): void {
  if ('fd' in t) w.attrU32(C.NETNSA_FD, t.fd);
  else if ('pid' in t) w.attrU32(C.NETNSA_PID, t.pid);
  else w.attrU32(C.NETNSA_NSID, t.nsid);
}

/** RTM_GETNSID: the id the asking namespace has for `target`. */
export function nsidGetRequest(target: NsidTarget): RtnlRequest {
  const t = checkTarget(target);
  return {
    type: C.RTM_GETNSID,
    what: `nsidGet ${describe(t)}`,
    body: (w) => {
      w.u8(C.AF_UNSPEC).u8(0).u16(0);
      writeTarget(w, t);
    },
  };
}

/** The id of `target` in the client's namespace; -1 when it has none. */
export async function nsidGet(c: RtnlClient, target: NsidTarget): Promise<number> {
  const [e] = (await c.request(nsidGetRequest(target), decodeNsid)).filter((x) => x !== undefined);
  return e?.nsid ?? C.NETNSA_NSID_NOT_ASSIGNED;
}

/**
 * RTM_NEWNSID: gives `target` the id `nsid` in the client's namespace, or (nsid -1) lets the
 * kernel choose one. The kernel refuses (EEXIST) when it already has an id, or the id is taken.
 */
export function nsidSetRequest(target: { fd: number } | { pid: number }, nsid: number): RtnlRequest {
  const t = checkTarget(target);
  if ('nsid' in t) throw new ValidationError('target', target, 'must be { fd } or { pid }');
  const id = checkInt('nsid', nsid, -1, 0x7fffffff);
  return {
    type: C.RTM_NEWNSID,
    what: `nsidSet ${describe(t)} ${id < 0 ? 'auto' : id}`,
    body: (w) => {
      w.u8(C.AF_UNSPEC).u8(0).u16(0);
      writeTarget(w, t);
      const at = w.beginAttr(C.NETNSA_NSID);
      w.i32(id);
      w.endAttr(at);
    },
  };
}

export async function nsidSet(c: RtnlClient, target: { fd: number } | { pid: number }, nsid: number): Promise<void> {
  await c.request(nsidSetRequest(target, nsid), () => undefined);
}

/** Every id the client's namespace has given to other namespaces (RTM_GETNSID dump). */
export async function nsidList(c: RtnlClient, opts: { targetNsid?: number } = {}): Promise<NsidEntry[]> {
  const target = opts.targetNsid === undefined ? undefined : checkInt('targetNsid', opts.targetNsid, 0, 0x7fffffff);
  const out = await c.dump(
    {
      type: C.RTM_GETNSID,
      what: 'nsidList',
      body: (w) => {
        w.u8(C.AF_UNSPEC).u8(0).u16(0);
        if (target !== undefined) w.attrU32(C.NETNSA_TARGET_NSID, target);
      },
    },
    decodeNsid,
  );
  return out;
}
