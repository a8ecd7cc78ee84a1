import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as FfiRs from 'ffi-rs';
import { SysError } from './errors.js';

// The only module that talks to ffi-rs. Each binding is a plain function that checks the
// return value and reads errno only when the call failed (ffi-rs reports stale errno values
// on success).

// Loading ffi-rs: its index.js asks process.report.getReport() whether the C library is musl
// before it picks a native binary (~8 ms at every start). A Node linked against glibc shows
// libc.so.6 in its own /proc/self/maps; then, on x64 and arm64, the glibc binary is taken
// directly from where ffi-rs itself would take it, with the one rewrite ffi-rs's load() makes
// to the calls made here (below). Anything else, or any failure: ffi-rs as it is. `require`
// rather than `import`, so Node does not scan the CommonJS source for its export names.
type Ffi = Pick<typeof FfiRs, 'open' | 'load' | 'DataType'>;

function glibcNode(): boolean {
  try {
    return readFileSync('/proc/self/maps', 'latin1').includes('/libc.so.6');
  } catch {
    return false;
  }
}

function loadFfi(): Ffi {
  const require = createRequire(import.meta.url);
  if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64') && glibcNode()) {
    try {
      const native = createRequire(require.resolve('ffi-rs'))(`@yuuang/ffi-rs-linux-${process.arch}-gnu`) as Ffi & { FFITypeTag: { Array: number } };
      const U8Array = native.DataType.U8Array;
      // ffi-rs's load(): an array parameter type becomes {ffiTypeTag: Array, type, length},
      // and results are not freed unless asked. U8Array is the only array type used here.
      const load = ((p: FfiRs.FFIParams<FfiRs.DataType, boolean>) =>
        native.load({
          ...p,
          freeResultMemory: p.freeResultMemory ?? false,
          paramsType: p.paramsType.map((t, i) =>
            t === U8Array ? { ffiTypeTag: native.FFITypeTag.Array, type: t, length: (p.paramsValue[i] as Uint8Array).length } : t,
          ) as FfiRs.FieldType[],
        })) as Ffi['load'];
      return { open: native.open, load, DataType: native.DataType };
    } catch {
      // not installed (or not loadable): ffi-rs decides
    }
  }
  return require('ffi-rs') as Ffi;
}

// Loaded on the first call, not at import: a command that makes no libc call (nsrun --version,
// --help, a usage error) does not pay for the native binary (a few ms of every start).
let ffi: Ffi | undefined;

const LIBRARY = 'libc';

function ensureOpen(): Ffi {
  if (ffi === undefined) {
    const f = loadFfi();
    f.open({ library: LIBRARY, path: 'libc.so.6' });
    ffi = f;
  }
  return ffi;
}

/**
 * Parameter and result types: the values of ffi-rs's DataType enum (its index.d.ts), written
 * out so that naming a type does not load the library (test/libc-types.test.js compares them
 * with the loaded library's).
 */
export const T = {
  i32: 1 as FfiRs.DataType.I32,
  i64: 8 as FfiRs.DataType.I64,
  u64: 12 as FfiRs.DataType.U64,
  buf: 10 as FfiRs.DataType.U8Array,
  str: 0 as FfiRs.DataType.String,
  void: 7 as FfiRs.DataType.Void,
} as const;

/** The loaded library's own DataType values for T's names (for the test above). */
export function ffiDataTypes(): Record<keyof typeof T, number> {
  const { DataType } = ensureOpen();
  return { i32: DataType.I32, i64: DataType.I64, u64: DataType.U64, buf: DataType.U8Array, str: DataType.String, void: DataType.Void };
}

type ParamType = (typeof T)[keyof typeof T];
type IntType = typeof T.i32 | typeof T.i64 | typeof T.u64;

/** Names the fd a call acted on, for its error message. */
export const fdOf = (a: unknown[]): string => `fd ${String(a[0])}`;

export interface Binding {
  /** Calls the C function; throws SysError when it returns -1. */
  (...args: unknown[]): number;
}

