import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { delimiter } from 'node:path';
import { nsidGet, nsidList, nsidSetRequest } from '@nsrun/netlink';
import {
  NetNs,
  SysError,
  checkNetnsName,
  errnoNumber,
  execve,
  netnsAdd,
  netnsDelete,
  netnsEnterForExec,
  netnsIdentify,
  netnsNames,
  netnsPids,
} from '@nsrun/sys';
import { Args, parseUint, pick } from '../args.js';
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from '../errors.js';
import type { IpContext } from './context.js';
import { Out } from './out.js';

// `nsrun ip netns`: named network namespaces under /run/netns, made and used exactly as
// iproute2 makes and uses them (see @nsrun/sys named-netns), so ip and nsrun ip see the same
// names. exec replaces this process with the command (its exit status is the command's), in
// the namespace, with that namespace's /sys and the files of /etc/netns/NAME.

export const NETNS_USAGE = `Usage: nsrun ip netns list
       nsrun ip netns add NAME
       nsrun ip netns attach NAME PID
       nsrun ip netns set NAME NETNSID
       nsrun ip [-all] netns delete [NAME]
       nsrun ip netns identify [PID]
       nsrun ip netns pids NAME
       nsrun ip [-all] netns exec [NAME] CMD [ARG...]
       nsrun ip netns list-id [target-nsid N] [nsid N]
NETNSID := auto | N
exec exits with CMD's status; 127 when CMD is not found, 126 when it cannot be run.
`;

export type NetnsCommand =
  | { op: 'list' }
  | { op: 'listId'; targetNsid?: number; nsid?: number }
  | { op: 'add'; name: string }
  | { op: 'attach'; name: string; pid: number }
  | { op: 'set'; name: string; nsid: number }
  | { op: 'delete'; name?: string }
  | { op: 'identify'; pid?: number }
  | { op: 'pids'; name: string }
  | { op: 'exec'; name?: string; argv: string[] };

const SUBCOMMANDS = [
  ['list', 'list'],
  ['show', 'list'],
  ['lst', 'list'],
  ['list-id', 'listId'],
  ['add', 'add'],
  ['set', 'set'],
  ['delete', 'delete'],
  ['identify', 'identify'],
  ['pids', 'pids'],
  ['exec', 'exec'],
  ['attach', 'attach'],
] as const;

function name(a: Args): string {
  const n = a.need('namespace name');
  try {
    return checkNetnsName(n);
  } catch {
    throw a.error(`invalid netns name ${JSON.stringify(n)}: 1 to 255 bytes, no '/', not "." or ".."`);
  }
}

function end(a: Args): void {
  if (!a.done) throw a.garbage(a.next() as string);
}

/** Parses `ip netns ...`; `all` is the global -all. */
export function parseNetns(argv: readonly string[], all: boolean): NetnsCommand {
  const top = new Args(argv, 'ip netns', NETNS_USAGE);
  top.helpCheck();
  const word = top.next();
  if (word === undefined) return { op: 'list' };
  const sub = pick(word, SUBCOMMANDS);
  if (!sub) throw top.error(`unknown command ${JSON.stringify(word)}`);
  const a = new Args(top.rest(), `ip netns ${word === 'list-id' ? 'list-id' : sub}`, NETNS_USAGE);
  a.helpCheck();
  switch (sub) {
    case 'list':
      end(a);
      return { op: 'list' };
    case 'listId': {
      const cmd: NetnsCommand & { op: 'listId' } = { op: 'listId' };
      while (!a.done) {
        const w = a.next() as string;
        if (w === 'target-nsid') cmd.targetNsid = a.uint('target-nsid', 0, 0x7fffffff);
        else if (w === 'nsid') cmd.nsid = a.uint('nsid', 0, 0x7fffffff);
        else throw a.garbage(w);
      }
      return cmd;
    }
    case 'add': {
      const n = name(a);
      end(a);
      return { op: 'add', name: n };
    }
    case 'attach': {
      const n = name(a);
      const pid = a.uint('pid', 1, 0x7fffffff);
      end(a);
      return { op: 'attach', name: n, pid };
    }
    case 'set': {
      const n = name(a);
      const v = a.need('nsid');
      const nsid = v === 'auto' ? -1 : parseUint(v, 'nsid', 0, 0x7fffffff, a);
      end(a);
      return { op: 'set', name: n, nsid };
    }
    case 'delete': {
      if (all) {
        end(a);
        return { op: 'delete' };
      }
      const n = name(a);
      end(a);
      return { op: 'delete', name: n };
    }
    case 'identify': {
      const w = a.next();
      end(a);
      return w === undefined ? { op: 'identify' } : { op: 'identify', pid: parseUint(w, 'pid', 1, 0x7fffffff, a) };
    }
    case 'pids': {
      const n = name(a);
      end(a);
      return { op: 'pids', name: n };
    }
    case 'exec': {
      const n = all ? undefined : name(a);
      const rest = a.rest();
      if (rest.length === 0) throw a.error('missing command');
      return n === undefined ? { op: 'exec', argv: rest } : { op: 'exec', name: n, argv: rest };
    }
  }
}

/** The names of the named namespaces by their id in the client's namespace. */
async function namesById(ctx: IpContext): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const n of netnsNames()) {
    const id = await idOf(ctx, n);
    if (id !== undefined && id >= 0 && !out.has(id)) out.set(id, n);
  }
  return out;
}

