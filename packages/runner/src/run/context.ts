import type { ChildProcess } from 'node:child_process';
import type { RtnlClient } from '@nsrun/netlink';
import type { AsyncStepRunner } from '../errors.js';
import type { NetdHandle } from '../netd/client.js';
import type { PublishSpec } from '../nat/publish.js';
import type { BridgePlan } from '../network/plan.js';
import type { NetMode, RunOptions } from '../options.js';
import type { Rollback } from '../rollback.js';
import type { RootlessContext } from '../rootless.js';
import type { SecurityPlan } from '../security/plan.js';
import type { StateDir } from '../state/dir.js';
import type { ContainerRecord, NatRecord } from '../state/records.js';
import type { TtyProxy } from '../tty.js';
import type { FaultPoint } from '../steps.js';

// What one `run` knows and holds, passed from phase to phase (run.ts): what plan decided before
// anything exists, then what each phase made. Every phase registers the undo of what it made on
// `rollback` as it makes it; run.ts undoes them all if a later phase fails.

/** The record before its lease: no pidns and stateDir yet (the state directory fills them in). */
export type BaseRecord = Omit<ContainerRecord, 'pidns' | 'stateDir'>;

export interface RunContext {
  readonly opts: RunOptions;
  readonly security: SecurityPlan;
  /** Set when nsrun runs as root in the launcher's user namespace (rootless.ts). */
  readonly rootless: RootlessContext | undefined;
  /** The network the container gets (a rootless run may fall back from netd's bridge: prepareHost). */
  net: NetMode;
  /** Rootless, the bridge is netd's to wire (its policy decides the bridge's subnet). */
  readonly viaNetd: boolean;
  /** The bridge nsrun wires itself (root's `--net bridge`). */
  readonly plan: BridgePlan | undefined;
  readonly publish: readonly PublishSpec[];
  /** NAT rules to add (root's bridge with --nat or --publish). */
  readonly nat: NatRecord | undefined;
  /** Where `faultAt` injects a failure: counted across every step runner of the run. */
  readonly fault: FaultPoint;
  /** Times each step, injects `faultAt`, names the step in failures (steps.ts). */
  readonly step: AsyncStepRunner;
  readonly state: StateDir;
  readonly id: string;
  /** The host end of the veth pair (root's bridge). */
  readonly veth: string | undefined;
  /** The record as planned; the lease or the state step writes it. */
  readonly base: BaseRecord;
  readonly rollback: Rollback;

  // Made by prepareHost.
  /** Rootless: the owner lock's fd, held while nsrun lives (state/dir.ts). */
  ownerLock?: number;
  /** The record as written (with the command's pid once startContainer has it). */
  record?: ContainerRecord;
  /** The host's rtnetlink socket (root's bridge): setup and its undo; closed at release. */
  host?: RtnlClient;
  bridgeIndex: number;
  /** Rootless through netd: netd's attachment of nsrun's network namespace. */
  attachment?: NetdHandle;
  /** The container's own terminal (--tty). */
  tty?: TtyProxy;
  /** The text of the container's /etc/resolv.conf, when it gets one of its own. */
  resolvConf?: string | undefined;
  /** Rootless user-mode networking: its helper, started now, ready before the release. */
  usernet?: Promise<number>;
  usernetPublish: readonly PublishSpec[];
  /** slirp4netns's API socket (when it publishes ports). */
  apiSocket?: string;

  // Made by startContainer; `inner`, `netnsFd` and `readyFd` are closed once setup is over.
  /** The gate: PID 1 of the container, blocked until the release. */
  child?: ChildProcess;
  /** Resolves to the exit status once the gate has exited. */
  exited?: Promise<number>;
  /** An rtnetlink socket in the container's network namespace. */
  inner?: RtnlClient;
  netnsFd?: number;
  /** The read end of the gate's ready pipe, when setup did not wait on it (no rootfs). */
  readyFd?: number;
}
