import { bind, T } from './libc.js';

// Random bytes from the kernel, without node:crypto: loading Node's crypto module (some fifteen
// internal modules) cost more of nsrun run's start than the few bytes of a container id need.

const getrandomCall = bind('getrandom', T.i64, [T.buf, T.u64, T.i32], (a) => `${String(a[1])} bytes`);

/** getrandom(2): `n` bytes from the kernel's CSPRNG (blocks only before it is first seeded, at boot). */
export function randomBytes(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new RangeError(`randomBytes: n must be an integer 0..256, got ${String(n)}`);
  const out = Buffer.alloc(n);
  // At most 256 bytes: getrandom returns them all at once (random(7)).
  if (n > 0) getrandomCall(out, n, 0);
  return out;
}
