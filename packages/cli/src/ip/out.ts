// What `nsrun ip` prints for one object, built the way ip builds it: each field goes to the
// JSON object, to the text, or to both (ip's PRINT_JSON, PRINT_FP, PRINT_ANY), in ip's order,
// so that -j and text agree and both follow ip's format strings (trailing spaces included).
// A "\n" inside an object's text is where ip prints _SL_: a line break, or "\" with -o.

export type JsonValue = string | number | bigint | boolean | null | Raw | JsonValue[] | { [key: string]: JsonValue | undefined };

/** A JSON value written as is: ip's numbers with a fixed format ("hello_timer":0.00). */
export class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export class Out {
  readonly json: { [key: string]: JsonValue | undefined } = {};
  text = '';

  /** A field in both forms (PRINT_ANY). */
  any(key: string, value: JsonValue, text: string): this {
    this.json[key] = value;
    this.text += text;
    return this;
  }

  /** JSON only (PRINT_JSON). */
  j(key: string, value: JsonValue): this {
    this.json[key] = value;
    return this;
  }

  /** Text only (PRINT_FP). */
  t(text: string): this {
    this.text += text;
    return this;
  }

  /** ip's print_nl(): a line break within the object. */
  nl(): this {
    this.text += '\n';
    return this;
  }

  /** A nested JSON object whose text continues this one's. */
  obj(key: string, fill: (o: Out) => void): this {
    const o = new Out();
    fill(o);
    this.json[key] = o.json;
    this.text += o.text;
    return this;
  }
}

/** One object's text as printed: lines without trailing spaces, or with -o one line, "\" between its parts. */
export function finishText(text: string, oneline: boolean): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (oneline) return `${body.replace(/\n/g, '\\').trimEnd()}\n`;
  return `${body
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')}\n`;
}

/**
 * JSON text of `v`, as JSON.stringify writes it (indented by 4 with `pretty`), with bigints
 * as integers and Raw values as they are.
 */
export function toJson(v: JsonValue | undefined, pretty = false, indent = ''): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Raw) return v.text;
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
  }
  const inner = pretty ? `${indent}    ` : '';
  const sep = pretty ? `,\n${inner}` : ',';
  const open = (b: string): string => (pretty ? `${b}\n${inner}` : b);
  const close = (b: string): string => (pretty ? `\n${indent}${b}` : b);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `${open('[')}${v.map((x) => toJson(x, pretty, inner)).join(sep)}${close(']')}`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '{}';
  return `${open('{')}${entries.map(([k, x]) => `${JSON.stringify(k)}:${pretty ? ' ' : ''}${toJson(x, pretty, inner)}`).join(sep)}${close('}')}`;
}