function raw(funcName: string, retType: IntType | typeof T.void, paramsType: ParamType[], args: unknown[]): { value: number; errnoCode: number } {
  return ensureOpen().load({ library: LIBRARY, funcName, retType, paramsType, paramsValue: args, errno: true as const }) as unknown as {
    value: number;
    errnoCode: number;
  };
}

/**
 * Calls a libc function whose failure is a -1 return with errno set, with the parameter types
 * chosen per call (for pointer parameters that may be NULL: see `cstrOrNull`).
 */
export function call(funcName: string, retType: typeof T.i32 | typeof T.i64, paramsType: ParamType[], args: unknown[], target?: string): number {
  const r = raw(funcName, retType, paramsType, args);
  if (r.value === -1) throw new SysError(funcName, r.errnoCode, target);
  return r.value;
}

/**
 * A system call that glibc may not wrap (it gained fsopen and friends only in 2.36), through
 * libc's syscall(3) by number; its failure is named `name`. Numbers must be the same on every
 * architecture nsrun runs on (true of calls added since Linux 5.1: asm-generic/unistd.h).
 */
export function sysCall(
  name: string,
  nr: number,
  paramsType: ParamType[],
  args: unknown[],
  target?: string,
  detail?: (errno: number) => string | undefined,
): number {
  const r = raw('syscall', T.i64, [T.i64, ...paramsType], [nr, ...args]);
  if (r.value === -1) throw new SysError(name, r.errnoCode, target, detail?.(r.errnoCode));
  return r.value;
}

/**
 * Binds a libc function whose failure is a -1 return with errno set.
 * `describe` names the object the call acted on, for the error message.
 */
export function bind(
  funcName: string,
  retType: typeof T.i32 | typeof T.i64,
  paramsType: ParamType[],
  describe?: (args: unknown[]) => string | undefined,
): Binding {
  return (...args: unknown[]): number => {
    const r = raw(funcName, retType, paramsType, args);
    if (r.value === -1) throw new SysError(funcName, r.errnoCode, describe?.(args));
    return r.value;
  };
}

/**
 * Binds a libc function that returns a pointer, as a number (an address; user-space addresses
 * fit in 2^53). NULL is failure: SysError with errno.
 */
export function bindPointer(funcName: string, paramsType: ParamType[], describe?: (args: unknown[]) => string | undefined): (...args: unknown[]) => number {
  return (...args: unknown[]): number => {
    const r = raw(funcName, T.u64, paramsType, args);
    if (r.value === 0) throw new SysError(funcName, r.errnoCode, describe?.(args));
    return r.value;
  };
}

/** Binds a libc function that cannot fail (getpid, gettid, free). */
export function bindPure(funcName: string, paramsType: ParamType[] = [], retType: IntType | typeof T.void = T.i32): (...args: unknown[]) => number {
  return (...args: unknown[]): number => ensureOpen().load({ library: LIBRARY, funcName, retType, paramsType, paramsValue: args }) as unknown as number;
}

/**
 * A C string: the bytes of `s` (UTF-8 for a JS string) and a NUL, in a Buffer that ffi-rs
 * passes by pointer (T.buf). A string with a NUL inside would be cut short in C: TypeError.
 */
export function cstr(s: string | Uint8Array, what = 'string'): Buffer {
  if (typeof s === 'string') {
    if (s.includes('\0')) throw new TypeError(`${what} must not contain a NUL byte: ${JSON.stringify(s)}`);
    return Buffer.from(`${s}\0`, 'utf8');
  }
  if (!(s instanceof Uint8Array)) throw new TypeError(`${what} must be a string or a Uint8Array, got ${typeof s}`);
  if (s.includes(0)) throw new TypeError(`${what} must not contain a NUL byte`);
  const out = Buffer.alloc(s.byteLength + 1);
  out.set(s);
  return out;
}

/**
 * A `const char *` parameter that may be NULL. ffi-rs refuses `null` for pointer types
 * (U8Array and String both throw), so NULL is passed as a 64-bit integer 0 instead: returns
 * the parameter type and value to use for this call.
 */
export function cstrOrNull(s: string | Uint8Array | null | undefined, what?: string): [ParamType, unknown] {
  return s === null || s === undefined ? [T.u64, 0] : [T.buf, cstr(s, what)];
}
