import { call, cstr, T } from './libc.js';

// The host name belongs to the UTS namespace of the calling thread (the main thread in Node).

/** HOST_NAME_MAX on Linux. */
export const HOST_NAME_MAX = 64;

/** sethostname(2) (needs CAP_SYS_ADMIN in the UTS namespace). Longer than 64 bytes: EINVAL. */
export function sethostname(name: string): void {
  const bytes = cstr(name, 'host name');
  call('sethostname', T.i32, [T.buf, T.u64], [bytes, bytes.byteLength - 1], name);
}

/** gethostname(2). */
export function gethostname(): string {
  const out = Buffer.alloc(HOST_NAME_MAX + 1);
  call('gethostname', T.i32, [T.buf, T.u64], [out, out.byteLength]);
  return out.toString('utf8', 0, out.indexOf(0));
}
