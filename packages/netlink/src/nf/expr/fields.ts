import type { Buffer } from 'node:buffer';
import { schema, decodeAttrs, encodeAttrs, type Codec, type Spec, type SpecList } from '../../wire/attrs.js';
import { DecodeError } from '../../wire/errors.js';
import type { Writer } from '../../wire/writer.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER } from '../../constants/netlink.js';

// The machinery every expression shares: an nf_tables attribute set read into a plain object
// (one key per attribute) and written back in a fixed order, libnftnl's, so that an expression
// nft sent re-encodes to the same bytes. Nested attributes are written with NLA_F_NESTED, as
// libnftnl's mnl_attr_nest_start does; the kernel's dumps leave the flag off, which decoding
// accepts.

/** A codec whose payload is itself attributes (written with NLA_F_NESTED). */
export interface NestedCodec<T> extends Codec<T> {
  readonly nested: true;
}

const isNested = (c: Codec<unknown>): boolean => (c as Partial<NestedCodec<unknown>>).nested === true;

/** [attribute type, object key, codec, required]. The list order is the order written. */
export type Field = readonly [code: number, key: string, codec: Codec<any>, required?: boolean];

/**
 * An attribute set as an object. Decoding yields undefined, so that the caller keeps the raw
 * bytes instead, when an attribute is unknown, repeated, malformed, carries flags it should
 * not, or a required one is missing: whatever decodes re-encodes without losing a byte.
 */
export function struct<T extends object>(fields: readonly Field[]): NestedCodec<T> {
  const specs: Spec[] = fields.map(([code, key, codec]) => [code, key, codec] as const);
  const s = schema(specs as SpecList);
  return {
    nested: true,
    decode: (b, off, len) => {
      let attrs;
      try {
        attrs = decodeAttrs(s, b, off, off + len);
      } catch (e) {
        if (e instanceof DecodeError) return undefined;
        throw e;
      }
      const out: Record<string, unknown> = {};
      for (const a of attrs) {
        if (a.type === 'unknown' || a.type in out) return undefined;
        const codec = (s.byName.get(a.type) as Spec)[2];
        const flags = a.flags ?? 0;
        if (flags & NLA_F_NET_BYTEORDER || (flags & NLA_F_NESTED && !isNested(codec))) return undefined;
        out[a.type] = (a as { value: unknown }).value;
      }
      for (const [, key, , required] of fields) if (required && !(key in out)) return undefined;
      return out as T;
    },
    encode: (w, v) => {
      const o = v as Record<string, unknown>;
      const attrs = [];
      for (const [, key, codec] of fields) {
        if (o[key] === undefined) continue;
        attrs.push(isNested(codec) ? { type: key, value: o[key], flags: NLA_F_NESTED } : { type: key, value: o[key] });
      }
      encodeAttrs(s, w, attrs as never);
    },
  };
}

/** How one expression kind (its NFTA_EXPR_NAME) reads and writes its NFTA_EXPR_DATA. */
export interface ExprCodec<E extends { kind: string }> {
  readonly kind: E['kind'];
  /** undefined: the data does not fit; the expression is kept as `unknown`. */
  decode(b: Buffer, off: number, len: number): E | undefined;
  encode(w: Writer, e: E): void;
}

export function exprCodec<E extends { kind: string }>(kind: E['kind'], fields: readonly Field[]): ExprCodec<E> {
  const s = struct<Omit<E, 'kind'>>(fields);
  return {
    kind,
    decode: (b, off, len) => {
      const v = s.decode(b, off, len);
      return v === undefined ? undefined : ({ kind, ...v } as unknown as E);
    },
    encode: (w, e) => s.encode(w, e),
  };
}
