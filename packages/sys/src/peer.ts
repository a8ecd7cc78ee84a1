import { call, T } from './libc.js';
import { SysError } from './errors.js';
import { SOL_SOCKET } from './socket.js';

// Who is on the other end of a Unix socket, as the kernel recorded it at connect() time: never
// what the peer says of itself. For a privileged helper (nsrun netd) that serves any user.

// <asm-generic/socket.h>
export const SO_PEERCRED = 17;
export const SO_PEERGROUPS = 59;
/** Linux 6.5 (include/uapi/asm-generic/socket.h; Debian 12's headers predate it). */
export const SO_PEERPIDFD = 77;

/** struct ucred (<bits/socket.h>): pid_t pid; uid_t uid; gid_t gid; — 12 bytes, host order. */
export interface Ucred {
  /** The peer's pid as this process's pid namespace sees it (0 when it is not visible here). */
  pid: number;
  uid: number;
  gid: number;
}
export const UCRED_SIZE = 12;

/** Decodes struct ucred. */
export function decodeUcred(b: Uint8Array): Ucred {
  if (b.byteLength < UCRED_SIZE) throw new RangeError(`struct ucred: ${b.byteLength} bytes, want ${UCRED_SIZE}`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { pid: v.getInt32(0, true), uid: v.getUint32(4, true), gid: v.getUint32(8, true) };
}

/** Encodes struct ucred (for tests and SCM_CREDENTIALS). */
export function encodeUcred(c: Ucred): Buffer {
  const b = Buffer.alloc(UCRED_SIZE);
  b.writeInt32LE(c.pid, 0);
  b.writeUInt32LE(c.uid, 4);
  b.writeUInt32LE(c.gid, 8);
  return b;
}

/** Decodes SO_PEERGROUPS' gid_t array (4 bytes each). */
export function decodeGids(b: Uint8Array): number[] {
  if (b.byteLength % 4) throw new RangeError(`gid list: ${b.byteLength} bytes, not a multiple of 4`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i < b.byteLength; i += 4) out.push(v.getUint32(i, true));
  return out;
}

const describe = (fd: number, option: string): string => `fd ${fd} ${option}`;

/** getsockopt(2) into `into`; returns the length the kernel wrote (or, on ERANGE, would need: see peerGroups). */
function getsockoptInto(fd: number, option: number, name: string, into: Buffer, len: Buffer): number {
  len.writeUInt32LE(into.byteLength);
  call('getsockopt', T.i32, [T.i32, T.i32, T.i32, T.buf, T.buf], [fd, SOL_SOCKET, option, into, len], describe(fd, name));
  return len.readUInt32LE();
}

/** SO_PEERCRED of a connected Unix socket: the peer's pid, uid and gid when it connected. */
export function peerCred(fd: number): Ucred {
  const b = Buffer.alloc(UCRED_SIZE);
  const n = getsockoptInto(fd, SO_PEERCRED, 'SO_PEERCRED', b, Buffer.alloc(4));
  return decodeUcred(b.subarray(0, n));
}

/**
 * SO_PEERPIDFD (Linux 6.5+): a new pidfd (O_CLOEXEC) of the peer process, taken by the kernel
 * from the socket, so no pid can be recycled in between. Close it when done. An older kernel
 * answers ENOPROTOOPT.
 */
export function peerPidfd(fd: number): number {
  const b = Buffer.alloc(4);
  getsockoptInto(fd, SO_PEERPIDFD, 'SO_PEERPIDFD', b, Buffer.alloc(4));
  return b.readInt32LE(0);
}

/** SO_PEERGROUPS (Linux 4.13+): the peer's supplementary groups when it connected. */
export function peerGroups(fd: number): number[] {
  let b = Buffer.alloc(64 * 4);
  const len = Buffer.alloc(4);
  try {
    return decodeGids(b.subarray(0, getsockoptInto(fd, SO_PEERGROUPS, 'SO_PEERGROUPS', b, len)));
  } catch (e) {
    // Too small: the kernel wrote the size it needs into the length (net/core/sock.c).
    if (!(e instanceof SysError && e.code === 'ERANGE')) throw e;
    b = Buffer.alloc(len.readUInt32LE());
    return decodeGids(b.subarray(0, getsockoptInto(fd, SO_PEERGROUPS, 'SO_PEERGROUPS', b, len)));
  }
}
