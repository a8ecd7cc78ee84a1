// JSON for the objects the operations return. Decoded messages hold 64-bit attributes as bigint
// (a bridge port's timers, counters), which JSON.stringify refuses; in JSON they are numbers
// when a double holds them exactly, else decimal strings (as JSON.parse would lose digits).

/** `v` with every bigint inside made a JSON value; other values as they are (Buffers keep their own toJSON). */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = jsonSafe(x);
  return out;
}
