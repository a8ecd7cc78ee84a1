import {
  CLONE_FS,
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWTIME,
  CLONE_NEWUSER,
  CLONE_NEWUTS,
  setns,
  unshare,
} from './namespaces.js';
import { openPath } from './fd.js';
import { refreshNodeCwd } from './cwd.js';

// Any kind of namespace by its /proc/PID/ns file name. An fd from nsOpen is all setns needs;
// NetNs is the richer handle for network namespaces.

/** The namespace kinds, named as in /proc/PID/ns/, with their CLONE_NEW* flag. */
export const NS_FLAGS = {
  net: CLONE_NEWNET,
  uts: CLONE_NEWUTS,
  ipc: CLONE_NEWIPC,
  mnt: CLONE_NEWNS,
  pid: CLONE_NEWPID,
  cgroup: CLONE_NEWCGROUP,
  time: CLONE_NEWTIME,
  user: CLONE_NEWUSER,
} as const;

export type NsKind = keyof typeof NS_FLAGS;

function flagOf(kind: NsKind): number {
  const flag = (NS_FLAGS as Record<string, number>)[kind];
  if (flag === undefined) throw new RangeError(`unknown namespace kind ${JSON.stringify(kind)} (one of ${Object.keys(NS_FLAGS).join(', ')})`);
  return flag;
}

/**
 * Opens `/proc/PID/ns/KIND` (O_CLOEXEC) and returns the fd; `'self'` is the calling thread's
 * namespace (/proc/thread-self: namespaces are per thread). For `pid` and `time`, this is the
 * namespace the process itself is in, not the one its future children get. Close the fd when done.
 */
export function nsOpen(pid: number | 'self', kind: NsKind): number {
  flagOf(kind);
  if (pid !== 'self' && (!Number.isInteger(pid) || pid <= 0)) throw new RangeError(`nsOpen: pid must be a positive integer or 'self', got ${String(pid)}`);
  return openPath(pid === 'self' ? `/proc/thread-self/ns/${kind}` : `/proc/${pid}/ns/${kind}`);
}

/**
 * setns(2) of the calling (main) thread into the namespace `fd` of the given kind (the kernel
 * checks that it matches: EINVAL otherwise).
 * - `mnt`: the thread first gets its own fs_struct (unshare(CLONE_FS)): setns refuses a mount
 *   namespace while root and cwd are shared with other threads, which in Node they always are.
 *   From then on this thread's root and cwd are its own: libuv pool threads (fs.promises) keep
 *   the old mount namespace, root and cwd. setns also moves root and cwd to the namespace's root.
 * - `pid`, `time`: only children created afterwards are placed in it.
 * - `user`: refused (EINVAL) in a multi-threaded process, that is in every Node process.
 */
export function nsEnter(fd: number, kind: NsKind): void {
  const flag = flagOf(kind);
  if (flag === CLONE_NEWNS) unshare(CLONE_FS);
  setns(fd, flag);
  if (flag === CLONE_NEWNS) refreshNodeCwd();
}

/** unshare(2) of the calling (main) thread into new namespaces of the given kinds. */
export function nsUnshare(...kinds: NsKind[]): void {
  let flags = 0;
  for (const k of kinds) flags |= flagOf(k);
  unshare(flags);
}
