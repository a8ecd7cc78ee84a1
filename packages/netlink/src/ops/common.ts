import type { NetNs } from '@nsrun/sys';
import * as C from '../constants/index.js';
import type { Writer } from '../wire/writer.js';
import { ValidationError } from '../errors.js';
import { checkIfname, checkInt } from '../validate.js';

/** A link by name (resolved by the kernel) or by index. */
export type LinkRef = string | number;

/** Where to put a link: a process's namespace, an open namespace fd, or a NetNs handle. */
export type NetnsTarget = { pid: number } | { fd: number } | NetNs;

export function checkRef(field: string, ref: unknown): LinkRef {
  if (typeof ref === 'number') return checkInt(field, ref, 1, 0x7fffffff);
  if (typeof ref === 'string') return checkIfname(field, ref);
  throw new ValidationError(field, ref, 'must be a link name or index');
}

/** Writes IFLA_NET_NS_PID or IFLA_NET_NS_FD for a target. */
export function writeNetns(w: Writer, field: string, t: NetnsTarget): void {
  if ('pid' in t) w.attrU32(C.IFLA_NET_NS_PID, checkInt(`${field}.pid`, t.pid, 1, 0x7fffffff));
  else if ('fd' in t && typeof t.fd === 'number') w.attrU32(C.IFLA_NET_NS_FD, checkInt(`${field}.fd`, t.fd, 0, 0x7fffffff));
  else throw new ValidationError(field, t, 'must be { pid }, { fd } or a NetNs');
}

export function describeNetns(t: NetnsTarget): string {
  if ('pid' in t) return `netns of pid ${t.pid}`;
  if ('source' in t) return `netns ${t.source}`;
  return `netns fd ${t.fd}`;
}
