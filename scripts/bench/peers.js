// The compiled implementations of the peer harness (../shared/bench/netlink: batched C on
// libmnl and Go vishvananda/netlink), run in the same interleaved rounds as nsrun so that the
// ratios compare one machine state. They are built by that harness's setup.sh, into its build/;
// a read-only copy is copied and built elsewhere first (its README says how), so this looks in
// NLBENCH_DIR, then ../shared/bench/netlink beside the repository, then /tmp/nlbench*.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const PEER_NAMES = ['c-libmnl-batch', 'go-vishvananda'];

function candidates() {
  const out = [];
  if (process.env.NLBENCH_DIR) out.push(process.env.NLBENCH_DIR);
  out.push(fileURLToPath(new URL('../../../shared/bench/netlink', import.meta.url)));
  try {
    for (const d of readdirSync('/tmp').sort()) if (d.startsWith('nlbench')) out.push(join('/tmp', d));
  } catch {
    // no /tmp listing: only the explicit places
  }
  return out;
}

/** `{ commands: [{name, argv}], note }`: the peers found (argv ends with N R), or why none. */
export function peerCommands(N, R) {
  for (const dir of candidates()) {
    const found = PEER_NAMES.map((name) => ({ name, argv: [join(dir, 'build', name), N, R] })).filter((p) => existsSync(p.argv[0]));
    if (found.length) return { commands: found, note: `peers from ${dir}/build: ${found.map((p) => p.name).join(', ')}` };
  }
  return {
    commands: [],
    note: 'no peer builds found (run setup.sh in a copy of ../shared/bench/netlink and set NLBENCH_DIR to it): nsrun and iproute2 only',
  };
}
