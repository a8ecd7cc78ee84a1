import { open, load, DataType } from 'ffi-rs';
import { SysError } from './errors.js';

// The only module that talks to ffi-rs. Each binding is a plain function that checks the
// return value and reads errno only when the call failed (ffi-rs reports stale errno values
// on success).

const LIBRARY = 'libc';
let opened = false;

function ensureOpen(): void {
  if (!opened) {
    open({ library: LIBRARY, path: 'libc.so.6' });
    opened = true;
  }
}

export const T = {
  i32: DataType.I32,
  i64: DataType.I64,
  u64: DataType.U64,
  buf: DataType.U8Array,
  str: DataType.String,
} as const;

type ParamType = (typeof T)[keyof typeof T];

export interface Binding {
  /** Calls the C function; throws SysError when it returns -1. */
  (...args: unknown[]): number;
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
    ensureOpen();
    const r = load({
      library: LIBRARY,
      funcName,
      retType,
      paramsType,
      paramsValue: args,
      errno: true as const,
    }) as unknown as { value: number; errnoCode: number };
    if (r.value === -1) throw new SysError(funcName, r.errnoCode, describe?.(args));
    return r.value;
  };
}

/** Binds a libc function that cannot fail (getpid, gettid). */
export function bindPure(funcName: string, paramsType: ParamType[] = []): (...args: unknown[]) => number {
  return (...args: unknown[]): number => {
    ensureOpen();
    return load({ library: LIBRARY, funcName, retType: T.i32, paramsType, paramsValue: args }) as unknown as number;
  };
}
