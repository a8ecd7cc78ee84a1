import { openStateDir } from './open-state.js';
import { describeOpaque } from './state/dir.js';
import type { CommandLength, ContainerRecord } from './state/records.js';

// `nsrun ps`: the containers (and attached networks) whose owner is still running. Records it
// cannot read, and records it cannot judge from here (written in another pid namespace or for
// another state directory), are not listed: onWarning is told about them.

export interface ContainerInfo {
  id: string;
  /** `run`: started by nsrun run; `attach`: a network wired to an existing process. */
  kind: ContainerRecord['kind'];
  /**
   * The container's first process as the host sees it; for a rootless container its nsrun's
   * (the container lives in nsrun's own pid and network namespaces: a signal to it is passed on).
   */
  pid: number;
  net: ContainerRecord['net'];
  address: string | undefined;
  veth: string | undefined;
  bridge: string | undefined;
  hostname: string | undefined;
  /** As the record keeps it: at most 4 KiB of it. */
  command: string[];
  /** Present when `command` is cut short: how long the whole one was. */
  commandTruncated?: CommandLength;
  created: string;
  /** Kind "cni": the attachment (the engine's container id, the interface, the network namespace path). */
  cni?: { network: string; containerId: string; ifname: string; netns: string };
}

export function ps(opts: { stateDir?: string; onWarning?: (message: string) => void } = {}): ContainerInfo[] {
  const state = openStateDir(opts.stateDir, opts.onWarning);
  const out: ContainerInfo[] = [];
  const unknown: string[] = [];
  for (const e of state.entries()) {
    if (!e.record) {
      opts.onWarning?.(describeOpaque(e));
      continue;
    }
    const r = e.record;
    const v = state.verdict(r);
    if (v === 'unknown') unknown.push(r.id);
    if (v !== 'live') continue;
    out.push({
      id: r.id,
      kind: r.kind,
      pid: r.hostPid ?? r.pid,
      net: r.net,
      address: r.ip ?? r.cni?.ips[0],
      veth: r.veth,
      bridge: r.bridge,
      hostname: r.hostname,
      command: r.command,
      ...(r.commandTruncated && { commandTruncated: r.commandTruncated }),
      created: r.created,
      ...(r.cni && { cni: { network: r.cni.network, containerId: r.cni.containerId, ifname: r.cni.ifname, netns: r.cni.netns } }),
    });
  }
  if (unknown.length) {
    opts.onWarning?.(
      `${unknown.length} record(s) written in another pid namespace or for another state directory are not listed: whether their containers run cannot be told from here (${unknown.join(' ')})`,
    );
  }
  return out;
}
