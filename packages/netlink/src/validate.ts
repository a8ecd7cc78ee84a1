import { Buffer } from 'node:buffer';
import { ValidationError } from './errors.js';
import { IFNAMSIZ } from './constants/if.js';
import { formatIPv6 } from './wire/attrs.js';
import { ipv4Value, ipv6Bytes } from './wire/ip-text.js';
import { wireText } from './addr-text.js';
import type { Writer } from './wire/writer.js';

// Input checks done before anything is sent, each naming the field it refuses.

/** A link name: 1–15 bytes, no '/', no whitespace, not "." or "..", as the kernel's dev_valid_name. */
export function checkIfname(field: string, name: unknown): string {
  if (typeof name !== 'string') throw new ValidationError(field, name, 'must be a string');
  const bytes = Buffer.byteLength(name);
  if (bytes === 0) throw new ValidationError(field, name, 'must not be empty');
  if (bytes >= IFNAMSIZ) throw new ValidationError(field, name, `is ${bytes} bytes; link names are at most ${IFNAMSIZ - 1}`);
  if (name === '.' || name === '..') throw new ValidationError(field, name, 'is reserved');
  if (/[/\s:]/.test(name)) throw new ValidationError(field, name, "must not contain '/', ':' or whitespace");
  return name;
}

/** An integer within [min, max]. */
export function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValidationError(field, v, 'must be an integer');
  if (v < min || v > max) throw new ValidationError(field, v, `must be between ${min} and ${max}`);
  return v;
}

/** MTU: 68 (the IPv4 minimum) to 65536 (loopback's); each device may narrow it further. */
export function checkMtu(field: string, v: unknown): number {
  return checkInt(field, v, 68, 65536);
}

/** A link-layer (MAC) address, 6 bytes. */
export function checkMac(field: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(v)) {
    throw new ValidationError(field, v, 'must be a MAC address like 02:00:00:00:00:01');
  }
  return v.toLowerCase();
}

export type Family = 4 | 6;

/** A checked address. IPv4 is kept as a number: bulk work makes tens of thousands of these. */
export type Addr =
  | { family: 4; /** Canonical text form. */ address: string; /** The address as a u32 (network order value). */ v4: number }
  | { family: 6; address: string; /** The 16 bytes. */ bytes: Buffer };

export type Prefix = Addr & { prefixlen: number };

/** What a request body writes of an address: its bytes, not its text. */
export type WireAddr = { family: 4; v4: number } | { family: 6; bytes: Uint8Array };
export type WirePrefix = WireAddr & { prefixlen: number };

/**
 * A prefix given as numbers, for bulk work that computes its addresses (no text made or parsed,
 * as Go's net.IPNet and C's u32): `address` is an IPv4 address as a u32 (198.18.0.1 is
 * 0xc6120001) or the 4 or 16 bytes of an address; `prefixlen` is the whole address when left out.
 */
export interface BinaryPrefix {
  address: number | Uint8Array;
  prefixlen?: number;
}

/** The 4 or 16 bytes of an address, network order. */
export function addrBytes(a: Addr): Buffer {
  if (a.family === 6) return a.bytes;
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(a.v4, 0);
  return b;
}

/** Writes an attribute holding an address. */
export function writeAddrAttr(w: Writer, type: number, a: WireAddr): void {
  if (a.family === 4) w.attrU32be(type, a.v4);
  else w.attrBytes(type, a.bytes);
}

// Addresses are parsed by the wire layer's one parser (wire/ip-text.ts): IPv4 there without
// intermediate objects (it is on the hot path of bulk route and address work). (ip-address did it
// until 2026-12: 33 KiB of the 239 KiB that `nsrun run` loads, initialised at every start for a
// few lines of use; it stays as the tests' reference.)
function parseAddr(v: string): Addr | undefined {
  const v4 = ipv4Value(v);
  if (v4 >= 0) return { family: 4, address: v, v4 };
  const bytes = ipv6Bytes(v);
  return bytes === undefined ? undefined : { family: 6, address: formatIPv6(bytes), bytes };
}

