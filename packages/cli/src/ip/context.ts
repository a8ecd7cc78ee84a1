import { NetNs } from '@nsrun/sys';
import { DumpInterruptedError, RtnlClient, linkFind, linkList, type Link, type NetnsTarget } from '@nsrun/netlink';
import type { Io } from '../io.js';

// What every `nsrun ip` command runs with: the global options, a client opened inside the
// chosen network namespace, a per-command cache of links (for index → name), and output.
//
// On a busy host (thousands of links, something adding and deleting links all the time) a
// dump of every link is interrupted every time it is read, so, as ip does: a command that
// needs a few names asks the kernel for those links one by one (RTM_GETLINK by index, no
// dump), and a listing whose dump stays interrupted after the library's retries prints what it
// got, with ip's warning on stderr, and succeeds.

/** What ip prints on stderr for a dump the kernel flagged NLM_F_DUMP_INTR (iproute2 lib/libnetlink.c). */
export const DUMP_INTERRUPTED = 'Dump was interrupted and may be inconsistent.';

export interface IpOptions {
  /** -j: print ip's JSON shapes. */
  json: boolean;
  /** -p: indent the JSON. */
  pretty: boolean;
  /** -4 / -6 / -f inet|inet6 */
  family: 4 | 6 | undefined;
  /** -n NAME|PID */
  netns: string | undefined;
}

/** `netns NAME|PID` as written on the command line. */
export type NetnsArg = { pid: number } | { name: string };

export function parseNetnsArg(word: string): NetnsArg {
  return /^\d+$/.test(word) ? { pid: Number(word) } : { name: word };
}

/** Opens the namespace a command names: /run/netns/NAME, or /proc/PID/ns/net. */
export function openNetns(arg: NetnsArg): NetNs {
  return 'pid' in arg ? NetNs.fromPid(arg.pid) : NetNs.fromName(arg.name);
}

/** The links of this namespace that `l` names: its lower device (unless in another namespace) and its master. */
export function referredLinks(l: Link): number[] {
  const out: number[] = [];
  if (l.link && l.linkNetnsid === undefined) out.push(l.link);
  if (l.master) out.push(l.master);
  return out;
}

export class IpContext {
  readonly opts: IpOptions;
  readonly io: Io;
  readonly c: RtnlClient;
  /** The namespace of -n, kept open for commands that need it again (monitor). */
  readonly ns: NetNs | undefined;
  #links: Map<number, Link> | undefined;
  #extra: NetNs[] = [];
  #gone = new Set<number>();
  #byIndex = new Map<number, Link>();

  private constructor(opts: IpOptions, io: Io, c: RtnlClient, ns: NetNs | undefined) {
    this.opts = opts;
    this.io = io;
    this.c = c;
    this.ns = ns;
  }

  /** Opens the client: inside the -n namespace when given (the socket stays bound to it). */
  static open(opts: IpOptions, io: Io): IpContext {
    const ns = opts.netns === undefined ? undefined : openNetns(parseNetnsArg(opts.netns));
    try {
      return new IpContext(opts, io, RtnlClient.open(ns ? { netns: ns } : {}), ns);
    } catch (e) {
      ns?.close();
      throw e;
    }
  }

  /** Every link of the namespace by index, dumped once per command. */
  async links(): Promise<Map<number, Link>> {
    this.#links ??= new Map((await this.dump(linkList(this.c))).map((l) => [l.index, l]));
    return this.#links;
  }

  /**
   * A dump's objects. One the kernel still flags as interrupted after the library's retries is
   * printed as it came, with ip's warning: what ip does, rather than failing.
   */
  async dump<T>(list: Promise<T[]>): Promise<T[]> {
    try {
      return await list;
    } catch (e) {
      if (!(e instanceof DumpInterruptedError)) throw e;
      this.io.stderr(`${DUMP_INTERRUPTED}\n`);
      return e.partial as T[];
    }
  }

  /**
   * The links with these indexes, each asked for by its index (no dump), for the names and
   * states a few objects refer to. A link gone meanwhile is left out (printed as "ifN", as ip
   * prints an index it cannot find).
   */
  async linksByIndex(indexes: Iterable<number | undefined>): Promise<Map<number, Link>> {
    const out = new Map<number, Link>();
    for (const i of indexes) {
      if (!i || out.has(i) || this.#gone.has(i)) continue;
      const l = this.#links?.get(i) ?? this.#byIndex.get(i) ?? (await linkFind(this.c, i));
      if (l === undefined) {
        this.#gone.add(i);
        continue;
      }
      this.#byIndex.set(i, l);
      out.set(i, l);
    }
    return out;
  }

  /** Makes sure these indexes are cached, re-reading the links once if one is missing. */
  async linksWith(indexes: readonly (number | undefined)[]): Promise<Map<number, Link>> {
    const links = await this.links();
    if (indexes.every((i) => !i || links.has(i) || this.#gone.has(i))) return links;
    this.#links = undefined;
    const fresh = await this.links();
    // Events about links already deleted must not re-read the links every time.
    for (const i of indexes) if (i && !fresh.has(i)) this.#gone.add(i);
    return fresh;
  }

  /** Keeps the cached links current as events arrive (monitor). */
  setLink(l: Link, deleted = false): void {
    if (!this.#links) return;
    if (deleted) this.#links.delete(l.index);
    else this.#links.set(l.index, l);
  }

  /** A link-move target; namespaces opened here are closed with the context. */
  netnsTarget(arg: NetnsArg): NetnsTarget {
    if ('pid' in arg) return { pid: arg.pid };
    const ns = openNetns(arg);
    this.#extra.push(ns);
    return ns;
  }

  /** Prints objects: a JSON array with -j, else each object's text. */
  print<T>(objects: readonly T[], text: (o: T) => string): void {
    if (this.opts.json) this.io.stdout(`${JSON.stringify(objects, null, this.opts.pretty ? 4 : undefined)}\n`);
    else this.io.stdout(objects.map(text).join(''));
  }

  close(): void {
    this.c.close();
    this.ns?.close();
    for (const ns of this.#extra) ns.close();
  }
}
