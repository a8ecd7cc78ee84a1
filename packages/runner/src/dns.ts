import { readFileSync } from 'node:fs';
import type { NetKind } from './state/records.js';
import { ipFamily } from './ip-family.js';

// The container's /etc/resolv.conf. The tutorial echoes a nameserver into the container's
// file, which without a rootfs *is* the host's file. nsrun instead bind-mounts a file of the
// container's own over it, in the container's mount namespace only: the host's file is never
// written. What goes in it:
// - `dns` given: those servers (with the host's search and options lines);
// - otherwise the host's resolvers. A systemd-resolved host lists only its stub (127.0.0.53),
//   which is the host's loopback, unreachable from the container's network namespace: the
//   upstream servers resolved uses are in /run/systemd/resolve/resolv.conf. Any loopback
//   server left is dropped, with a warning.
// With `net: 'host'` the host's file works as it is (same loopback), unless `dns` is given.

/** Where the host's resolver configuration is read (tests point these elsewhere). */
export interface HostResolvFiles {
  resolvConf: string;
  /** systemd-resolved's list of its upstream servers. */
  systemdResolvConf: string;
}

export const HOST_RESOLV_FILES: HostResolvFiles = {
  resolvConf: '/etc/resolv.conf',
  systemdResolvConf: '/run/systemd/resolve/resolv.conf',
};

export interface ResolvPlan {
  /** The file's text; undefined: the container keeps seeing the host's file. */
  text: string | undefined;
  /** The nameservers it lists. */
  servers: string[];
  warnings: string[];
}

interface Parsed {
  servers: string[];
  /** search, domain, options lines, kept as they are. */
  other: string[];
}

function parse(text: string): Parsed {
  const servers: string[] = [];
  const other: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const [key, value] = line.split(/\s+/);
    if (key === 'nameserver' && value) servers.push(value.split('%')[0]!);
    else if (key === 'search' || key === 'domain' || key === 'options') other.push(line);
  }
  return { servers, other };
}

function read(path: string): Parsed | undefined {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** slirp4netns's DNS forwarder (its default network 10.0.2.0/24). */
export const SLIRP_DNS = '10.0.2.3';

const isLoopback = (ip: string): boolean => ip === '::1' || ip.startsWith('127.');

const render = (servers: readonly string[], other: readonly string[]): string =>
  `# written by nsrun for this container (the host's file is unchanged)\n${[...servers.map((s) => `nameserver ${s}`), ...other].join('\n')}\n`;

// resolv.conf takes an IPv6 server with its zone (fe80::1%eth0); the zone's characters as
// node:net's isIP took them, none that could end the line.
const ZONE = /%[0-9a-zA-Z.:-]+$/;
const serverFamily = (s: string): 0 | 4 | 6 => {
  const zone = ZONE.exec(s);
  if (zone === null) return ipFamily(s);
  return ipFamily(s.slice(0, zone.index)) === 6 ? 6 : 0;
};

/** Checks `--dns` values; returns the reason one is refused. */
export function checkDnsServers(dns: readonly unknown[]): string | undefined {
  for (const s of dns) {
    if (typeof s !== 'string' || serverFamily(s) === 0) return `${JSON.stringify(s)} is not an IP address`;
  }
  return undefined;
}

/** What the container's resolv.conf should hold. */
export function planResolvConf(opts: { dns?: readonly string[] | undefined; net: NetKind }, files: HostResolvFiles = HOST_RESOLV_FILES): ResolvPlan {
  const host = read(files.resolvConf) ?? { servers: [], other: [] };
  if (opts.dns !== undefined) return { text: render(opts.dns, host.other), servers: [...opts.dns], warnings: [] };
  if (opts.net === 'host') return { text: undefined, servers: host.servers, warnings: [] };
  // slirp4netns answers DNS itself on 10.0.2.3, from the host's side (its loopback resolvers too).
  if (opts.net === 'slirp4netns') return { text: render([SLIRP_DNS], host.other), servers: [SLIRP_DNS], warnings: [] };
  const warnings: string[] = [];
  let from = host;
  if (host.servers.length > 0 && host.servers.every(isLoopback)) {
    const upstream = read(files.systemdResolvConf);
    if (upstream && upstream.servers.length > 0) from = { servers: upstream.servers, other: host.other.length ? host.other : upstream.other };
  }
  const servers = from.servers.filter((s) => {
    if (!isLoopback(s)) return true;
    warnings.push(`nameserver ${s} is the host's loopback, unreachable from the container's network: left out (give one with --dns)`);
    return false;
  });
  if (from === host && servers.length === host.servers.length) return { text: undefined, servers, warnings };
  if (servers.length === 0) warnings.push('the container has no nameserver it can reach (give one with --dns)');
  return { text: render(servers, from.other), servers, warnings };
}
