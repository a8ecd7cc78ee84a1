import { StateDir } from './state/dir.js';
import { isAlive } from './state/liveness.js';
import type { ContainerRecord } from './state/records.js';

// `nsrun ps`: the containers (and attached networks) whose owner is still running.

export interface ContainerInfo {
  id: string;
  /** `run`: started by nsrun run; `attach`: a network wired to an existing process. */
  kind: ContainerRecord['kind'];
  /** The container's first process as the host sees it. */
  pid: number;
  net: ContainerRecord['net'];
  address: string | undefined;
  veth: string | undefined;
  bridge: string | undefined;
  hostname: string | undefined;
  command: string[];
  created: string;
}

export function ps(opts: { stateDir?: string } = {}): ContainerInfo[] {
  return new StateDir(opts.stateDir)
    .list()
    .filter((r) => isAlive(r.owner))
    .map((r) => ({
      id: r.id, kind: r.kind, pid: r.pid, net: r.net, address: r.ip, veth: r.veth, bridge: r.bridge, hostname: r.hostname,
      command: r.command, created: r.created,
    }));
}
