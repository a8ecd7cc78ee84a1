import { readFileSync } from 'node:fs';
import * as C from '@nsrun/netlink/constants';
import { linkFromBytes, linkGet, type RtnlRequest } from '@nsrun/netlink';
import { HelpRequest, UsageError } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail } from '../errors.js';
import type { IpContext, Resolver } from './context.js';
import { addrChangeRequest } from './addr.js';
import { parseCommand, runCommand, type IpCommand } from './index.js';
import { linkChangeRequest } from './link.js';
import { neighChangeRequest } from './neigh.js';
import { routeChangeRequest } from './route.js';

// `nsrun ip -batch FILE` (or - for standard input): one `OBJECT COMMAND...` per line, read as
// ip reads it ('#' starts a comment, a line ending in '\' goes on, words may be quoted). The
// changes (link, address, route and neighbour add/set/del...) become requests sent through
// the client's bulk path; anything else (show, get, netns, monitor) runs as on the command line.
//
// Without -force every line is checked before anything runs (a bad line refuses the whole
// batch, exit 2), then each request is sent when the previous one is answered, and the first
// failure stops the batch: the kernel has no transaction to roll a pipelined batch back, and
// ip does not run the lines after a failure. With -force the requests are pipelined, many per
// datagram, and every line runs; each failure is reported as ip reports it, "Command failed
// FILE:LINE" after the error, and the status is 1.

export interface BatchLine {
  /** The number of the command's last physical line (as ip counts it). */
  no: number;
  words: string[];
}

/** Splits a batch into commands as iproute2's getcmdline and makeargs do. */
export function batchLines(text: string): BatchLine[] {
  const out: BatchLine[] = [];
  const physical = text.split('\n');
  if (physical[physical.length - 1] === '') physical.pop();
  // A line without its comment; the newline stays only when there was no '#' (as getcmdline
  // cuts at the '#', newline included, so a commented line never continues).
  const cut = (l: string): string => {
    const hash = l.indexOf('#');
    return hash < 0 ? `${l}\n` : l.slice(0, hash);
  };
  for (let i = 0; i < physical.length; i++) {
    let line = cut(physical[i] as string);
    // A line ending in "\" (before its newline) continues on the next one.
    while (line.endsWith('\\\n') && i + 1 < physical.length) line = line.slice(0, -2) + cut(physical[++i] as string);
    const words = makeArgs(line, i + 1);
    if (words.length) out.push({ no: i + 1, words });
  }
  return out;
}

// makeargs' separators: space, tab, CR, LF.
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 10;

const SEPARATORS = /[ \t\r\n]+/;

function makeArgs(line: string, no: number): string[] {
  // Most lines quote nothing: the engine's split (fast from the first line on).
  if (!line.includes('"') && !line.includes("'")) {
    const words = line.split(SEPARATORS);
    if (words[0] === '') words.shift();
    if (words[words.length - 1] === '') words.pop();
    return words;
  }
  const words: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return words;
    const q = line.charCodeAt(i);
    if (q === 34 || q === 39) {
      // A word that begins with a quote runs to the same quote.
      const close = line.indexOf(q === 34 ? '"' : "'", i + 1);
      if (close < 0) throw new UsageError(`line ${no}: unterminated quoted string`);
      words.push(line.slice(i + 1, close));
      i = close + 1;
    } else {
      let j = i + 1;
      while (j < n && !isSpace(line.charCodeAt(j))) j++;
      words.push(line.slice(i, j));
      i = j + 1;
    }
  }
}

type Parsed = { line: BatchLine; cmd: IpCommand; error?: undefined } | { line: BatchLine; cmd?: undefined; error: unknown };

/** A change command's request, or undefined for commands that run as on the command line. */
async function changeRequest(cmd: IpCommand, r: Resolver): Promise<RtnlRequest | undefined> {
  switch (cmd.object) {
    case 'link':
      return cmd.command.op === 'show' ? undefined : linkChangeRequest(cmd.command, r);
    case 'address':
      return cmd.command.op === 'show' ? undefined : addrChangeRequest(cmd.command, r);
    case 'route':
      return cmd.command.op === 'show' || cmd.command.op === 'get' ? undefined : routeChangeRequest(cmd.command, r);
    case 'neigh':
      return cmd.command.op === 'show' || cmd.command.op === 'get' ? undefined : neighChangeRequest(cmd.command, r);
    default:
      return undefined;
  }
}

/**
 * The requests of a batch on their way: queued, then sent in bulk. Names are resolved to
 * indexes from what the batch has learnt (the kernel echoes each link it creates), else by
 * asking the kernel once, after sending what is queued (an earlier line may create the link).
 */