/** An address without a prefix length: IPv4 or IPv6 (the family given, when one is). */
export function checkAddress(field: string, v: unknown, family: 4): Extract<Addr, { family: 4 }>;
export function checkAddress(field: string, v: unknown, family: 6): Extract<Addr, { family: 6 }>;
export function checkAddress(field: string, v: unknown, family?: Family): Addr;
export function checkAddress(field: string, v: unknown, family?: Family): Addr {
  if (typeof v !== 'string' || v === '') throw new ValidationError(field, v, 'must be an IPv4 or IPv6 address');
  if (v.includes('/')) throw new ValidationError(field, v, 'must be an address without a prefix length');
  const out = parseAddr(v);
  if (!out) throw new ValidationError(field, v, 'is not a valid IPv4 or IPv6 address');
  if (family !== undefined && out.family !== family) {
    throw new ValidationError(field, v, `is IPv${out.family} but IPv${family} is required here (address family mismatch)`);
  }
  return out;
}

/**
 * `ADDR/LEN`, or a bare address meaning /32 or /128 (unless `requireLength`). `network`: a
 * network, as a route's destination must be (no host bits: 10.0.0.1/8 is refused, naming 10.0.0.0/8).
 */
export function checkPrefix(field: string, v: unknown, opts: { family?: Family; requireLength?: boolean; network?: boolean } = {}): Prefix {
  if (typeof v !== 'string' || v === '') throw new ValidationError(field, v, 'must be ADDRESS/PREFIXLEN');
  const slash = v.indexOf('/');
  if (slash < 0 && opts.requireLength) throw new ValidationError(field, v, 'needs a prefix length, e.g. 10.0.0.1/24');
  const end = slash < 0 ? v.length : slash;
  // IPv4 without intermediate objects: bulk route work checks tens of thousands of these.
  const v4 = opts.family === 6 ? -1 : ipv4Value(v, 0, end);
  let prefixlen = v4 >= 0 ? 32 : 128;
  if (slash >= 0) {
    prefixlen = 0;
    const digits = v.length - slash - 1;
    for (let i = slash + 1; i < v.length; i++) {
      const ch = v.charCodeAt(i);
      if (ch < 48 || ch > 57 || digits > 3) {
        throw new ValidationError(field, v, `prefix length must be a number from 0 to ${v4 >= 0 ? 32 : 128}`);
      }
      prefixlen = prefixlen * 10 + (ch - 48);
    }
    if (digits === 0) throw new ValidationError(field, v, `prefix length must be a number from 0 to ${v4 >= 0 ? 32 : 128}`);
  }
  if (v4 >= 0) {
    if (prefixlen > 32) throw new ValidationError(field, v, `prefix length ${prefixlen} is over 32 for IPv4`);
    const p: Prefix = { family: 4, address: slash < 0 ? v : v.slice(0, slash), v4, prefixlen };
    if (opts.network) refuseHostBits(field, v, p);
    return p;
  }
  const a = checkAddress(field, slash < 0 ? v : v.slice(0, slash), opts.family);
  if (a.family === 4) throw new ValidationError(field, v, 'is not a valid IPv4 or IPv6 address'); // unreachable: v4 parsed above
  if (prefixlen > 128) throw new ValidationError(field, v, `prefix length ${prefixlen} is over 128 for IPv6`);
  const p: Prefix = { family: 6, address: a.address, bytes: a.bytes, prefixlen };
  if (opts.network) refuseHostBits(field, v, p);
  return p;
}

/**
 * A BinaryPrefix checked as checkPrefix checks text: its family (the one given, when one is), its
 * length, no host bits. The bytes are copied (a caller may reuse its buffer for the next one).
 */
