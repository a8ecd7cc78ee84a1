import { bind as bindFn, fdOf, T } from './libc.js';

// Socket calls. Buffers pass by pointer (ffi-rs U8Array), so a recv writes straight into the
// caller's buffer and subarray offsets are respected.

// <bits/socket_type.h>, <bits/socket.h>
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;

const socketCall = bindFn('socket', T.i32, [T.i32, T.i32, T.i32], (a) => `domain ${String(a[0])} protocol ${String(a[2])}`);
const bindCall = bindFn('bind', T.i32, [T.i32, T.buf, T.i32], fdOf);
const connectCall = bindFn('connect', T.i32, [T.i32, T.buf, T.i32], fdOf);
const getsocknameCall = bindFn('getsockname', T.i32, [T.i32, T.buf, T.buf], fdOf);
const setsockoptCall = bindFn(
  'setsockopt',
  T.i32,
  [T.i32, T.i32, T.i32, T.buf, T.i32],
  (a) => `fd ${String(a[0])} level ${String(a[1])} option ${String(a[2])}`,
);
const getsockoptCall = bindFn(
  'getsockopt',
  T.i32,
  [T.i32, T.i32, T.i32, T.buf, T.buf],
  (a) => `fd ${String(a[0])} level ${String(a[1])} option ${String(a[2])}`,
);
const sendCall = bindFn('send', T.i64, [T.i32, T.buf, T.u64, T.i32], fdOf);
const sendtoCall = bindFn('sendto', T.i64, [T.i32, T.buf, T.u64, T.i32, T.buf, T.i32], fdOf);
const recvCall = bindFn('recv', T.i64, [T.i32, T.buf, T.u64, T.i32], fdOf);
const recvfromCall = bindFn('recvfrom', T.i64, [T.i32, T.buf, T.u64, T.i32, T.buf, T.buf], fdOf);

/** socket(2). Returns the new fd. */
export function socket(domain: number, type: number, protocol: number): number {
  return socketCall(domain, type, protocol);
}

/** bind(2) to an address given as raw sockaddr bytes. */
export function bind(fd: number, addr: Uint8Array): void {
  bindCall(fd, addr, addr.byteLength);
}

/** connect(2) to an address given as raw sockaddr bytes. */
export function connect(fd: number, addr: Uint8Array): void {
  connectCall(fd, addr, addr.byteLength);
}

/** getsockname(2): the bound address as raw sockaddr bytes (up to `size` bytes). */
export function getsockname(fd: number, size = 128): Buffer {
  const addr = Buffer.alloc(size);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(size);
  getsocknameCall(fd, addr, len);
  return addr.subarray(0, Math.min(size, len.readUInt32LE()));
}

/** setsockopt(2) with raw option bytes. */
export function setsockopt(fd: number, level: number, option: number, value: Uint8Array): void {
  setsockoptCall(fd, level, option, value, value.byteLength);
}

/** setsockopt(2) with a C int value. */
export function setsockoptInt(fd: number, level: number, option: number, value: number): void {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value);
  setsockoptCall(fd, level, option, b, 4);
}

/** getsockopt(2) for a C int option. */
export function getsockoptInt(fd: number, level: number, option: number): number {
  const b = Buffer.alloc(4);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(4);
  getsockoptCall(fd, level, option, b, len);
  return b.readInt32LE();
}

/** send(2): returns bytes sent. */
export function send(fd: number, data: Uint8Array, flags = 0): number {
  return sendCall(fd, data, data.byteLength, flags);
}

/** sendto(2) to a raw sockaddr. */
export function sendto(fd: number, data: Uint8Array, flags: number, addr: Uint8Array): number {
  return sendtoCall(fd, data, data.byteLength, flags, addr, addr.byteLength);
}

/** recv(2) into `into`; returns the byte count (with MSG_TRUNC: the datagram's real length). */
export function recv(fd: number, into: Uint8Array, flags = 0): number {
  return recvCall(fd, into, into.byteLength, flags);
}

/**
 * recvfrom(2) into `into`; the sender's raw sockaddr is written to `from` (its length is
 * returned in the second element).
 */
export function recvfrom(fd: number, into: Uint8Array, flags: number, from: Uint8Array): [count: number, fromLen: number] {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(from.byteLength);
  const n = recvfromCall(fd, into, into.byteLength, flags, from, len);
  return [n, len.readUInt32LE()];
}
