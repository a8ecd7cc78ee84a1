import { Buffer } from 'node:buffer';
import { AttrReader, u32le } from './reader.js';
import type { Writer } from './writer.js';
import { ipv4Value, ipv6Bytes } from './ip-text.js';

// Attribute schemas. A family of attributes (IFLA_*, RTA_*, ...) is a list of
// [code, name, codec]; decoding yields a discriminated union `{ type: name, value }` per
// attribute, and any attribute the schema does not know, or whose payload does not fit its
// codec, becomes `{ type: 'unknown', code, data }` so that no byte is dropped and re-encoding
// reproduces the input.

/** Encodes and decodes one attribute payload. `decode` returns undefined when the bytes do not fit. */
export interface Codec<T> {
  decode(b: Buffer, off: number, len: number): T | undefined;
  encode(w: Writer, v: T): void;
}

export interface UnknownAttr {
  type: 'unknown';
  /** The attribute type without the NLA_F_* flag bits. */
  code: number;
  /** NLA_F_NESTED / NLA_F_NET_BYTEORDER bits as they were on the wire, when set. */
  flags?: number;
  data: Buffer;
}

export type Spec = readonly [code: number, name: string, codec: Codec<any>];
export type SpecList = readonly Spec[];

/** The attribute union a schema decodes to. */
export type AttrOf<L extends SpecList> =
  | {
      [I in keyof L]: L[I] extends readonly [number, infer N, Codec<infer T>] ? { type: N; value: T; flags?: number } : never;
    }[number]
  | UnknownAttr;

export interface Schema<L extends SpecList> {
  readonly specs: L;
  readonly byCode: ReadonlyArray<Spec | undefined>;
  readonly byName: ReadonlyMap<string, Spec>;
}

export function schema<const L extends SpecList>(specs: L): Schema<L> {
  const byCode: (Spec | undefined)[] = [];
  const byName = new Map<string, Spec>();
  for (const s of specs) {
    byCode[s[0]] = s;
    if (byName.has(s[1])) throw new Error(`schema: duplicate attribute name ${s[1]}`);
    byName.set(s[1], s);
  }
  return { specs, byCode, byName };
}

type AnyAttr = { type: string; value?: unknown; flags?: number; code?: number; data?: Buffer };

/** Decodes the attributes in b[start, end). Throws DecodeError on a malformed header. */
export function decodeAttrs<L extends SpecList>(s: Schema<L>, b: Buffer, start: number, end: number): AttrOf<L>[] {
  const out: AnyAttr[] = [];
  const r = new AttrReader(b, start, end);
  while (r.next()) {
    const { type: code, flags, at, len } = r;
    const spec = s.byCode[code];
    let value: unknown;
    if (spec !== undefined) value = spec[2].decode(b, at, len);
    let attr: AnyAttr;
    if (spec !== undefined && value !== undefined) {
      attr = flags ? { type: spec[1], value, flags } : { type: spec[1], value };
    } else {
      const data = Buffer.from(b.subarray(at, at + len));
      attr = flags ? { type: 'unknown', code, flags, data } : { type: 'unknown', code, data };
    }
    out.push(attr);
  }
  return out as AttrOf<L>[];
}

/** Encodes attributes in order. */
export function encodeAttrs<L extends SpecList>(s: Schema<L>, w: Writer, attrs: readonly AttrOf<L>[]): void {
  for (const a of attrs as readonly AnyAttr[]) {
    if (a.type === 'unknown') {
      const at = w.beginAttr((a.code as number) | (a.flags ?? 0));
      w.bytes(a.data as Buffer);
      w.endAttr(at);
      continue;
    }
    const spec = s.byName.get(a.type);
    if (spec === undefined) throw new TypeError(`no attribute named ${JSON.stringify(a.type)} in this family`);
    const at = w.beginAttr(spec[0] | (a.flags ?? 0));
    spec[2].encode(w, a.value);
    w.endAttr(at);
  }
}

/** First attribute of a given type, typed. */
export function findAttr<A extends { type: string }, N extends A['type']>(attrs: readonly A[], type: N): Extract<A, { type: N }> | undefined {
  for (const a of attrs) if (a.type === type) return a as Extract<A, { type: N }>;
  return undefined;
}

// ---- codecs ----------------------------------------------------------------------------

const fixed = <T>(size: number, read: (b: Buffer, off: number) => T, write: (w: Writer, v: T) => void): Codec<T> => ({
  decode: (b, off, len) => (len === size ? read(b, off) : undefined),
  encode: write,
});

