import { Buffer } from 'node:buffer';
import * as C from '../constants/index.js';
import { RawLink } from './link-bytes.js';
import type { Writer } from '../wire/writer.js';
import { parseMac } from '../wire/attrs.js';
import { LINK_KINDS, checkLinkKind, type LinkAddSpec } from './link-kinds/index.js';
import { checkCommon, ifinfomsg, writeCommon, type LinkKind } from './link-kinds/kind.js';
import type { RawMessage } from '../wire/header.js';
import type { RtnlRequest, RtnlClient } from '../client.js';
import { NetlinkError, ValidationError } from '../errors.js';
import { DecodeError } from '../wire/errors.js';
import { AttrReader, u32le } from '../wire/reader.js';
import type { LinkMessage } from '../messages/link.js';
import { checkIfname, checkInt, checkMac, checkMtu } from '../validate.js';
import { checkRef, describeNetns, writeNetns, type LinkRef, type NetnsTarget } from './common.js';

// Links: create, look up, list, change and delete. Each operation is a request builder (for
// RtnlClient.bulk) plus an async function that runs it; names are resolved by the kernel
// where it can (IFLA_IFNAME), never by dumping every link.

/** A link as the kernel reports it. */
export interface Link {
  index: number;
  name: string;
  /** ARPHRD_* */
  type: number;
  /** IFF_* flags */
  flags: number;
  up: boolean;
  mtu: number | undefined;
  /** IF_OPER_* as text: UNKNOWN, DOWN, UP, LOWERLAYERDOWN... */
  operstate: string;
  /** Index of the master (bridge) link. */
  master: number | undefined;
  /** Link kind (bridge, veth...) from IFLA_LINKINFO. */
  kind: string | undefined;
  /** The port kind when enslaved (e.g. "bridge"). */
  slaveKind: string | undefined;
  address: string | undefined;
  broadcast: string | undefined;
  group: number;
  /** IFLA_LINK: the parent or peer index (in `linkNetnsid`'s namespace when set). */
  link: number | undefined;
  linkNetnsid: number | undefined;
  txqlen: number | undefined;
  /** IFLA_IFALIAS: the free-text alias (`ip link set X alias TEXT`), if set. */
  alias: string | undefined;
  /** The whole decoded message, every attribute kept. */
  message: LinkMessage;
}

export { OPERSTATES } from './link-bytes.js';

const decodeLinkMsg = (m: RawMessage): Link => new RawLink(m.buf, m.start, m.end);

/** Decodes a link message's payload into a Link. */
export const linkFromBytes = (b: Buffer, start: number, end: number): Link => new RawLink(b, start, end);

/** ifinfomsg addressing a link: by index, or index 0 plus IFLA_IFNAME for the kernel to resolve. */
function target(w: Writer, ref: LinkRef, flags = 0, change = 0): void {
  if (typeof ref === 'number') ifinfomsg(w, ref, flags, change);
  else {
    ifinfomsg(w, 0, flags, change);
    w.attrString(C.IFLA_IFNAME, ref);
  }
}

const refText = (ref: LinkRef): string => (typeof ref === 'number' ? `#${ref}` : ref);

// ---- create --------------------------------------------------------------------------------

/**
 * Validates a LinkAddSpec and builds its RTM_NEWLINK (NLM_F_CREATE | NLM_F_EXCL). With `echo`
 * (NLM_F_ECHO) the kernel answers with the created link, index included (Linux 6.1 and later):
 * collect it with `bulk(..., { onReply })` instead of looking names up afterwards. The kind's
 * own fields are checked and written by its entry in LINK_KINDS (./link-kinds/).
 */
