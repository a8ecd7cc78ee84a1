import { statSync } from 'node:fs';
import { linkGetRequest, NetlinkError, RtnlClient } from '@nsrun/netlink';
import { vethName } from '../network/names.js';
import type { ContainerRecord } from './records.js';

// Whether a CNI attachment (a record of kind "cni") still has its network namespace. No process
// owns it: the runtime made the namespace and says when it is done with DEL. What the kernel
// can tell: the path the runtime gave (CNI_NETNS) still names that very namespace (same nsfs
// device and inode), or, when the path is gone (a /proc/PID/ns/net whose process exited, a bind
// mount the runtime removed), the host end of its veth is still there: a veth pair lives exactly
// as long as both namespaces it joins, so the host end gone means the namespace went (or someone
// deleted the pair, which leaves nothing to keep). Never judged gone while either says otherwise.

/** `<dev>:<ino>` of the namespace file at `path`; undefined when there is none. */
export function nsfsId(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

export function cniNetnsAlive(rec: ContainerRecord): boolean {
  const c = rec.cni;
  if (!c) throw new TypeError(`record ${rec.id} is not a CNI attachment`);
  if (nsfsId(c.netns) === c.netnsId) return true;
  // Synchronous (the verdict is), in this process's network namespace: the host's.
  let nl: RtnlClient | undefined;
  try {
    nl = RtnlClient.open();
    nl.requestSync(linkGetRequest(vethName(rec.id)), () => undefined);
    return true;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENODEV') return false;
    return true; // cannot tell: keep it
  } finally {
    nl?.close();
  }
}
