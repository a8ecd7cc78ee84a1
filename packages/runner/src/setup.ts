import {
  CLOSE_RANGE_CLOEXEC,
  MS_PRIVATE,
  MS_REC,
  O_CLOEXEC,
  SysError,
  closeRange,
  mount,
  nsEnter,
  nsOpen,
  nsUnshare,
  pipe2,
  setCloexec,
  sethostname,
  spawnProcess,
  type NsKind,
  type Subprocess,
} from '@nsrun/sys';
import { RtnlClient } from '@nsrun/netlink';
import { closeSync, existsSync, readdirSync } from 'node:fs';
import { RunnerError } from './errors.js';
import { syncStepRunner, type FaultPoint } from './steps.js';
import { gateEndedEarly, gateSpawn, waitGateReady } from './gate.js';
import { GATE_FD, GATE_READY_FD } from './gate-protocol.js';
import { mountContainer } from './mounts.js';
import type { RunOptions } from './options.js';
import type { SecurityPlan } from './security/plan.js';
import { nowMs } from './clock.js';

// The one synchronous stretch where nsrun's main thread stands in the container's namespaces
// (unshare moves only the calling thread: libuv's pool threads stay home, so an async fs call
// in here would run in the host's mount namespace): unshare, spawn the gate (it becomes PID 1 and shares the new namespaces),
// set the container up from outside it, go back home. No `await` in here: nothing else of the
// process may run while the main thread is away, and no thread may be created after the pid
// unshare (the libuv pool must already be running: see run.ts).

/** Order to go back in: mnt last (setns(mnt) needs its own fs_struct and moves cwd to /). */
const RESTORE_ORDER: readonly NsKind[] = ['pid', 'net', 'ipc', 'uts', 'cgroup', 'mnt'];

// A cgroup namespace too where the kernel has them (4.6+): the container sees its own cgroup
// as the root of /proc/self/cgroup.
const HAS_CGROUP_NS = existsSync('/proc/self/ns/cgroup');

export interface Started {
  /** The gate shell, PID 1 of the new pid namespace, blocked on fd 3. */
  child: Subprocess;
  /** The write end of the gate's release pipe (its fd 3): the caller writes GATE_GO to it, or closes it. */
  releaseFd: number;
  /** A netlink socket bound to the container's network namespace (not with `net: host`). */
  nl: RtnlClient | undefined;
  /** An fd of the container's network namespace (not with `net: host`); the caller closes it. */
  netnsFd: number | undefined;
  /**
   * The read end of the gate's ready pipe, when setup did not wait on it (no rootfs): the caller
   * waits (waitGateReady) before it releases the command, and closes it.
   */
  readyFd: number | undefined;
}

export interface SetupResult {
  started: Partial<Started>;
  /** The first failure, already a RunnerError; the namespaces are restored regardless. */
  error: RunnerError | undefined;
}

export interface SetupPlan {
  /** The container's own terminal (its slave end is the gate's fd 0–2, in a new session). */
  tty: { slave: number; slavePath: string } | undefined;
  /** The text of its /etc/resolv.conf, if it gets one of its own. */
  resolvConf: string | undefined;
  security: SecurityPlan;
  /** nsrun's state directory (hidden from the container). */
  stateDir: string;
  /** The container joins nsrun's own network namespace (rootless: one made for it alone). */
  sharedNet?: boolean;
  /** sysfs cannot be mounted (rootless with the host's network: not the user namespace's). */
  noSysfs?: boolean;
  /** The run's fault point (steps.ts), which its other steps count too. */
  fault: FaultPoint;
}