export function linkAddRequest(spec: LinkAddSpec, opts: { echo?: boolean } = {}): RtnlRequest {
  if (typeof spec !== 'object' || spec === null) throw new ValidationError('link', spec, 'must be an object');
  checkCommon(spec, 'link');
  checkLinkKind('link.kind', spec.kind);
  // The kinds' functions take their own spec; the table is indexed by spec.kind, so they match.
  const kind: LinkKind<string, object> = LINK_KINDS[spec.kind];
  kind.check(spec);
  const where = spec.netns ? ` in ${describeNetns(spec.netns)}` : '';
  return {
    type: C.RTM_NEWLINK,
    flags: C.NLM_F_CREATE | C.NLM_F_EXCL | (opts.echo ? C.NLM_F_ECHO : 0),
    what: `linkAdd ${spec.name} (${spec.kind})${where}`,
    body: (w) => {
      ifinfomsg(w, 0, spec.up ? C.IFF_UP : 0, spec.up ? C.IFF_UP : 0);
      writeCommon(w, spec, 'link');
      const lower = kind.lowerLink?.(spec);
      if (lower !== undefined) w.attrU32(C.IFLA_LINK, lower);
      const info = w.beginNest(C.IFLA_LINKINFO);
      w.attrString(C.IFLA_INFO_KIND, spec.kind);
      const data = w.beginNest(C.IFLA_INFO_DATA);
      kind.writeData(w, spec);
      w.endAttr(data);
      w.endAttr(info);
    },
  };
}

/** Creates a link. */
/**
 * Creates a link and resolves to it as the kernel reports it (index, MAC...), from the
 * kernel's echo; undefined on kernels older than 6.1, which do not echo new links.
 */
export async function linkAdd(c: RtnlClient, spec: LinkAddSpec): Promise<Link | undefined> {
  const replies = await c.request(linkAddRequest(spec, { echo: true }), (m) => (m.type === C.RTM_NEWLINK ? decodeLinkMsg(m) : undefined));
  return replies.find((l) => l !== undefined);
}

// ---- look up --------------------------------------------------------------------------------

/** RTM_GETLINK for one link; the kernel finds it by index or name. */
export function linkGetRequest(ref: LinkRef): RtnlRequest {
  const r = checkRef('link', ref);
  return {
    type: C.RTM_GETLINK,
    what: `linkGet ${refText(r)}`,
    body: (w) => {
      target(w, r);
      w.attrU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_VF | C.RTEXT_FILTER_SKIP_STATS);
    },
  };
}

/**
 * One link by name or index; rejects with NetlinkError ENODEV when there is none. Its
 * counters are in `message` (IFLA_STATS64: decodeLinkStats); RTEXT_FILTER_SKIP_STATS, sent as
 * iproute2 sends it, only leaves out the counters of SR-IOV virtual functions.
 */
export async function linkGet(c: RtnlClient, ref: LinkRef): Promise<Link> {
  const [l] = await c.request(linkGetRequest(ref), decodeLinkMsg);
  if (!l) throw new Error(`linkGet ${refText(ref)}: the kernel sent no link`);
  return l;
}

/** Like linkGet, but resolves to undefined when the link does not exist. */
export async function linkFind(c: RtnlClient, ref: LinkRef): Promise<Link | undefined> {
  try {
    return await linkGet(c, ref);
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENODEV') return undefined;
    throw e;
  }
}

/** The index of a link (a number is returned as it is, a name costs one request). */
export async function linkIndex(c: RtnlClient, ref: LinkRef): Promise<number> {
  if (typeof ref === 'number') return checkRef('link', ref) as number;
  return (await linkGet(c, ref)).index;
}

export interface LinkListFilter {
  /** Only links of this kind (the kernel filters). */
  kind?: string;
  /** Only ports of this master index (the kernel filters). */
  master?: number;
  /** Only links without a master (the kernel filters: IFLA_MASTER -1, as `ip link show nomaster`). */
  noMaster?: boolean;
}

/** Every link, filtered by the kernel when a filter is given. */
export async function linkList(c: RtnlClient, filter: LinkListFilter = {}): Promise<Link[]> {
  return c.dump(listRequest(filter), decodeLinkMsg, { retries: 2 });
}

function listRequest(filter: LinkListFilter): RtnlRequest {
  if (filter.master !== undefined) checkInt('filter.master', filter.master, 1, 0x7fffffff);
  if (filter.master !== undefined && filter.noMaster) throw new ValidationError('filter', filter, 'master and noMaster exclude each other');
  return {
    type: C.RTM_GETLINK,
    what: 'linkList',
    body: (w) => {
      ifinfomsg(w, 0);
      w.attrU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_VF | C.RTEXT_FILTER_SKIP_STATS);
      if (filter.master !== undefined) w.attrU32(C.IFLA_MASTER, filter.master);
      if (filter.noMaster) w.attrU32(C.IFLA_MASTER, 0xffffffff);
      if (filter.kind !== undefined) {
        const info = w.beginNest(C.IFLA_LINKINFO);
        w.attrString(C.IFLA_INFO_KIND, filter.kind);
        w.endAttr(info);
      }
    },
  };
}

