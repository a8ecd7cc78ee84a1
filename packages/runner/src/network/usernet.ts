import { accessSync, constants } from 'node:fs';
import { nodeNet } from '../lazy-node.js';
import { join } from 'node:path';
import { firstExecutable } from '../exec-path.js';
import { RunnerError } from '../errors.js';
import type { PublishSpec } from '../nat/publish.js';
import { agentSpawn, type RootlessContext } from '../rootless.js';

// User-mode networking for a rootless container (as rootless podman has it): a helper process
// of the user's, in the host's network namespace, joins the container's network namespace as
// the owner of its user namespace, makes a tap device there and relays its packets through
// ordinary sockets on the host. The launcher's agent starts it (nsrun itself is inside the user
// namespace and no longer in the host's network namespace) and it ends with the launcher
// (slirp4netns: its exit fd) or with the namespace (pasta).
//
// slirp4netns: NAT network 10.0.2.0/24, the container 10.0.2.100, gateway 10.0.2.2, DNS 10.0.2.3;
// the host's loopback is not reachable (--disable-host-loopback, as podman does by default);
// published ports through its API socket. pasta: the host's addresses and routes copied in
// (no NAT), published ports given at start; the host's loopback not mapped (--no-map-gw).

export type UsernetKind = 'slirp4netns' | 'pasta';

/** The container's interface, as with a bridge. */
export const USERNET_IFNAME = 'eth0';
/** The largest MTU slirp4netns allows (podman's default): bulk transfers cost far less CPU. */
const SLIRP_MTU = 65520;

/** Where each helper is installed (Debian's packages slirp4netns and passt). */
export function usernetBinary(kind: UsernetKind): string | undefined {
  return firstExecutable([`/usr/bin/${kind}`, `/usr/local/bin/${kind}`, `/bin/${kind}`]);
}

/** Why user-mode networking cannot work here, or undefined when it can. */
export function usernetProblem(kind: UsernetKind): string | undefined {
  if (usernetBinary(kind) === undefined) return `${kind} is not installed (Debian/Ubuntu: apt install ${kind === 'pasta' ? 'passt' : 'slirp4netns'})`;
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/net/tun is not usable by this user (mode 0600 on machines without udev; udev makes it 0666)';
  }
  return undefined;
}

/**
 * The default for a rootless run without netd: slirp4netns where it works (it attached ~8× faster
 * than pasta here, and Debian 12's pasta was measured dropping bulk container→host connections),
 * else pasta. Undefined with the reasons when neither works.
 */
export function defaultUsernet(): { kind: UsernetKind } | { problems: string[] } {
  const problems: string[] = [];
  for (const kind of ['slirp4netns', 'pasta'] as const) {
    const p = usernetProblem(kind);
    if (p === undefined) return { kind };
    problems.push(p);
  }
  return { problems: [...new Set(problems)] };
}

/** The helper's argv (with the agent's %READY_FD% / %EXIT_FD% placeholders). */
export function usernetArgv(kind: UsernetKind, bin: string, o: { hostPid: number; publish: readonly PublishSpec[]; apiSocket?: string }): string[] {
  if (kind === 'slirp4netns') {
    return [
      bin,
      '--configure',
      `--mtu=${SLIRP_MTU}`,
      '--disable-host-loopback',
      '--ready-fd=%READY_FD%',
      '--exit-fd=%EXIT_FD%',
      ...(o.apiSocket !== undefined ? ['--api-socket', o.apiSocket] : []),
      String(o.hostPid),
      USERNET_IFNAME,
    ];
  }
  const ports = o.publish.flatMap((p) => [p.proto === 'udp' ? '-u' : '-t', `${p.hostIp !== undefined ? `${p.hostIp}/` : ''}${p.hostPort}:${p.containerPort}`]);
  const none = (flag: string): string[] => (ports.includes(flag) ? [] : [flag, 'none']);
  // Foreground until the namespace is configured, then it forks to the background: its exit 0 is "ready".
  return [
    bin,
    '--config-net',
    '--quiet',
    '--no-map-gw',
    '--ns-ifname',
    USERNET_IFNAME,
    ...none('-t'),
    ...none('-u'),
    '-T',
    'none',
    '-U',
    'none',
    ...ports,
    String(o.hostPid),
  ];
}

/** Starts the helper for this (rootless) nsrun's network namespace; resolves once it is configured. */
export async function startUsernet(kind: UsernetKind, ctx: RootlessContext, o: { publish: readonly PublishSpec[]; apiSocket?: string }): Promise<number> {
  const problem = usernetProblem(kind);
  if (problem !== undefined) throw new RunnerError('usernet', problem);
  const answer = await agentSpawn(usernetArgv(kind, usernetBinary(kind)!, { hostPid: ctx.hostPid, ...o }));
  if (answer.ready) return answer.pid;
  if (kind === 'pasta' && answer.status === 0) return answer.pid;
  throw new RunnerError('usernet', `${kind} exited with status ${answer.status}${answer.text ? `: ${answer.text}` : ''}`);
}

/**
 * Resolves once the helper `started` (startUsernet) is ready or has failed, or after `ms`. A
 * timer holds the event loop meanwhile: the launcher's reply pipe does not (rootless.ts), and a
 * failed run that waits for nothing else would end before the answer comes.
 */
export async function usernetSettled(started: Promise<unknown>, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const done = started.then(
    () => {},
    () => {},
  );
  await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** slirp4netns's API socket for container `id` (made only when it publishes ports). */
export function slirpApiSocket(stateDir: string, id: string): string {
  return join(stateDir, 'usernet', `${id}.sock`);
}

/**
 * Publishes ports through slirp4netns's API socket (its `add_hostfwd`: the listening socket is
 * slirp4netns's, on the host). Rejects with the first one refused, naming it.
 */
export async function slirpPublish(apiSocket: string, publish: readonly PublishSpec[]): Promise<void> {
  for (const p of publish) {
    const request = {
      execute: 'add_hostfwd',
      arguments: { proto: p.proto, host_addr: p.hostIp ?? '0.0.0.0', host_port: p.hostPort, guest_port: p.containerPort },
    };
    const reply = await new Promise<string>((resolve, reject) => {
      const s = nodeNet().connect(apiSocket);
      let text = '';
      s.setEncoding('utf8');
      s.on('connect', () => s.end(JSON.stringify(request)));
      s.on('data', (d: string) => (text += d));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    }).catch((e: unknown) => {
      throw new RunnerError('usernet', `slirp4netns API ${apiSocket}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    });
    let answer: { return?: unknown; error?: { desc?: string } };
    try {
      answer = JSON.parse(reply) as typeof answer;
    } catch {
      throw new RunnerError('usernet', `slirp4netns API answered ${JSON.stringify(reply.slice(0, 200))}`);
    }
    const spec = `${p.hostIp !== undefined ? `${p.hostIp}:` : ''}${p.hostPort}:${p.containerPort}/${p.proto}`;
    if (answer.error !== undefined || answer.return === undefined) throw new RunnerError('usernet', `publish ${spec}: ${answer.error?.desc ?? 'refused'}`);
  }
}
