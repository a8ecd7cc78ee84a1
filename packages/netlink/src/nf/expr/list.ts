import { Buffer } from 'node:buffer';
import { schema, decodeAttrs, encodeAttrs, binary, string, type Codec } from '../../wire/attrs.js';
import { DecodeError } from '../../wire/errors.js';
import type { Writer } from '../../wire/writer.js';
import * as C from './constants.js';
import { NLA_F_NESTED } from '../../constants/netlink.js';
import type { ExprCodec, NestedCodec } from './fields.js';
import { metaCodec, type MetaExpr } from './meta.js';
import { payloadCodec, type PayloadExpr } from './payload.js';
import { cmpCodec, type CmpExpr } from './cmp.js';
import { bitwiseCodec, type BitwiseExpr } from './bitwise.js';
import { immediateCodec, type ImmediateExpr } from './immediate.js';
import { counterCodec, type CounterExpr } from './counter.js';
import { natCodec, masqCodec, type NatExpr, type MasqExpr } from './nat.js';
import { ctCodec, type CtExpr } from './ct.js';

// NFTA_RULE_EXPRESSIONS: a list of NFTA_LIST_ELEM, each an expression: NFTA_EXPR_NAME and
// NFTA_EXPR_DATA, whose attributes depend on the name. Kinds this codec does not know, and
// known kinds whose data does not fit, are kept as `unknown` with their bytes.

/** An expression kept as bytes; it re-encodes to what nft sent. */
export interface UnknownExpr {
  kind: 'unknown';
  /** NFTA_EXPR_NAME ('' when the element had none). */
  name: string;
  /** The NFTA_EXPR_DATA payload, when there was one. */
  data?: Buffer;
  /** The whole NFTA_LIST_ELEM payload, when it was not NFTA_EXPR_NAME [+ NFTA_EXPR_DATA]. */
  elem?: Buffer;
}

export type Expr = MetaExpr | PayloadExpr | CmpExpr | BitwiseExpr | ImmediateExpr | CounterExpr | MasqExpr | NatExpr | CtExpr | UnknownExpr;

export type ExprKind = Expr['kind'];

const CODECS: Readonly<Record<string, ExprCodec<any>>> = Object.freeze({
  meta: metaCodec,
  payload: payloadCodec,
  cmp: cmpCodec,
  bitwise: bitwiseCodec,
  immediate: immediateCodec,
  counter: counterCodec,
  masq: masqCodec,
  nat: natCodec,
  ct: ctCodec,
});

const elemSchema = schema([
  [C.NFTA_EXPR_NAME, 'name', string],
  [C.NFTA_EXPR_DATA, 'data', binary],
] as const);

/** Decodes the payload of one NFTA_LIST_ELEM. */
export function decodeExpr(b: Buffer, off: number, len: number): Expr {
  const raw = (name = ''): UnknownExpr => ({ kind: 'unknown', name, elem: Buffer.from(b.subarray(off, off + len)) });
  let attrs;
  try {
    attrs = decodeAttrs(elemSchema, b, off, off + len);
  } catch (e) {
    if (e instanceof DecodeError) return raw();
    throw e;
  }
  const [n, d, ...rest] = attrs;
  if (n?.type !== 'name' || n.flags) return raw();
  const name = n.value;
  if (rest.length || (d !== undefined && (d.type !== 'data' || (d.flags ?? 0) & ~NLA_F_NESTED))) return raw(name);
  if (d === undefined) return { kind: 'unknown', name };
  const known = Object.hasOwn(CODECS, name) ? CODECS[name]!.decode(d.value, 0, d.value.length) : undefined;
  return (known as Expr | undefined) ?? { kind: 'unknown', name, data: d.value };
}

/** Encodes the payload of one NFTA_LIST_ELEM, in libnftnl's layout. */
export function encodeExpr(w: Writer, e: Expr): void {
  if (e.kind === 'unknown') {
    if (e.elem) {
      w.bytes(e.elem);
      return;
    }
    w.attrString(C.NFTA_EXPR_NAME, e.name);
    if (e.data) {
      const at = w.beginNest(C.NFTA_EXPR_DATA, true);
      w.bytes(e.data);
      w.endAttr(at);
    }
    return;
  }
  const codec = Object.hasOwn(CODECS, e.kind) ? CODECS[e.kind] : undefined;
  if (!codec) throw new TypeError(`no nf_tables expression kind ${JSON.stringify((e as { kind: unknown }).kind)}`);
  w.attrString(C.NFTA_EXPR_NAME, e.kind);
  const at = w.beginNest(C.NFTA_EXPR_DATA, true);
  codec.encode(w, e);
  w.endAttr(at);
}

const exprElem: Codec<Expr> = { decode: decodeExpr, encode: encodeExpr };
const listSchema = schema([[C.NFTA_LIST_ELEM, 'elem', exprElem]] as const);

/** NFTA_RULE_EXPRESSIONS. undefined (the attribute is kept as bytes) when it holds anything but elements. */
export const exprList: NestedCodec<Expr[]> = {
  nested: true,
  decode: (b, off, len) => {
    let attrs;
    try {
      attrs = decodeAttrs(listSchema, b, off, off + len);
    } catch (e) {
      if (e instanceof DecodeError) return undefined;
      throw e;
    }
    const out: Expr[] = [];
    for (const a of attrs) {
      if (a.type === 'unknown' || (a.flags ?? 0) & ~NLA_F_NESTED) return undefined;
      out.push(a.value);
    }
    return out;
  },
  encode: (w, v) =>
    encodeAttrs(
      listSchema,
      w,
      v.map((e) => ({ type: 'elem' as const, value: e, flags: NLA_F_NESTED })),
    ),
};

/** Decodes an expression list (the payload of NFTA_RULE_EXPRESSIONS); throws DecodeError when it is not one. */
export function decodeExprs(b: Buffer, off = 0, len = b.length - off): Expr[] {
  const v = exprList.decode(b, off, len);
  if (v === undefined) throw new DecodeError(off, 'not a list of NFTA_LIST_ELEM expressions');
  return v;
}

/** Encodes expressions as the payload of NFTA_RULE_EXPRESSIONS. */
export function encodeExprs(w: Writer, exprs: readonly Expr[]): void {
  exprList.encode(w, exprs as Expr[]);
}