/** The id the client's namespace has for /run/netns/NAME; undefined when it cannot be opened. */
async function idOf(ctx: IpContext, n: string): Promise<number | undefined> {
  let ns: NetNs;
  try {
    ns = NetNs.fromName(n);
  } catch {
    return undefined; // gone meanwhile, or not a namespace: ip leaves the id out too
  }
  try {
    return await nsidGet(ctx.c, { fd: ns.fd });
  } finally {
    ns.close();
  }
}

/** Runs `ip netns ...`; resolves to the exit status (exec's is the command's). */
export async function runNetns(ctx: IpContext, cmd: NetnsCommand, inBatch: boolean): Promise<number> {
  switch (cmd.op) {
    case 'list': {
      const views: Out[] = [];
      for (const n of netnsNames()) {
        const o = new Out().any('name', n, n);
        const id = await idOf(ctx, n);
        if (id !== undefined && id >= 0) o.any('id', id, ` (id: ${id})`);
        views.push(o.t('\n'));
      }
      ctx.print(views);
      return 0;
    }
    case 'listId': {
      const names = await namesById(ctx);
      const list = (await nsidList(ctx.c, cmd.targetNsid === undefined ? {} : { targetNsid: cmd.targetNsid })).filter(
        (e) => cmd.nsid === undefined || e.nsid === cmd.nsid,
      );
      ctx.print(
        list.map((e) => {
          const o = new Out();
          if (e.nsid < 0) o.t('nsid unassigned ');
          else o.any('nsid', e.nsid, `nsid ${e.nsid} `);
          if (e.currentNsid !== undefined) {
            if (e.currentNsid < 0) o.t('current-nsid unassigned ');
            else o.any('current-nsid', e.currentNsid, `current-nsid ${e.currentNsid} `);
          }
          const n = names.get(e.currentNsid ?? e.nsid);
          if (n !== undefined) o.any('name', n, `(iproute2 netns name: ${n})`);
          return o.t('\n');
        }),
      );
      return 0;
    }
    case 'add':
      netnsAdd(cmd.name);
      return 0;
    case 'attach':
      netnsAdd(cmd.name, { pid: cmd.pid });
      return 0;
    case 'set': {
      const ns = NetNs.fromName(cmd.name);
      try {
        // Named by the namespace's name (the request itself carries an fd number).
        await ctx.c.request({ ...nsidSetRequest({ fd: ns.fd }, cmd.nsid), what: `nsidSet ${cmd.name} ${cmd.nsid < 0 ? 'auto' : cmd.nsid}` }, () => undefined);
      } finally {
        ns.close();
      }
      return 0;
    }
    case 'delete':
      for (const n of cmd.name === undefined ? netnsNames() : [cmd.name]) netnsDelete(n);
      return 0;
    case 'identify': {
      // ip prints the last name bound to that namespace, or an empty line. Without a pid it is
      // ip's own namespace: with -n, the one ip switched to (nsrun ip's socket lives there).
      const found = netnsIdentify(cmd.pid ?? ctx.ns ?? 'self');
      ctx.io.stdout(`${found[found.length - 1] ?? ''}\n`);
      return 0;
    }
    case 'pids':
      ctx.io.stdout(
        netnsPids(cmd.name)
          .map((p) => `${p}\n`)
          .join(''),
      );
      return 0;
    case 'exec':
      if (cmd.name === undefined) {
        // -all: one run in each namespace, each in a child, as ip does.
        for (const n of netnsNames()) {
          ctx.io.stdout(`\nnetns: ${n}\n`);
          runChild(n, cmd.argv);
        }
        return 0;
      }
      // In a batch ip forks, so that the batch goes on; otherwise this process becomes the command.
      if (inBatch) return runChild(cmd.name, cmd.argv);
      return execIn(ctx, cmd.name, cmd.argv);
  }
}

/** `nsrun ip netns exec NAME ARGV...` in a child process (this same program); its exit status. */
function runChild(name: string, argv: readonly string[]): number {
  const script = process.argv[1];
  if (script === undefined) throw new Error('netns exec: cannot find the nsrun program to run in a child');
  // Loaded here: node:child_process brings 28 of Node's modules (streams, net, dgram) that every
  // other `nsrun ip` command would load for nothing.
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(process.execPath, [...process.execArgv, script, 'ip', 'netns', 'exec', name, ...argv], { stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 128 + (r.signal ? (osConstants.signals[r.signal] ?? 0) : 0);
}

/** PATH search as execvp does it: the first executable regular file; EACCES when only others were found. */
export function findExecutable(cmd: string, path = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'): string {
  if (cmd.includes('/')) return cmd;
  let denied = false;
  for (const dir of path.split(delimiter)) {
    const file = `${dir === '' ? '.' : dir}/${cmd}`;
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      denied = true;
    }
  }
  throw new SysError('exec', errnoNumber(denied ? 'EACCES' : 'ENOENT') ?? 2, cmd);
}

/** Enters the namespace as ip does and execs the command; only returns (with 126/127) when exec fails. */
function execIn(ctx: IpContext, name: string, argv: readonly string[]): number {
  const cmd = argv[0] as string;
  let file: string;
  try {
    file = findExecutable(cmd);
  } catch (e) {
    return execFailed(ctx, name, e);
  }
  ctx.close(); // the netlink socket has no business in the command
  netnsEnterForExec(name, (msg) => ctx.io.stderr(`nsrun: netns exec ${name}: ${msg}\n`));
  try {
    execve(file, argv);
  } catch (e) {
    return execFailed(ctx, name, e);
  }
}

function execFailed(ctx: IpContext, name: string, e: unknown): number {
  if (!(e instanceof SysError)) throw e;
  ctx.io.stderr(`nsrun: netns exec ${name}: ${e.message}\n`);
  return e.code === 'ENOENT' ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
}
