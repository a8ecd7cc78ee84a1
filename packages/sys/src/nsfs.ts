import { call, T } from './libc.js';

// Who owns a namespace (<linux/nsfs.h>). Every namespace belongs to a user namespace, and a
// user namespace to the uid that created it: how a privileged helper tells that a network
// namespace is its caller's, without trusting anything the caller says.

// <linux/nsfs.h>: NSIO 0xb7
/** _IO(0xb7, 0x1): a new fd (O_CLOEXEC) on the user namespace that owns the namespace `fd`. */
export const NS_GET_USERNS = 0xb701;
/** _IO(0xb7, 0x2): the parent of a user or pid namespace (EPERM past the caller's own). */
export const NS_GET_PARENT = 0xb702;
/** _IO(0xb7, 0x4): the uid (uid_t, written through the pointer) that created a user namespace. */
export const NS_GET_OWNER_UID = 0xb704;

/**
 * The user namespace that owns the namespace `fd` (ioctl NS_GET_USERNS): a new fd. EPERM when
 * that user namespace is outside the caller's own (never for a process of the initial one).
 */
export function nsGetUserns(fd: number): number {
  return call('ioctl', T.i32, [T.i32, T.u64, T.u64], [fd, NS_GET_USERNS, 0], `fd ${fd} NS_GET_USERNS`);
}

/**
 * The uid that created the user namespace `fd` (ioctl NS_GET_OWNER_UID), as the caller's user
 * namespace sees it; the initial user namespace says 0. EINVAL for a namespace of another kind.
 */
export function nsOwnerUid(fd: number): number {
  const b = Buffer.alloc(4);
  call('ioctl', T.i32, [T.i32, T.u64, T.buf], [fd, NS_GET_OWNER_UID, b], `fd ${fd} NS_GET_OWNER_UID`);
  return b.readUInt32LE(0);
}
