import { Address4, Address6 } from 'ip-address';
import { ValidationError } from './errors.js';

// Input checks done before anything is sent, each naming the field it refuses.

const IFNAMSIZ = 16; // linux/if.h: names are at most 15 bytes plus the NUL

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

export interface Prefix {
  family: Family;
  /** The address as written, in canonical text form. */
  address: string;
  prefixlen: number;
}

/** An address without a prefix length: IPv4 or IPv6. */
export function checkAddress(field: string, v: unknown, family?: Family): { family: Family; address: string } {
  if (typeof v !== 'string' || v === '') throw new ValidationError(field, v, 'must be an IPv4 or IPv6 address');
  if (v.includes('/')) throw new ValidationError(field, v, 'must be an address without a prefix length');
  let out: { family: Family; address: string };
  if (Address4.isValid(v) && /^\d+\.\d+\.\d+\.\d+$/.test(v)) out = { family: 4, address: new Address4(v).correctForm() };
  else if (Address6.isValid(v)) out = { family: 6, address: new Address6(v).correctForm() };
  else throw new ValidationError(field, v, 'is not a valid IPv4 or IPv6 address');
  if (family !== undefined && out.family !== family) {
    throw new ValidationError(field, v, `is IPv${out.family} but IPv${family} is required here (address family mismatch)`);
  }
  return out;
}

/** `ADDR/LEN`, or a bare address meaning /32 or /128 when `defaultFull`. */
export function checkPrefix(field: string, v: unknown, opts: { family?: Family; requireLength?: boolean } = {}): Prefix {
  if (typeof v !== 'string' || v === '') throw new ValidationError(field, v, 'must be ADDRESS/PREFIXLEN');
  const slash = v.indexOf('/');
  const addrText = slash < 0 ? v : v.slice(0, slash);
  if (slash < 0 && opts.requireLength) throw new ValidationError(field, v, 'needs a prefix length, e.g. 10.0.0.1/24');
  const { family, address } = checkAddress(field, addrText, opts.family);
  const max = family === 4 ? 32 : 128;
  let prefixlen = max;
  if (slash >= 0) {
    const lenText = v.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText)) throw new ValidationError(field, v, `prefix length must be a number from 0 to ${max}`);
    prefixlen = Number(lenText);
    if (prefixlen > max) throw new ValidationError(field, v, `prefix length ${prefixlen} is over ${max} for IPv${family}`);
  }
  return { family, address, prefixlen };
}

/** The network address of a prefix (host bits cleared), as text. */
export function networkOf(p: Prefix): string {
  if (p.family === 4) return new Address4(`${p.address}/${p.prefixlen}`).startAddress().correctForm();
  return new Address6(`${p.address}/${p.prefixlen}`).startAddress().correctForm();
}