export function checkBinaryPrefix(field: string, v: BinaryPrefix, family?: Family): WirePrefix {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) {
    throw new ValidationError(field, shown(v), 'must be { address, prefixlen? }: an IPv4 address as a u32, or the 4 or 16 bytes of an address');
  }
  const a = v.address;
  let p: WirePrefix;
  if (typeof a === 'number') {
    // An integer from 0 to 2^32 - 1 is its own u32.
    if (a >>> 0 !== a) throw new ValidationError(field, shown(a), 'must be an IPv4 address as a u32 (0 to 0xffffffff)');
    // A host route, the usual bulk case: nothing else to check.
    if (v.prefixlen === undefined && family !== 6) return { family: 4, v4: a, prefixlen: 32 };
    p = { family: 4, v4: a, prefixlen: 32 };
  } else if (a instanceof Uint8Array && a.length === 4) {
    p = { family: 4, v4: ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0, prefixlen: 32 };
  } else if (a instanceof Uint8Array && a.length === 16) {
    p = { family: 6, bytes: Buffer.from(a), prefixlen: 128 };
  } else throw new ValidationError(field, shown(a), 'must be an IPv4 address as a u32, or the 4 or 16 bytes of an address (a Uint8Array)');
  if (family !== undefined && p.family !== family) {
    throw new ValidationError(field, wireText(p), `is IPv${p.family} but IPv${family} is required here (address family mismatch)`);
  }
  if (v.prefixlen !== undefined) {
    const max = p.prefixlen;
    if (typeof v.prefixlen !== 'number') throw new ValidationError(`${field}.prefixlen`, shown(v.prefixlen), `must be a number from 0 to ${max}`);
    if (!Number.isInteger(v.prefixlen) || v.prefixlen < 0 || v.prefixlen > max) {
      throw new ValidationError(field, `${wireText(p)}/${String(v.prefixlen)}`, `prefix length must be a number from 0 to ${max}`);
    }
    p.prefixlen = v.prefixlen;
  }
  // Text only for the message.
  if (hostBitsSet(p)) {
    const asText = { ...p, address: wireText(p) } as Prefix;
    refuseHostBits(field, `${asText.address}/${p.prefixlen}`, asText);
  }
  return p;
}

/** A refused value as a message shows it: numbers JSON has no words for, and typed arrays by their kind and length. */
function shown(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.byteLength} bytes)`;
  return v;
}

/** The IPv4 netmask of a prefix length, as a u32. */
const v4Mask = (prefixlen: number): number => (prefixlen === 0 ? 0 : (0xffffffff << (32 - prefixlen)) >>> 0);
/** The bits of byte `i` of an IPv6 address that a prefix length keeps. */
const v6Mask = (prefixlen: number, i: number): number => (0xff00 >> Math.max(0, Math.min(8, prefixlen - 8 * i))) & 0xff;

/** Whether a prefix has bits set past its length (nothing allocated: bulk work asks it of each destination). */
function hostBitsSet(p: WirePrefix): boolean {
  if (p.family === 4) return (p.v4 & ~v4Mask(p.prefixlen)) !== 0;
  for (let i = 0; i < p.bytes.length; i++) if ((p.bytes[i] as number) & ~v6Mask(p.prefixlen, i) & 0xff) return true;
  return false;
}

/** Refuses a prefix with host bits, naming its network; `shown`: the prefix as the caller gave it. */
function refuseHostBits(field: string, shown: unknown, p: Prefix): void {
  const net = networkOf(p);
  if (net !== p) throw new ValidationError(field, shown, `has host bits set; the network is ${net.address}/${p.prefixlen}`);
}

/** The network address of a prefix (host bits cleared); the prefix itself when it has none. */
export function networkOf(p: Prefix): Addr {
  if (!hostBitsSet(p)) return p;
  if (p.family === 4) {
    const v4 = (p.v4 & v4Mask(p.prefixlen)) >>> 0;
    return { family: 4, address: wireText({ family: 4, v4 }), v4 };
  }
  const bytes = Buffer.from(p.bytes);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] as number) & v6Mask(p.prefixlen, i);
  return { family: 6, address: formatIPv6(bytes), bytes };
}
