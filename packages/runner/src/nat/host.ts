import { addrList, NetlinkError, RtnlClient } from '@nsrun/netlink';
import { SockDiagClient, inetSockList, type InetSock } from '@nsrun/netlink/diag';
import { RunnerError } from '../errors.js';
import { formatPublish, type PublishSpec } from './publish.js';
import { describeOwners, socketOwners } from './owners.js';

// Checks of --publish against the host, before anything is created (run and net attach):
//
// - HOSTIP must be an address of this host (nsrun's network namespace): a DNAT rule for any
//   other address would never see a packet meant for the host.
// - The host port must not be one a host service listens on: the DNAT rules (rules.ts) take
//   every new connection to it, from outside (`fib daddr type local`, or `ip daddr HOSTIP`) and
//   from the host itself (the output chain, loopback excluded), so that service would silently
//   stop being reachable except on 127/8. Shadowed: a TCP listener or a bound UDP socket on that
//   port whose IPv4 address is the wildcard 0.0.0.0, the publish's HOSTIP, or (no HOSTIP) any
//   address outside 127/8; an IPv6 socket counts for the IPv4 address it takes: [::] unless
//   IPV6_V6ONLY, or [::ffff:a.b.c.d]. Found with sock_diag, the kernel's own socket table (as
//   ss finds them); the process named through /proc, as `ss -p` does.

export interface PublishHostOptions {
  /** The bridge's own address, bare: an address of this host once the bridge exists. */
  gateway: string;
  /** Publish even over a host listener; it is then named through onWarning. */
  force?: boolean | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

const invalid = (reason: string): RunnerError => new RunnerError('validate', `publish: ${reason}`, { field: 'publish' });

export async function checkPublishHost(publish: readonly PublishSpec[], o: PublishHostOptions): Promise<void> {
  if (!publish.length) return;
  if (publish.some((p) => p.hostIp !== undefined)) await checkHostAddresses(publish, o.gateway);
  await checkListeners(publish, o);
}

async function checkHostAddresses(publish: readonly PublishSpec[], gateway: string): Promise<void> {
  const nl = RtnlClient.open();
  let mine: string[];
  try {
    mine = (await addrList(nl, { family: 4 })).map((a) => a.address);
  } catch (e) {
    throw new RunnerError('validate', `publish: cannot list this host's addresses: ${e instanceof Error ? e.message : String(e)}`, {
      field: 'publish',
      cause: e,
    });
  } finally {
    nl.close();
  }
  for (const p of publish) {
    if (p.hostIp === undefined || p.hostIp === gateway || mine.includes(p.hostIp)) continue;
    const shown = mine.filter((a) => !a.startsWith('127.'));
    const list = shown.length ? `its IPv4 addresses: ${shown.slice(0, 6).join(', ')}${shown.length > 6 ? ', ...' : ''}` : 'it has no IPv4 address but loopback';
    throw invalid(`not an address of this host: ${p.hostIp} (in ${formatPublish(p)}; ${list}; leave the address out to publish on all of them)`);
  }
}

/** The IPv4 address a socket takes connections on, or undefined when it takes none. */
function ipv4Of(s: InetSock): string | undefined {
  if (s.family === 4) return s.src;
  if (s.src === '::') return s.v6only === true ? undefined : '0.0.0.0';
  return s.src.startsWith('::ffff:') && s.src.includes('.') ? s.src.slice('::ffff:'.length) : undefined;
}

/** Whether the publish's DNAT rules take the connections meant for `s`. */
export function shadows(p: PublishSpec, s: InetSock): boolean {
  const a = ipv4Of(s);
  if (a === undefined || s.sport !== p.hostPort) return false;
  if (a === '0.0.0.0') return true;
  return p.hostIp !== undefined ? a === p.hostIp : !a.startsWith('127.');
}

async function checkListeners(publish: readonly PublishSpec[], o: PublishHostOptions): Promise<void> {
  const found: { p: PublishSpec; s: InetSock }[] = [];
  const diag = SockDiagClient.open();
  try {
    for (const p of publish) {
      for (const family of [4, 6] as const) {
        let socks: InetSock[];
        try {
          socks = await inetSockList(diag, { family, protocol: p.proto, states: [p.proto === 'tcp' ? 'LISTEN' : 'CLOSE'], sport: p.hostPort });
        } catch (e) {
          // A kernel without that diag module (ENOENT): say what could not be checked, go on.
          if (!(e instanceof NetlinkError)) throw e;
          o.onWarning?.(`publish: cannot check whether a host service uses port ${p.hostPort}/${p.proto} (IPv${family}): ${e.message}`);
          continue;
        }
        for (const s of socks) if (shadows(p, s)) found.push({ p, s });
      }
    }
  } finally {
    diag.close();
  }
  if (!found.length) return;
  const owners = socketOwners(new Set(found.map((f) => f.s.inode)));
  const what = ({ p, s }: { p: PublishSpec; s: InetSock }): string =>
    `${describeOwners(owners.get(s.inode) ?? [], s.inode)} ${p.proto === 'tcp' ? 'listens on' : 'is bound to'} ${s.family === 6 ? `[${s.src}]` : s.src}:${s.sport}`;
  const first = found[0]!;
  const more = found.length > 1 ? ` (and ${found.length - 1} more: ${found.slice(1, 4).map(what).join('; ')})` : '';
  if (o.force) {
    for (const f of found) o.onWarning?.(`publish: ${formatPublish(f.p)}: ${what(f)}; its connections go to the container now (--publish-force)`);
    return;
  }
  throw invalid(
    `host port ${first.p.hostPort}/${first.p.proto} is in use: ${what(first)}${more}; publishing it would take that service's connections, from outside and from this host (--publish-force to publish it anyway)`,
  );
}
