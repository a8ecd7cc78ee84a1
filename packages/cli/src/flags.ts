import { UsageError } from './args.js';

// GNU-style options for the container commands (run, ps, gc, net): `--name VALUE`,
// `--name=VALUE`, short aliases, repeatable ones; parsing stops at `--` or, when the command
// takes one, at the first word that is not an option (the command to run). An option that
// takes one value is refused when given twice (under any of its spellings): one of the values
// would be dropped silently. A flag without a value may be repeated: once or twice, it says
// the same thing.

/**
 * Bad usage of one of these commands (exit 125 for run, 2 for the others): reported as
 * `nsrun: COMMAND: usage: MESSAGE`, the message ending with where to get help when that helps.
 */
export class FlagError extends UsageError {
  override readonly name = 'FlagError';
}

export interface FlagSpec {
  /** Takes a value. */
  value?: boolean;
  /** May be given more than once (values collected in order). */
  repeat?: boolean;
  /** Other spellings, e.g. ['-v']. */
  alias?: readonly string[];
}

export interface Parsed {
  /** Flags seen: true, a value, or all values of a repeatable flag. */
  flags: Map<string, true | string | string[]>;
  /** Words after the options. */
  rest: string[];
}

/** Parses `argv`; `stopAtWord`: the first non-option word ends the options (nsrun run CMD). */
export function parseFlags(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>, where: string, stopAtWord: boolean): Parsed {
  const byName = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) {
    byName.set(name, name);
    for (const a of s.alias ?? []) byName.set(a, name);
  }
  const flags: Parsed['flags'] = new Map();
  /** How each single-value option was spelled, for the error when it comes again. */
  const spelled = new Map<string, string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (stopAtWord) break;
      throw new FlagError(`unexpected argument ${JSON.stringify(a)} (try "${where} --help")`);
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const given = eq === -1 ? a : a.slice(0, eq);
    const name = byName.get(given);
    if (name === undefined) throw new FlagError(`unknown option ${JSON.stringify(given)} (try "${where} --help")`);
    const s = spec[name]!;
    let v: true | string = true;
    if (s.value) {
      if (eq !== -1) v = a.slice(eq + 1);
      else {
        const next = argv[++i];
        if (next === undefined) throw new FlagError(`${given} needs a value`);
        v = next;
      }
    } else if (eq !== -1) throw new FlagError(`${given} takes no value`);
    const before = flags.get(name);
    if (s.repeat) flags.set(name, [...(Array.isArray(before) ? before : []), String(v)]);
    else if (s.value && typeof before === 'string') {
      const first = spelled.get(name) ?? name;
      const both =
        first === name && given === name
          ? `${JSON.stringify(before)}, then ${JSON.stringify(v)}`
          : `${first} ${JSON.stringify(before)}, then ${given} ${JSON.stringify(v)}`;
      throw new FlagError(`${name} given twice (${both}); it takes one value`);
    } else {
      flags.set(name, v);
      spelled.set(name, given);
    }
  }
  return { flags, rest: argv.slice(i) };
}

/** A flag's single value, if given. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** A positive integer flag (a pid, an fd), if given. */
export function int(p: Parsed, name: string, min = 1): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new FlagError(`${name} ${JSON.stringify(v)}: must be an integer of ${min} or more`);
  return Number(v);
}
