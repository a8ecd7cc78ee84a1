import * as C from '../constants/index.js';
import { parseMac } from '../wire/attrs.js';
import type { RawMessage } from '../wire/header.js';
import type { RtnlRequest, RtnlClient } from '../client.js';
import { ValidationError } from '../errors.js';
import { decodeNeigh, type NeighMessage } from '../messages/neigh.js';
import { checkAddress, checkInt, checkMac, type Family, writeAddrAttr } from '../validate.js';
import { linkIndex } from './link.js';
import type { LinkRef } from './common.js';

// Neighbours (ARP / NDP entries): add / delete / list.

export const NUD_STATES: Readonly<Record<string, number>> = {
  incomplete: C.NUD_INCOMPLETE,
  reachable: C.NUD_REACHABLE,
  stale: C.NUD_STALE,
  delay: C.NUD_DELAY,
  probe: C.NUD_PROBE,
  failed: C.NUD_FAILED,
  noarp: C.NUD_NOARP,
  permanent: C.NUD_PERMANENT,
};

export interface Neighbour {
  family: Family;
  index: number;
  dst: string | undefined;
  lladdr: string | undefined;
  /** NUD_* bits */
  state: number;
  /** Names of the NUD_* bits set, e.g. ["permanent"]. */
  states: string[];
  /** NTF_* */
  flags: number;
  message: NeighMessage;
}

export function neighbourFromMessage(m: NeighMessage): Neighbour {
  let dst: string | undefined;
  let lladdr: string | undefined;
  for (const a of m.attrs) {
    if (a.type === 'dst') dst = a.value;
    else if (a.type === 'lladdr') lladdr = a.value;
  }
  const states = Object.entries(NUD_STATES)
    .filter(([, v]) => m.state & v)
    .map(([k]) => k);
  return { family: m.family === C.AF_INET6 ? 6 : 4, index: m.index, dst, lladdr, state: m.state, states, flags: m.flags, message: m };
}

const decodeNeighMsg = (m: RawMessage): Neighbour => neighbourFromMessage(decodeNeigh(m.buf, m.start, m.end));

export interface NeighSpec {
  dev: LinkRef;
  /** The neighbour's IP address. */
  dst: string;
  /** Its MAC address (required to add). */
  lladdr?: string;
  /** Default "permanent". */
  state?: 'permanent' | 'reachable' | 'stale' | 'noarp' | 'delay' | 'probe' | 'failed' | 'incomplete';
  /** Replace an existing entry instead of failing with EEXIST. */
  replace?: boolean;
}

function neighRequest(op: 'neighAdd' | 'neighDel', index: number, spec: NeighSpec, dev: string = `#${index}`): RtnlRequest {
  const dst = checkAddress('neighbour.dst', spec.dst);
  const lladdr = spec.lladdr === undefined ? undefined : checkMac('neighbour.lladdr', spec.lladdr);
  if (op === 'neighAdd' && lladdr === undefined && spec.state !== 'noarp' && spec.state !== 'incomplete') {
    throw new ValidationError('neighbour.lladdr', spec.lladdr, 'is required to add a neighbour entry');
  }
  const state = NUD_STATES[spec.state ?? 'permanent'];
  if (state === undefined) throw new ValidationError('neighbour.state', spec.state, `must be one of ${Object.keys(NUD_STATES).join(', ')}`);
  const add = op === 'neighAdd';
  return {
    type: add ? C.RTM_NEWNEIGH : C.RTM_DELNEIGH,
    flags: add ? C.NLM_F_CREATE | (spec.replace ? C.NLM_F_REPLACE : C.NLM_F_EXCL) : 0,
    what: `${op} ${dst.address}${lladdr ? ` lladdr ${lladdr}` : ''} dev ${dev}`,
    body: (w) => {
      w.u8(dst.family === 4 ? C.AF_INET : C.AF_INET6)
        .u8(0)
        .u16(0)
        .i32(index)
        .u16(add ? state : 0)
        .u8(0)
        .u8(0);
      writeAddrAttr(w, C.NDA_DST, dst);
      if (lladdr !== undefined && add) w.attrBytes(C.NDA_LLADDR, parseMac(lladdr));
    },
  };
}

