// Command-line parsing helpers in iproute2's style: a cursor over the words, keywords that may
// be abbreviated the way `ip` abbreviates them (any prefix, first match in a fixed order wins),
// and number parsing that names the option it refuses.

/** Bad usage: unknown command or option, missing or malformed argument. Exit status 2. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
  /** One line telling how to get help, e.g. `Try "nsrun ip link help".` */
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.hint = hint;
  }
}

/**
 * A request for help text (`help`, `-h`, `--help`), thrown from wherever a parser meets it:
 * printed to stdout, exit status 0 (errors.ts `fail`). An Error, so that whatever catches it
 * on the way sees an Error; its message is the first line of the text.
 */
export class HelpRequest extends Error {
  override readonly name = 'HelpRequest';
  readonly text: string;
  constructor(text: string) {
    super(text.split('\n', 1)[0]);
    this.text = text;
  }
}

/** iproute2's `matches()`: `word` is a non-empty prefix of `keyword`. */
export function matches(word: string | undefined, keyword: string): boolean {
  return word !== undefined && word.length > 0 && word.length <= keyword.length && keyword.startsWith(word);
}

/** The first entry whose keyword `word` abbreviates, in table order (as `ip` resolves `ip a`). */
export function pick<T>(word: string, table: readonly (readonly [string, T])[]): T | undefined {
  for (const [k, v] of table) if (matches(word, k)) return v;
  return undefined;
}

export const isHelp = (word: string | undefined): boolean => word === 'help' || word === '-h' || word === '--help' || word === '-help';

/** A cursor over the words of one command; `where` names the command in error messages. */
export class Args {
  readonly #argv: readonly string[];
  #i = 0;
  readonly where: string;
  /** Usage text for the command, shown for `help` and after usage errors. */
  readonly usage: string;

  constructor(argv: readonly string[], where: string, usage: string) {
    this.#argv = argv;
    this.where = where;
    this.usage = usage;
  }

  get done(): boolean {
    return this.#i >= this.#argv.length;
  }

  peek(): string | undefined {
    return this.#argv[this.#i];
  }

  next(): string | undefined {
    return this.#argv[this.#i++];
  }

  /** The next word, which must exist: `what` names it in the error (e.g. "mtu value"). */
  need(what: string): string {
    const w = this.next();
    if (w === undefined) throw this.error(`missing ${what}`);
    return w;
  }

  /** Consumes the next word when it is exactly one of `words`. */
  take(...words: string[]): boolean {
    const w = this.peek();
    if (w !== undefined && words.includes(w)) {
      this.#i++;
      return true;
    }
    return false;
  }

  /** Everything not consumed yet. */
  rest(): string[] {
    const r = this.#argv.slice(this.#i);
    this.#i = this.#argv.length;
    return r;
  }

  /** Throws HelpRequest when the next word asks for help. */
  helpCheck(): void {
    if (isHelp(this.peek())) throw new HelpRequest(this.usage);
  }

  error(message: string): UsageError {
    return new UsageError(`${this.where}: ${message}`, `Try "nsrun ${this.where} help".`);
  }

  /** A word no rule of the command accepts. */
  garbage(word: string): UsageError {
    return this.error(`unexpected argument ${JSON.stringify(word)}`);
  }

  /** An unsigned integer option value within [min, max]; `name` is the option. */
  uint(name: string, min = 0, max = 0xffffffff): number {
    return parseUint(this.need(`${name} value`), name, min, max, this);
  }
}

/** Parses a decimal (or 0x hex) unsigned integer; the error names the option. */
export function parseUint(text: string, name: string, min: number, max: number, at?: Args): number {
  const n = /^(0x[0-9a-fA-F]+|\d+)$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const msg = `invalid ${name} ${JSON.stringify(text)}: must be an integer from ${min} to ${max}`;
    throw at ? at.error(msg) : new UsageError(msg);
  }
  return n;
}