export function setUpNamespaces(opts: RunOptions, env: NodeJS.ProcessEnv, plan: SetupPlan): SetupResult {
  const { tty, resolvConf, security } = plan;
  const net = opts.net ?? 'bridge';
  // Rootless, nsrun's own network namespace is the container's (run.ts): nothing to unshare.
  const kinds: NsKind[] = [
    'mnt',
    'uts',
    'ipc',
    ...(net === 'host' || plan.sharedNet ? [] : ['net' as const]),
    ...(HAS_CGROUP_NS ? ['cgroup' as const] : []),
    'pid',
  ];
  const saved = new Map<NsKind, number>();
  const started: Partial<Started> = {};
  const cwd = process.cwd();
  let error: RunnerError | undefined;
  let ready: [number, number] | undefined;
  let releasePipe: [number, number] | undefined;
  // What waitGateReady found (with a rootfs: before the pivot): its byte, or the gate's end,
  // which its error says already. Until then, a failed step asks the ready pipe (gateEndedEarly).
  let gateSeen: 'ready' | 'ended' | undefined;

  const step = syncStepRunner(opts.log, plan.fault);

  try {
    step('save-namespaces', () => {
      for (const k of kinds) saved.set(k, nsOpen('self', k));
    });
    step('unshare', () => nsUnshare(...kinds));
    // Before any mount: otherwise mounts propagate back to the host's namespace.
    step('make-private', () => mount(null, '/', null, MS_REC | MS_PRIVATE));
    step('spawn', () => {
      const gate = gateSpawn({ ...opts, tty: tty !== undefined, ttyPath: tty?.slavePath, security }, env);
      ready = pipe2(O_CLOEXEC); // blocking: see waitGateReady
      releasePipe = pipe2(O_CLOEXEC); // blocking: GATE_GO always fits
      const stdio = tty ? [tty.slave, tty.slave, tty.slave] : [0, 1, 2];
      // posix_spawn, not child_process (which loads Node's whole stream and net stack, ~15 ms).
      const spawn = (closeOtherFds: boolean): Subprocess =>
        spawnProcess(gate.file, [gate.file, ...gate.args], {
          fds: gateFds(stdio, releasePipe![0], ready![1]),
          // A session of its own, so the terminal can become its controlling terminal.
          setsid: tty !== undefined,
          env: gate.env,
          ...(gate.cwd !== undefined && { cwd: gate.cwd }),
          closeOtherFds,
        });
      try {
        started.child = spawn(true);
      } catch (e) {
        if (!(e instanceof SysError && e.code === 'ENOSYS' && e.syscall === 'posix_spawn_file_actions_addclosefrom_np')) throw e;
        closeStrayFdsOnExec(); // glibc before 2.34: nothing had started
        started.child = spawn(false);
      }
      // The gate's copies are the only reader and writer: EPIPE or EOF when it dies.
      closeSync(releasePipe[0]);
      releasePipe[0] = -1;
      closeSync(ready[1]);
      ready[1] = -1;
      started.releaseFd = releasePipe[1];
      releasePipe[1] = -1;
    });
    const pid = started.child!.pid;
    if (opts.hostname !== undefined) step('hostname', () => sethostname(opts.hostname!));
    if (net !== 'host') {
      // The socket stays bound to the netns it is created in, after we leave it.
      step('netlink-socket', () => {
        started.nl = RtnlClient.open();
        started.netnsFd = nsOpen('self', 'net');
      });
    }
    const readyFd = ready![0];
    mountContainer(
      {
        pid,
        ownNet: net !== 'host',
        noSysfs: plan.noSysfs === true,
        rootfs: opts.rootfs,
        gateReady: () => {
          gateSeen = 'ended';
          waitGateReady(readyFd, started.child);
          gateSeen = 'ready';
        },
        resolvConf,
        stateDir: plan.stateDir,
        confined: !security.privileged,
        warn: (m) => opts.onWarning?.(m),
      },
      step,
    );
    // Without a rootfs nothing here waited for the gate: the caller does, as late as it can.
    if (opts.rootfs === undefined) {
      started.readyFd = readyFd;
      ready![0] = -1;
    }
  } catch (e) {
    error = RunnerError.wrap('spawn', e);
    // A gate that died meanwhile is why (its own messages, if any, are on stderr already).
    const ended =
      gateSeen === undefined && started.child !== undefined && ready !== undefined && ready[0] >= 0 ? gateEndedEarly(ready[0], started.child) : undefined;
    if (ended !== undefined) error = new RunnerError(error.step, `${ended}; then ${error.reason}`, { cause: error.cause, field: error.field });
  } finally {
    for (const fd of [...(ready ?? []), ...(releasePipe ?? [])]) if (fd >= 0) closeSync(fd);
    const t0 = nowMs();
    const failed: string[] = [];
    for (const k of RESTORE_ORDER) {
      const fd = saved.get(k);
      if (fd === undefined) continue;
      try {
        nsEnter(fd, k);
      } catch (e) {
        failed.push(`${k}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    for (const fd of saved.values()) closeSync(fd);
    try {
      process.chdir(cwd); // setns(mnt) moved this thread's cwd to the namespace's root
    } catch (e) {
      failed.push(`cwd ${cwd}: ${e instanceof Error ? e.message : String(e)}`);
    }
    // Stuck in a foreign namespace is worse than any setup failure: that error wins.
    if (failed.length) error = new RunnerError('restore-namespaces', failed.join('; '), { cause: error });
    else opts.log?.('restore-namespaces', nowMs() - t0);
  }
  return { started, error };
}

/**
 * Where glibc cannot close the gate's other fds itself (closeOtherFds, 2.34+): marks every fd
 * of this process above 2 close-on-exec (for good: an fd the embedding program meant its own
 * children to inherit no longer reaches them). An fd the embedding program left open (a
 * directory above all) would otherwise reach the container, and with a rootfs let it read the
 * host's files through /proc/self/fd (the CVE-2024-21626 pattern). The gate gets only what
 * spawnProcess dup2s into place: stdio, the release pipe, the ready pipe.
 */
function closeStrayFdsOnExec(): void {
  try {
    closeRange(3, 0xffffffff, CLOSE_RANGE_CLOEXEC); // one call (the loop: ~0.9 ms)
    return;
  } catch (e) {
    if (!(e instanceof SysError && (e.code === 'ENOSYS' || e.code === 'EINVAL'))) throw e; // before Linux 5.11
  }
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= 2) continue;
    try {
      setCloexec(fd, true);
    } catch {
      // the directory listing's own fd, already closed
    }
  }
}

/** The gate's fds: 0-2, then the release pipe's read end at GATE_FD and the ready pipe's write end at GATE_READY_FD. */
function gateFds(stdio: readonly number[], release: number, ready: number): number[] {
  const fds = [...stdio];
  fds[GATE_FD] = release;
  fds[GATE_READY_FD] = ready;
  return fds;
}