export const u8 = fixed(
  1,
  (b, o) => b[o] as number,
  (w, v: number) => void w.u8(v),
);
export const u16 = fixed(
  2,
  (b, o) => b.readUInt16LE(o),
  (w, v: number) => void w.u16(v),
);
export const u16be = fixed(
  2,
  (b, o) => b.readUInt16BE(o),
  (w, v: number) => void w.u16be(v),
);
export const u32 = fixed(4, u32le, (w, v: number) => void w.u32(v));
export const u32be = fixed(
  4,
  (b, o) => b.readUInt32BE(o),
  (w, v: number) => void w.u32be(v),
);
export const s32 = fixed(
  4,
  (b, o) => b.readInt32LE(o),
  (w, v: number) => void w.i32(v),
);
export const u64 = fixed(
  8,
  (b, o) => b.readBigUInt64LE(o),
  (w, v: bigint) => void w.u64(v),
);

/** A zero-length flag attribute. */
export const flag: Codec<true> = {
  decode: (_b, _o, len) => (len === 0 ? true : undefined),
  encode: () => {},
};

/** A NUL-terminated string (the NUL is required, as the kernel writes it). */
export const string: Codec<string> = {
  decode: (b, off, len) => {
    if (len === 0 || b[off + len - 1] !== 0) return undefined;
    const nul = b.indexOf(0, off);
    if (nul !== off + len - 1) return undefined; // embedded NUL: keep the bytes as they are
    const s = b.toString('utf8', off, off + len - 1);
    // Bytes that are not UTF-8 decode to U+FFFD and would not re-encode: keep them as they are.
    if (s.includes('\ufffd') && !Buffer.from(s, 'utf8').equals(b.subarray(off, off + len - 1))) return undefined;
    return s;
  },
  encode: (w, v) => void w.cstring(v),
};

/** Raw bytes. */
export const binary: Codec<Buffer> = {
  decode: (b, off, len) => Buffer.from(b.subarray(off, off + len)),
  encode: (w, v) => void w.bytes(v),
};

/** A link-layer address as lowercase hex pairs joined by ':'. */
export const mac: Codec<string> = {
  decode: (b, off, len) => {
    if (len === 0) return undefined;
    let s = '';
    for (let i = 0; i < len; i++) {
      const x = b[off + i] as number;
      s += (i ? ':' : '') + (x < 16 ? '0' : '') + x.toString(16);
    }
    return s;
  },
  encode: (w, v) => void w.bytes(parseMac(v)),
};

export function parseMac(s: string): Buffer {
  const parts = s.split(':');
  const out = Buffer.alloc(parts.length);
  parts.forEach((p, i) => {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) throw new RangeError(`invalid link-layer address ${JSON.stringify(s)}`);
    out[i] = parseInt(p, 16);
  });
  return out;
}

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address in its text form. */
export const ip: Codec<string> = {
  decode: (b, off, len) => (len === 4 ? formatIPv4(b, off) : len === 16 ? formatIPv6(b, off) : undefined),
  encode: (w, v) => void w.bytes(parseIP(v)),
};

export function formatIPv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text form of 16 bytes. */
export function formatIPv6(b: Uint8Array, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[off + 2 * i] as number) << 8) | (b[off + 2 * i + 1] as number));
  // IPv4-mapped ::ffff:a.b.c.d
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(b, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number): string => x.toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  return `${g.slice(0, bestStart).map(hex).join(':')}::${g
    .slice(bestStart + bestLen)
    .map(hex)
    .join(':')}`;
}

/** Parses an IPv4 or IPv6 address to its 4 or 16 bytes; RangeError when it is neither. */
export function parseIP(s: string): Buffer {
  const v4 = ipv4Value(s);
  if (v4 >= 0) {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(v4, 0);
    return out;
  }
  if (s.includes(':')) return parseIPv6(s);
  throw new RangeError(`invalid IP address ${JSON.stringify(s)}`);
}

function parseIPv6(s: string): Buffer {
  const out = ipv6Bytes(s);
  if (out === undefined) throw new RangeError(`invalid IPv6 address ${JSON.stringify(s)}`);
  return out;
}

/** A nested attribute set decoded with another schema. */
export function nested<L extends SpecList>(s: Schema<L>): Codec<AttrOf<L>[]> {
  return {
    decode: (b, off, len) => decodeAttrs(s, b, off, off + len),
    encode: (w, v) => encodeAttrs(s, w, v),
  };
}

/** A fixed-layout C struct of u32 fields, decoded to an object. */
export function structU32<const K extends readonly string[]>(fields: K): Codec<{ [P in K[number]]: number }> {
  return {
    decode: (b, off, len) => {
      if (len !== fields.length * 4) return undefined;
      const o: Record<string, number> = {};
      fields.forEach((f, i) => (o[f] = b.readUInt32LE(off + 4 * i)));
      return o as { [P in K[number]]: number };
    },
    encode: (w, v) => {
      for (const f of fields) w.u32((v as Record<string, number>)[f] ?? 0);
    },
  };
}