class Pipeline implements Resolver {
  readonly #ctx: IpContext;
  readonly #fail: (line: BatchLine, e: unknown) => void;
  readonly #index = new Map<string, number>();
  #queue: { req: RtnlRequest; line: BatchLine }[] = [];

  constructor(ctx: IpContext, fail: (line: BatchLine, e: unknown) => void) {
    this.#ctx = ctx;
    this.#fail = fail;
  }

  known(name: string): number | undefined {
    return this.#index.get(name);
  }

  async index(name: string): Promise<number> {
    const known = this.#index.get(name);
    if (known !== undefined) return known;
    this.flush();
    const i = (await linkGet(this.#ctx.c, name)).index;
    this.#index.set(name, i);
    return i;
  }

  netns(arg: Parameters<Resolver['netns']>[0]): ReturnType<Resolver['netns']> {
    return this.#ctx.netnsTarget(arg);
  }

  /** Queues a line's request and forgets the names it makes stale. */
  push(cmd: IpCommand, req: RtnlRequest, line: BatchLine): void {
    if (cmd.object === 'link') {
      const c = cmd.command;
      if (c.op === 'delGroup') this.#index.clear();
      else if (c.op === 'del' || (c.op === 'set' && c.netns !== undefined)) this.#index.delete(c.dev);
      else if (c.op === 'set' && c.changes.name !== undefined) {
        // Re-learnt when next needed: the rename may fail.
        this.#index.delete(c.dev);
        this.#index.delete(c.changes.name);
      }
    }
    this.#queue.push({ req, line });
  }

  /** Sends what is queued, pipelined; reports each failure with its line. Whether all succeeded. */
  flush(): boolean {
    if (this.#queue.length === 0) return true;
    const queue = this.#queue;
    this.#queue = [];
    const results = this.#ctx.c.bulkSync(
      queue.map((q) => q.req),
      {
        onReply: (_i, m) => {
          if (m.type !== C.RTM_NEWLINK) return;
          const l = linkFromBytes(m.buf, m.start, m.end);
          this.#index.set(l.name, l.index);
        },
      },
    );
    let ok = true;
    results.forEach((e, i) => {
      if (e === undefined) return;
      ok = false;
      this.#fail((queue[i] as { line: BatchLine }).line, e);
    });
    return ok;
  }
}

/** Runs a batch with the context's client; resolves to the exit status. */
export async function runBatch(ctx: IpContext, file: string): Promise<number> {
  const io = ctx.io;
  const force = !!ctx.opts.force;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    io.stderr(
      `nsrun: ip -batch: cannot read ${file === '-' ? 'standard input' : file}: ${(e as NodeJS.ErrnoException).code ?? ''} (${(e as Error).message})\n`,
    );
    return EXIT_FAILURE;
  }
  let status = EXIT_OK;
  const lineFailed = (line: BatchLine, e: unknown): void => {
    if (e !== undefined) fail(e, io);
    io.stderr(`Command failed ${file}:${line.no}\n`);
    status = EXIT_FAILURE;
  };
  const parsed: Parsed[] = [];
  try {
    for (const line of batchLines(text)) {
      try {
        parsed.push({ line, cmd: parseCommand(line.words, ctx.opts) });
      } catch (e) {
        parsed.push({ line, error: e });
      }
    }
  } catch (e) {
    return fail(e, io); // an unterminated quote (bad usage): ip gives up on the whole batch
  }
  if (!force) {
    // Nothing runs when a line is malformed.
    const bad = parsed.find((p) => p.error !== undefined && !(p.error instanceof HelpRequest));
    if (bad) {
      lineFailed(bad.line, bad.error);
      return EXIT_USAGE;
    }
  }
  const pipe = new Pipeline(ctx, lineFailed);
  for (const p of parsed) {
    if (!force && status !== EXIT_OK) break;
    if (p.cmd === undefined) {
      if (p.error instanceof HelpRequest) {
        pipe.flush();
        io.stdout(p.error.text);
      } else {
        pipe.flush();
        lineFailed(p.line, p.error);
      }
      continue;
    }
    try {
      const req = await changeRequest(p.cmd, pipe);
      if (req) {
        pipe.push(p.cmd, req, p.line);
        if (!force) pipe.flush();
        continue;
      }
      if (!pipe.flush() && !force) break;
      ctx.forgetLinks();
      const s = await runCommand(ctx, p.cmd, true);
      if (s !== 0) lineFailed(p.line, undefined);
    } catch (e) {
      lineFailed(p.line, e);
    }
  }
  pipe.flush();
  return status;
}
