import { NetNs, netnsNames } from '@nsrun/sys';
import { DumpInterruptedError, RtnlClient, linkFind, linkIndex, linkList, nsidGet, type Link, type NetnsTarget } from '@nsrun/netlink';
import type { Io } from '../io.js';
import { finishText, toJson, type Out } from './out.js';

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
  // Set only when given on the command line:
  /** -s: 1, or 2 and more for the error counters too. */
  stats?: number;
  /** -d */
  details?: boolean;
  /** -o: each object on one line, its line breaks printed as "\". */
  oneline?: boolean;
  /** -br */
  brief?: boolean;
  /** -force: a -batch goes on after a failing line. */
  force?: boolean;
  /** -a[ll]: every named namespace (netns exec, netns delete). */
  all?: boolean;
  /** -batch FILE ("-": standard input). */
  batch?: string;
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

/**
 * The links of this namespace that `l` names: its lower device (unless in another namespace)
 * and its master; with `details` also those its kind's data names (a vxlan's device, a bridge
 * port's backup port).
 */
export function referredLinks(l: Link, details = false): number[] {
  const out: number[] = [];
  if (l.link && l.linkNetnsid === undefined) out.push(l.link);
  if (l.master) out.push(l.master);
  if (details) {
    for (const a of l.message.attrs) {
      if (a.type !== 'linkinfo') continue;
      for (const i of a.value) {
        if (i.type === 'data' && i.kind === 'vxlan') for (const d of i.value) if (d.type === 'link' && d.value) out.push(d.value);
        if (i.type === 'slaveData') for (const d of i.value) if (d.type === 'backupPort' && d.value) out.push(d.value);
      }
    }
  }
  return out;
}

/** How a change command's names become what its request needs (an index, a namespace). */
export interface Resolver {
  index(name: string): Promise<number>;
  /** The index when it is known without asking (a batch's cache): the request is then checked once, not twice. */
  known?(name: string): number | undefined;
  netns(arg: NetnsArg): NetnsTarget;
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
  #nsids: Map<number, string> | undefined;

  private constructor(opts: IpOptions, io: Io, c: RtnlClient, ns: NetNs | undefined) {
    this.opts = opts;
    this.io = io;
    this.c = c;
    this.ns = ns;
  }

  /** Names resolved one request each (RTM_GETLINK by name), as a single command needs them. */
  readonly resolver: Resolver = {
    index: (name) => linkIndex(this.c, name),
    netns: (arg) => this.netnsTarget(arg),
  };

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

  /** Forgets the links read so far: the next command of a batch sees them as they are now. */
  forgetLinks(): void {
    this.#links = undefined;
    this.#byIndex.clear();
    this.#gone.clear();
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

  /** Prints what each object shows: a JSON array with -j, else their text (one line each with -o). */
  print(views: readonly Out[]): void {
    if (this.opts.json)
      this.io.stdout(
        `${toJson(
          views.map((v) => v.json),
          this.opts.pretty,
        )}\n`,
      );
    else this.io.stdout(views.map((v) => finishText(v.text, !!this.opts.oneline)).join(''));
  }

  /**
   * The names of the named namespaces (/run/netns) by the id this namespace has for them, for
   * "link-netns NAME" (as ip resolves them); read once, and only for text output.
   */
  async nsidName(): Promise<(nsid: number) => string | undefined> {
    if (this.opts.json) return () => undefined;
    if (!this.#nsids) {
      const map = new Map<number, string>();
      for (const name of netnsNames()) {
        let ns: NetNs | undefined;
        try {
          ns = NetNs.fromName(name);
          const id = await nsidGet(this.c, { fd: ns.fd });
          if (id >= 0 && !map.has(id)) map.set(id, name);
        } catch {
          // gone meanwhile, or not a namespace: ip skips it too
        } finally {
          ns?.close();
        }
      }
      this.#nsids = map;
    }
    const map = this.#nsids;
    return (id) => map.get(id);
  }

  close(): void {
    if (this.c.closed) return;
    this.c.close();
    this.ns?.close();
    for (const ns of this.#extra) ns.close();
  }
}
