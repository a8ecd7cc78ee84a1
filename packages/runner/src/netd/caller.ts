import { closeSync, fstatSync, statSync } from 'node:fs';
import { NetNs, SysError, nsGetUserns, nsOwnerUid, peerCred, peerGroups, peerPidfd, pidfdAlive, pidfdNetns, pidfdOpen } from '@nsrun/sys';
import { processIdentity, type ProcessIdentity } from '../state/liveness.js';
import { NetdError } from './errors.js';
import type { Caller } from './policy.js';

// Who is asking, and which network namespace netd may wire for them, from the kernel alone:
// the connection's credentials (SO_PEERCRED, SO_PEERGROUPS) and a pidfd of the caller
// (SO_PEERPIDFD), never anything the request says about its sender. The namespace is reached
// through a pidfd (PIDFD_GET_NET_NAMESPACE) and held by an fd from then on, so no recycled pid
// can redirect it; it must be a network namespace whose owning user namespace the caller
// created (NS_GET_USERNS, NS_GET_OWNER_UID), never one of the initial user namespace (uid 0).

export interface Peer extends Caller {
  /** The caller's pid in netd's pid namespace (0: not visible from here). */
  pid: number;
  /** A pidfd of the caller from the socket itself; undefined before Linux 6.5. Closed by closePeer. */
  pidfd: number | undefined;
}

/** The peer of an accepted Unix socket `fd`. */
export function identifyPeer(fd: number): Peer {
  try {
    const cred = peerCred(fd);
    const groups = peerGroups(fd);
    let pidfd: number | undefined;
    try {
      pidfd = peerPidfd(fd);
    } catch (e) {
      if (!(e instanceof SysError && (e.code === 'ENOPROTOOPT' || e.code === 'ESRCH'))) throw e;
      // Before 6.5 (ENOPROTOOPT), or the caller already gone (ESRCH): a pidfd by pid when needed.
    }
    return { ...cred, groups, pidfd };
  } catch (e) {
    throw NetdError.from('peer', e, `fd ${fd}`);
  }
}

export function closePeer(p: Peer): void {
  if (p.pidfd !== undefined) closeSync(p.pidfd);
  p.pidfd = undefined;
}

/** The namespace to wire, held by an fd, and the process whose life the lease follows. */
export interface Target {
  netns: NetNs;
  pid: number;
  owner: ProcessIdentity;
  close(): void;
}

/**
 * The caller's own network namespace (no `pid`), or that of process `pid` as netd's pid
 * namespace sees it; refused unless `peer.uid` owns it.
 */
export function openTarget(peer: Peer, pid: number | undefined): Target {
  const tpid = pid ?? peer.pid;
  const object = `pid ${tpid}`;
  if (tpid === 0)
    throw new NetdError('peer', 'the caller runs in a pid namespace netd cannot see into (its pid reads as 0 here): start netd in the initial pid namespace', {
      object: 'SO_PEERCRED',
    });
  let pidfd: number;
  let own = false;
  try {
    if (pid === undefined && peer.pidfd !== undefined) pidfd = peer.pidfd;
    else {
      pidfd = pidfdOpen(tpid);
      own = true;
    }
  } catch (e) {
    if (e instanceof SysError && e.code === 'ESRCH')
      throw new NetdError('target', `no process ${tpid}`, { object, code: e.code, errno: e.errno, field: 'pid' }, e);
    throw NetdError.from('target', e, object);
  }
  let netns: NetNs | undefined;
  try {
    try {
      netns = NetNs.fromFd(pidfdNetns(pidfd, tpid), `of process ${tpid}`);
    } catch (e) {
      if (e instanceof SysError && e.code === 'ESRCH')
        throw new NetdError('target', `process ${tpid} has exited`, { object, code: e.code, errno: e.errno, field: 'pid' }, e);
      throw NetdError.from('target', e, object);
    }
    checkOwner(netns, peer.uid, tpid);
    // Read the process's identity, then make sure the pidfd's process still runs: then the pid
    // still named it when /proc/PID/stat was read.
    const owner = processIdentity(tpid);
    if (!owner || !pidfdAlive(pidfd)) throw new NetdError('target', `process ${tpid} has exited`, { object, code: 'ESRCH', field: 'pid' });
    const held = netns;
    return { netns: held, pid: tpid, owner, close: () => held.close() };
  } catch (e) {
    netns?.close();
    throw e;
  } finally {
    if (own) closeSync(pidfd);
  }
}

/** Refuses a namespace that is netd's own, or whose owning user namespace is not `uid`'s. */
function checkOwner(netns: NetNs, uid: number, pid: number): void {
  const object = `pid ${pid}`;
  const st = fstatSync(netns.fd);
  const mine = statSync('/proc/thread-self/ns/net');
  if (st.dev === mine.dev && st.ino === mine.ino)
    throw new NetdError('owner', `process ${pid} is in netd's own network namespace, not in one of its own`, { object, field: 'pid' });
  let owner: number;
  try {
    const userns = nsGetUserns(netns.fd);
    try {
      owner = nsOwnerUid(userns);
    } finally {
      closeSync(userns);
    }
  } catch (e) {
    throw NetdError.from('owner', e, object);
  }
  if (owner === 0) {
    throw new NetdError(
      'owner',
      `the network namespace of process ${pid} belongs to a user namespace of root (uid 0): netd wires only a namespace made in a user namespace of the caller's (unshare --user --net)`,
      { object, field: 'pid' },
    );
  }
  if (owner !== uid)
    throw new NetdError('owner', `the network namespace of process ${pid} belongs to a user namespace of uid ${owner}, not of the caller (uid ${uid})`, {
      object,
      field: 'pid',
    });
}
