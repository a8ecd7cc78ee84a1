import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cniPlugin, CNI_ERR_NSRUN, mkdirp, NETD_DEFAULT_SOCKET } from '@nsrun/runner';

const DEFAULT_NETD_SOCKET = NETD_DEFAULT_SOCKET;
import { FlagError, parseFlags, str } from './flags.js';
import type { Io } from './io.js';

// `nsrun cni install [--dir DIR]`: puts the plugin where engines look for it (`"type": "nsrun"`
// selects DIR/nsrun): a few lines of sh that exec Node on this checkout's bin/nsrun.cjs with the
// hidden command `cni-plugin` (one Node start per call, the bundle and its code cache, nothing
// else), or print a CNI error object saying what to do when that file has moved (npm's tree
// re-made elsewhere). `nsrun cni-plugin` (hidden) is the plugin itself: environment and stdin
// in, result or error object out (runner's cni/).

export const CNI_USAGE = `Usage: nsrun cni install [--dir DIR]
Installs nsrun's CNI plugin as DIR/nsrun (default /opt/cni/bin, where containerd, podman and
Kubernetes nodes look for plugins): a network configuration with "type": "nsrun" then wires
containers as nsrun run does (bridge, veth, address, routes, NAT), with the keys of the
reference "bridge" plugin; "ipam": {"type": "nsrun", ...} leases from nsrun's own store with
host-local's keys, any other ipam type is run from CNI_PATH. The file runs this checkout's
nsrun with the Node it was installed with: run "nsrun cni install" again after moving it.
`;

export const DEFAULT_CNI_DIR = '/opt/cni/bin';

/** packages/cli/bin/nsrun.cjs of this checkout (from dist/, bundled or not). */
function binPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'nsrun.cjs');
}

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The launcher's text. */
export function launcher(bin: string, node: string): string {
  const gone = JSON.stringify({
    cniVersion: '1.0.0',
    code: CNI_ERR_NSRUN,
    msg: 'nsrun is not installed where this plugin points',
    details: `${bin} does not exist (the nsrun checkout or npm tree moved): run "nsrun cni install" again from where nsrun is now`,
  });
  return `#!/bin/sh
# The nsrun CNI plugin, written by "nsrun cni install": runs nsrun from ${bin}.
# With nsrun netd running, a small Perl shim hands the call to it (no Node start per call).
bin=${sq(bin)}
node=${sq(node)}
if [ ! -f "$bin" ]; then
  printf '%s\\n' ${sq(gone)}
  exit 1
fi
[ -x "$node" ] || node=node
sock=\${NSRUN_NETD_SOCKET:-${DEFAULT_NETD_SOCKET}}
shim=\${bin%/*}/nsrun-cni-shim.pl
if [ -S "$sock" ] && [ -x /usr/bin/perl ] && [ -f "$shim" ]; then
  exec /usr/bin/perl "$shim" "$sock" "$node" "$bin"
fi
exec "$node" "$bin" cni-plugin
`;
}

/** `nsrun cni ARGV...`; what it throws main reports. */
export async function runCni(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    if (sub === undefined) throw new FlagError('missing install (try "nsrun cni --help")');
    return (io.stdout(CNI_USAGE), 0);
  }
  if (sub !== 'install') throw new FlagError(`unknown subcommand ${JSON.stringify(sub)}: install`);
  const p = parseFlags(rest, { '--help': { alias: ['-h'] }, '--dir': { value: true } }, 'nsrun cni install', false);
  if (p.flags.has('--help')) return (io.stdout(CNI_USAGE), 0);
  const dir = str(p, '--dir') ?? DEFAULT_CNI_DIR;
  if (!dir.startsWith('/')) throw new FlagError(`--dir ${JSON.stringify(dir)}: must be an absolute path`);
  const file = join(dir, 'nsrun');
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    mkdirp(dir, 0o755);
    writeFileSync(tmp, launcher(binPath(), process.execPath), { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, file); // a plugin being run keeps its old text; the next run gets the new
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing to remove: DIR itself could not be made (ENOTDIR, EACCES)
    }
    throw new Error(`install: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  io.stdout(`installed ${file} (runs ${binPath()})\n`);
  return 0;
}

/** The plugin: one CNI command, from the process's environment and stdin. */
export async function runCniPlugin(io: Io): Promise<number> {
  let stdin = '';
  try {
    stdin = readFileSync(0, 'utf8');
  } catch (e) {
    // (An engine always gives stdin; VERSION may come with an empty one.)
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') stdin = '';
  }
  const out = await cniPlugin({ env: process.env, stdin, onWarning: (m) => io.stderr(`nsrun cni: warning: ${m}\n`), ...(io.signal && { signal: io.signal }) });
  io.stdout(out.stdout);
  return out.status;
}