/**
 * Name -> index of every link (kernel-filtered like linkList): what callers that hold names
 * but need indexes use. Reads only each message's header and IFLA_IFNAME, which the kernel
 * writes first, so it costs a fraction of linkList.
 */
export async function linkIndexMap(c: RtnlClient, filter: LinkListFilter = {}): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await c.dump(
    listRequest(filter),
    (m) => {
      if (m.end - m.start < C.IFINFOMSG_LEN)
        throw new DecodeError(m.start, `link message payload of ${m.end - m.start} bytes is shorter than struct ifinfomsg`);
      const index = u32le(m.buf, m.start + 4) | 0;
      for (const r = new AttrReader(m.buf, m.start + C.IFINFOMSG_LEN, m.end); r.next();) {
        if (r.type === C.IFLA_IFNAME) {
          out.set(r.text(), index);
          break;
        }
      }
      return undefined;
    },
    { retries: 2, borrow: true },
  ); // the names are copied out: no view is kept
  return out;
}

// ---- change ---------------------------------------------------------------------------------

export interface LinkChanges {
  up?: boolean;
  mtu?: number;
  /** New name. */
  name?: string;
  address?: string;
  /** Master index, or null to leave the master. */
  master?: number | null;
  group?: number;
  txqlen?: number;
  netns?: NetnsTarget;
  /** IFLA_IFALIAS: a free-text alias of at most 255 bytes; '' removes it. */
  alias?: string;
}

/** An alias as dev_set_alias accepts it: fewer than IFALIASZ (256) bytes, no NUL. */
function checkAlias(field: string, v: unknown): string {
  if (typeof v !== 'string') throw new ValidationError(field, v, 'must be a string');
  const bytes = Buffer.byteLength(v);
  if (bytes >= C.IFALIASZ) throw new ValidationError(field, v, `is ${bytes} bytes; an alias is at most ${C.IFALIASZ - 1}`);
  if (v.includes('\0')) throw new ValidationError(field, v, 'must not contain a NUL byte');
  return v;
}

/** RTM_NEWLINK on an existing link with the given changes, all applied by one request. */
export function linkSetRequest(ref: LinkRef, changes: LinkChanges): RtnlRequest {
  const r = checkRef('link', ref);
  if (changes.name !== undefined) {
    checkIfname('name', changes.name);
    if (typeof r === 'string') throw new ValidationError('link', r, 'renaming needs the link index (the name field carries the new name)');
  }
  if (changes.mtu !== undefined) checkMtu('mtu', changes.mtu);
  if (changes.address !== undefined) checkMac('address', changes.address);
  if (changes.master !== undefined && changes.master !== null) checkInt('master', changes.master, 1, 0x7fffffff);
  if (changes.group !== undefined) checkInt('group', changes.group, 0, 0xffffffff);
  if (changes.txqlen !== undefined) checkInt('txqlen', changes.txqlen, 0, 0xffffffff);
  if (changes.alias !== undefined) checkAlias('alias', changes.alias);
  const parts: string[] = [];
  if (changes.up !== undefined) parts.push(changes.up ? 'up' : 'down');
  if (changes.mtu !== undefined) parts.push(`mtu ${changes.mtu}`);
  if (changes.name !== undefined) parts.push(`name ${changes.name}`);
  if (changes.address !== undefined) parts.push(`address ${changes.address}`);
  if (changes.master !== undefined) parts.push(changes.master === null ? 'nomaster' : `master #${changes.master}`);
  if (changes.group !== undefined) parts.push(`group ${changes.group}`);
  if (changes.txqlen !== undefined) parts.push(`txqlen ${changes.txqlen}`);
  if (changes.netns !== undefined) parts.push(describeNetns(changes.netns));
  if (changes.alias !== undefined) parts.push(`alias ${JSON.stringify(changes.alias)}`);
  return {
    type: C.RTM_NEWLINK,
    what: `linkSet ${refText(r)} ${parts.join(' ')}`.trimEnd(),
    body: (w) => {
      const change = changes.up === undefined ? 0 : C.IFF_UP;
      target(w, r, changes.up ? C.IFF_UP : 0, change);
      if (changes.name !== undefined) w.attrString(C.IFLA_IFNAME, changes.name);
      if (changes.mtu !== undefined) w.attrU32(C.IFLA_MTU, changes.mtu);
      if (changes.address !== undefined) w.attrBytes(C.IFLA_ADDRESS, parseMac(changes.address));
      if (changes.master !== undefined) w.attrU32(C.IFLA_MASTER, changes.master ?? 0);
      if (changes.group !== undefined) w.attrU32(C.IFLA_GROUP, changes.group);
      if (changes.txqlen !== undefined) w.attrU32(C.IFLA_TXQLEN, changes.txqlen);
      if (changes.netns !== undefined) writeNetns(w, 'netns', changes.netns);
      // Without a NUL, as iproute2 sends it: an empty attribute removes the alias (dev_set_alias).
      if (changes.alias !== undefined) w.attrBytes(C.IFLA_IFALIAS, Buffer.from(changes.alias));
    },
  };
}