/** RTM_NEWNEIGH / RTM_DELNEIGH for a link index (spec.dev is not used); `dev` names the link in errors. */
export const neighAddRequest = (index: number, spec: NeighSpec, dev?: string): RtnlRequest => neighRequest('neighAdd', index, spec, dev);
export const neighDelRequest = (index: number, spec: NeighSpec, dev?: string): RtnlRequest => neighRequest('neighDel', index, spec, dev);

export async function neighAdd(c: RtnlClient, spec: NeighSpec): Promise<void> {
  neighRequest('neighAdd', 1, spec);
  await c.request(neighRequest('neighAdd', await linkIndex(c, spec.dev), spec, typeof spec.dev === 'string' ? spec.dev : undefined), () => undefined);
}

export async function neighDel(c: RtnlClient, spec: NeighSpec): Promise<void> {
  neighRequest('neighDel', 1, spec);
  await c.request(neighRequest('neighDel', await linkIndex(c, spec.dev), spec, typeof spec.dev === 'string' ? spec.dev : undefined), () => undefined);
}

export interface NeighListFilter {
  family?: Family;
  dev?: LinkRef;
}

export async function neighList(c: RtnlClient, filter: NeighListFilter = {}): Promise<Neighbour[]> {
  const index = filter.dev === undefined ? 0 : await linkIndex(c, filter.dev);
  const family = filter.family === 4 ? C.AF_INET : filter.family === 6 ? C.AF_INET6 : C.AF_UNSPEC;
  return c.dump(
    {
      type: C.RTM_GETNEIGH,
      what: 'neighList',
      body: (w) => {
        // Strict dump checking refuses ndm_ifindex in the header; the link filter is NDA_IFINDEX.
        w.u8(family).u8(0).u16(0).i32(0).u16(0).u8(0).u8(0);
        if (index !== 0) w.attrU32(C.NDA_IFINDEX, index);
      },
    },
    decodeNeighMsg,
    { retries: 2 },
  );
}

/** RTM_GETNEIGH for one entry (no dump), by link index and address; `proxy` for a proxy entry. */
export function neighGetRequest(index: number, dst: string, opts: { proxy?: boolean } = {}): RtnlRequest {
  const a = checkAddress('neighbour.dst', dst);
  checkInt('neighbour.dev', index, 0, 0x7fffffff);
  return {
    type: C.RTM_GETNEIGH,
    what: `neighGet ${a.address} dev #${index}`,
    body: (w) => {
      w.u8(a.family === 4 ? C.AF_INET : C.AF_INET6)
        .u8(0)
        .u16(0)
        .i32(index)
        .u16(0)
        .u8(opts.proxy ? C.NTF_PROXY : 0)
        .u8(0);
      writeAddrAttr(w, C.NDA_DST, a);
    },
  };
}

/** One neighbour entry, as `ip neigh get ADDR dev DEV` asks for it; ENOENT when there is none. */
export async function neighGet(c: RtnlClient, spec: { dev: LinkRef; dst: string; proxy?: boolean }): Promise<Neighbour> {
  checkAddress('neighbour.dst', spec.dst);
  const index = await linkIndex(c, spec.dev);
  const req = neighGetRequest(index, spec.dst, spec.proxy ? { proxy: true } : {});
  const [n] = await c.request({ ...req, what: `neighGet ${spec.dst} dev ${typeof spec.dev === 'string' ? spec.dev : `#${index}`}` }, decodeNeighMsg);
  if (!n) throw new Error(`neighGet ${spec.dst}: the kernel sent no neighbour`);
  return n;
}
