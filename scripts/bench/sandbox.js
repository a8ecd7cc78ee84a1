// Runs one benchmark program in a throwaway network namespace (`unshare --net`), the way the
// peer harness does: IPv6 off inside it (link-up then makes no link-local addresses and sends no
// DAD/RS/MLD frames), lo left down. The namespace dies with the program; nothing is created in
// the machine's own. Needs root.
import { spawnSync } from 'node:child_process';
import { sandboxArgv } from '@nsrun/test-helpers/sandbox';

// Inside the new netns: sysctls, then the program, timed from fork to exit by bash, then how
// many interfaces other than lo it left behind (must be 0).
const INNER = `
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 &&
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 || { echo "sandbox: cannot disable IPv6" >&2; exit 2; }
t0=$EPOCHREALTIME
"$@"
rc=$?
t1=$EPOCHREALTIME
left=$(awk 'NR > 2 && $1 != "lo:" { n++ } END { print n + 0 }' /proc/self/net/dev)
echo "#sandbox wall_us=$(( \${t1/./} - \${t0/./} )) leftover=$left"
exit $rc`;

/**
 * Runs `argv` (program and arguments) in a fresh netns. Returns the program's exit code, its
 * JSON result line (or null), the wall time and leftovers measured inside the netns, and the
 * tail of its stderr.
 */
export function runInSandbox(argv, env = {}) {
  const [cmd, args] = sandboxArgv(argv, { netOnly: true, script: INNER });
  const r = spawnSync(cmd, args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 15 * 60 * 1000,
  });
  if (r.error) throw new Error(`sandbox: cannot run unshare --net ${argv.join(' ')}: ${r.error.message}`);
  const lines = r.stdout.split('\n');
  const tail = /^#sandbox wall_us=(\d+) leftover=(\d+)$/.exec(lines.findLast((l) => l.startsWith('#sandbox')) ?? '');
  let result = null;
  const json = lines.findLast((l) => l.startsWith('{'));
  try {
    result = json ? JSON.parse(json) : null;
  } catch {
    result = null;
  }
  return {
    rc: r.status ?? 128,
    result,
    wallMs: tail ? Number(tail[1]) / 1000 : null,
    leftover: tail ? Number(tail[2]) : null,
    stderr: r.stderr.trim().slice(-400),
  };
}
