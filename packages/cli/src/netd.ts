import { NetdServer, NETD_DEFAULT_POLICY, NETD_DEFAULT_SOCKET } from '@nsrun/runner';
import { FlagError, parseFlags, str } from './flags.js';
import type { Io } from './io.js';

// `nsrun netd`: the privileged helper, in the foreground until SIGINT or SIGTERM. Under systemd
// socket activation (LISTEN_PID is this process, LISTEN_FDS >= 1) it serves the inherited
// socket, fd 3, instead of making one.

export const NETD_USAGE = `Usage: nsrun netd [--socket PATH] [--policy FILE] [--state-dir DIR]
Runs as root, in the foreground: wires the network namespaces of users that ${NETD_DEFAULT_POLICY}
(--policy) allows to a bridge, as root's nsrun run does, when they ask on the socket
${NETD_DEFAULT_SOCKET} (--socket; any user may connect). A user's rootless "nsrun run" and
"nsrun net attach|detach|list" ask it. Policy lines: USER|UID|@GROUP BRIDGE MAX [nat]
[publish=LOW-HIGH] [subnet=CIDR]; # starts a comment. It releases what it wired when the
namespace is gone, and keeps its state in --state-dir (default /run/nsrun, as root mode).
Under systemd socket activation (nsrun-netd.socket) it serves the socket it is given.
`;

const FIRST_LISTEN_FD = 3;

/** `nsrun netd ARGV...`; what it throws main reports (netd's own steps as `nsrun: netd: STEP: ...`). */
export async function runNetd(argv: readonly string[], io: Io): Promise<number> {
  const p = parseFlags(
    argv,
    { '--help': { alias: ['-h'] }, '--socket': { value: true }, '--policy': { value: true }, '--state-dir': { value: true } },
    'nsrun netd',
    false,
  );
  if (p.flags.has('--help')) return (io.stdout(NETD_USAGE), 0);
  const activated = process.env.LISTEN_PID === String(process.pid) && Number(process.env.LISTEN_FDS) >= 1;
  if (activated && str(p, '--socket') !== undefined) throw new FlagError('--socket and a socket from systemd (LISTEN_FDS): give one');
  const now = (): string => new Date().toISOString();
  const server = await NetdServer.start({
    ...(activated ? { listenFd: FIRST_LISTEN_FD } : { socket: str(p, '--socket') ?? NETD_DEFAULT_SOCKET }),
    ...(str(p, '--policy') !== undefined && { policy: str(p, '--policy')! }),
    ...(str(p, '--state-dir') !== undefined && { stateDir: str(p, '--state-dir')! }),
    log: (line) => io.stderr(`nsrun netd: ${now()} ${line}\n`),
    onWarning: (m) => io.stderr(`nsrun netd: warning: ${m}\n`),
  });
  io.stderr(`nsrun netd: listening on ${server.socket ?? `fd ${FIRST_LISTEN_FD} (systemd)`}, policy ${server.policy}, state ${server.state.path}\n`);
  if (io.signal && !io.signal.aborted) await new Promise((r) => io.signal!.addEventListener('abort', r, { once: true }));
  await server.close();
  io.stderr('nsrun netd: stopped (what it wired stays; a restarted netd takes it over)\n');
  return 0;
}