export async function linkSet(c: RtnlClient, ref: LinkRef, changes: LinkChanges): Promise<void> {
  await c.request(linkSetRequest(ref, changes), () => undefined);
}
export const linkSetUp = (c: RtnlClient, ref: LinkRef): Promise<void> => linkSet(c, ref, { up: true });
export const linkSetDown = (c: RtnlClient, ref: LinkRef): Promise<void> => linkSet(c, ref, { up: false });
export const linkSetMtu = (c: RtnlClient, ref: LinkRef, mtu: number): Promise<void> => linkSet(c, ref, { mtu });
export const linkSetAddress = (c: RtnlClient, ref: LinkRef, address: string): Promise<void> => linkSet(c, ref, { address });
export const linkSetGroup = (c: RtnlClient, ref: LinkRef, group: number): Promise<void> => linkSet(c, ref, { group });
export const linkSetNetns = (c: RtnlClient, ref: LinkRef, netns: NetnsTarget): Promise<void> => linkSet(c, ref, { netns });
export const linkSetNoMaster = (c: RtnlClient, ref: LinkRef): Promise<void> => linkSet(c, ref, { master: null });

/** Renames a link (by name or index). */
export async function linkSetName(c: RtnlClient, ref: LinkRef, name: string): Promise<void> {
  checkIfname('name', name);
  await linkSet(c, await linkIndex(c, ref), { name });
}

/** Attaches a link to a master (bridge); both by name or index. */
export async function linkSetMaster(c: RtnlClient, ref: LinkRef, master: LinkRef): Promise<void> {
  checkRef('master', master);
  await linkSet(c, ref, { master: await linkIndex(c, master) });
}

// ---- delete ---------------------------------------------------------------------------------

export function linkDelRequest(ref: LinkRef): RtnlRequest {
  const r = checkRef('link', ref);
  return { type: C.RTM_DELLINK, what: `linkDel ${refText(r)}`, body: (w) => target(w, r) };
}

/** Deletes a link (a veth's peer goes with it). */
export async function linkDel(c: RtnlClient, ref: LinkRef): Promise<void> {
  await c.request(linkDelRequest(ref), () => undefined);
}

/** RTM_DELLINK of every link in a group (IFLA_GROUP, index 0). */
export function linkDelGroupRequest(group: number): RtnlRequest {
  checkInt('group', group, 1, 0xffffffff);
  return {
    type: C.RTM_DELLINK,
    what: `linkDelGroup ${group}`,
    body: (w) => {
      ifinfomsg(w, 0);
      w.attrU32(C.IFLA_GROUP, group);
    },
  };
}

/**
 * Deletes every link of a group in one kernel operation: one RCU grace period for all of
 * them instead of one each (about 150x faster for 1000 links).
 */
export async function linkDelGroup(c: RtnlClient, group: number): Promise<void> {
  await c.request(linkDelGroupRequest(group), () => undefined);
}
