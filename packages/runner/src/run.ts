import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, rmSync, stat } from 'node:fs';
import type { NetdHandle } from './netd/client.js';
import { chooseNet, netdWire, rootlessDefaultNet } from './network/rootless-net.js';
import { dirname } from 'node:path';
import { nsUnshare } from '@nsrun/sys';
import { rootless } from './rootless.js';
import { linkSetUp, RtnlClient } from '@nsrun/netlink';
import { RunnerError } from './errors.js';
import { Rollback } from './rollback.js';
import { stepRunner } from './steps.js';
import { GATE_FD, GATE_GO, INIT_FORWARDS_INT_QUIT, PDEATHSIG_AVAILABLE, waitGateReady } from './gate.js';
import { bridgePlan } from './network/plan.js';
import { lease, removeBridgeIfUnused } from './network/lease.js';
import { vethName } from './network/names.js';
import { newId } from './state/names.js';
import { plug } from './network/plug.js';
import { isUsernet, validateRunOptions, type RunOptions } from './options.js';
import { slirpApiSocket, slirpPublish, startUsernet, usernetSettled } from './network/usernet.js';
import { mkdirs } from './state/files.js';
import { releaseRecord } from './release.js';
import { setUpNamespaces } from './setup.js';
import type { TtyProxy } from './tty.js';
import { forwardSignals } from './signals.js';
import { exitStatus } from './status.js';
import { planResolvConf } from './dns.js';
import { parsePublishList } from './nat/publish.js';
import { setUpNat } from './nat/setup.js';
import { checkPublishHost } from './nat/host.js';
import { removeNat } from './nat/apply.js';
import { StateDir } from './state/dir.js';
import { processIdentity } from './state/liveness.js';
import { boundCommand, RECORD_VERSION, type ContainerRecord } from './state/records.js';
import { vethStamp } from './network/stamp.js';

/** A running container. */
export interface RunHandle {
  /** 12 hex digits; names its veth and its record in the state directory. */
  readonly id: string;
  /** The command's pid as nsrun sees it (it is PID 1 inside, or its init is). */
  readonly pid: number;
  /** The container's address, CIDR (bridged network only). */
  readonly address: string | undefined;
  /** The host end of its veth pair (bridged network only). */
  readonly veth: string | undefined;
  /** The bridge it is attached to (bridged network only). */
  readonly bridge: string | undefined;
  /**
   * Resolves to the exit status (the command's own, 128+n for signal n, 126/127 from exec),
   * once the container is gone and its veth and lease are released.
   */
  wait(): Promise<number>;
  /** Sends a signal to the container's PID 1 (which ignores signals it has no handler for, except SIGKILL). */
  kill(signal?: NodeJS.Signals | number): boolean;
}

/**
 * Starts `opts.command` in new mount, pid, uts, ipc and network namespaces: PID 1 of its own
 * pid namespace, a fresh /proc and /sys, its own host name and (by default) an address on a
 * host bridge. Resolves once the command has been released to exec; rejects with a RunnerError
 * naming the failed step after undoing every earlier step (nothing left running or created,
 * nsrun back in its own namespaces).
 */
export async function run(opts: RunOptions): Promise<RunHandle> {
  const security = validateRunOptions(opts);
  const ctx = rootless();
  let net = chooseNet(opts, ctx !== undefined);
  // Rootless, the bridge is netd's to wire (its policy decides the bridge's subnet).
  const viaNetd = ctx !== undefined && net === 'bridge';
  const plan = net === 'bridge' && !viaNetd ? bridgePlan(opts) : undefined;
  const log = opts.log;
  const publish = opts.publish?.length ? parsePublishList(opts.publish) : [];
  const nat = plan && (opts.nat || publish.length) ? { masquerade: opts.nat === true, publish: publish as Exclude<typeof publish, string> } : undefined;
  // The host address and listeners on the host port: refused before anything is created.
  if (plan && nat?.publish.length)
    await checkPublishHost(nat.publish, { gateway: plan.gateway.split('/')[0]!, force: opts.publishForce, onWarning: opts.onWarning });
  const step = stepRunner(log, opts.faultAt);
  if (!PDEATHSIG_AVAILABLE) opts.onWarning?.('setpriv (util-linux) not found: if nsrun is killed, the container will outlive it');
  if (opts.init && !INIT_FORWARDS_INT_QUIT) opts.onWarning?.('bash not found: under the dash init the command ignores SIGINT and SIGQUIT');
  // Start libuv's thread pool now: no thread can be created while the main thread's
  // pid namespace for children is the new one (platform.md: Node aborts).
  await new Promise((resolve) => stat('/', resolve));
  const state = new StateDir(opts.stateDir, { onWarning: opts.onWarning });
  const id = newId();
  const veth = plan ? vethName(id) : undefined;
  const owner = processIdentity(process.pid);
  if (!owner) throw new RunnerError('state', "cannot read this process's own start time from /proc");
  const base: Omit<ContainerRecord, 'pidns' | 'stateDir'> = {
    version: RECORD_VERSION,
    id,
    kind: 'run',
    owner,
    pid: 0,
    net,
    ...boundCommand(opts.command),
    created: new Date().toISOString(),
    ...(veth !== undefined && { veth }),
    ...(opts.hostname !== undefined && { hostname: opts.hostname }),
    // Rootless, nsrun's pid means nothing outside its own pid namespace: its lock says it lives.
    ...(ctx && { ownerLock: true as const, hostPid: ctx.hostPid }),
  };
  let ownerLock: number | undefined;
  let record: ContainerRecord;
  const rollback = new Rollback();
  let host: RtnlClient | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<number> | undefined;
  let inner: RtnlClient | undefined;
  let netnsFd: number | undefined;
  let readyFd: number | undefined;
  let bridgeIndex = 0;
  let tty: TtyProxy | undefined;
  let attachment: NetdHandle | undefined;
  let apiSocket: string | undefined;
  try {
    if (ctx) {
      ownerLock = await step('state', async () => state.holdOwnerLock(id));
      // A failure before the record exists leaves no lock file behind either.
      rollback.push('state', async () => state.remove(id, { ownerLock: true }));
    }
    // Rootless, nsrun itself moves to a network namespace of its own (it never needs the host's:
    // netd and the launcher's agent are reached by path and pipe), and the container shares it.
    // A process outside (netd, slirp4netns) then finds it by nsrun's own socket or pid.
    if (ctx && net !== 'host') await step('unshare-net', async () => nsUnshare('net'));
    if (viaNetd) {
      // Without --net (nor an option only the bridge has), a netd that is not there or has no
      // rule for this user means user-mode networking instead.
      const fallback = opts.net === undefined && opts.bridge === undefined && opts.ip === undefined && !opts.nat;
      const got = await netdWire(opts, fallback);
      if (typeof got === 'string') {
        net = rootlessDefaultNet(got);
        base.net = net;
      } else {
        attachment = got;
        const a = got;
        rollback.push('netd', async () => void (await a.release()));
        Object.assign(base, { bridge: a.bridge, gateway: a.gateway, ip: a.ip });
      }
    }
    if (plan) {
      host = await step('netlink-socket', async () => RtnlClient.open());
      const h = host;
      // The record names its published ports from the start: a concurrent run sees them under the lock.
      const got = await lease(
        state,
        h,
        {
          bridge: plan.bridge,
          gateway: plan.gateway,
          subnet: plan.subnet,
          wanted: plan.wanted,
          publish: nat?.publish ?? [],
          record: nat ? { ...base, nat } : base,
          signal: opts.signal,
        },
        step,
      );
      bridgeIndex = got.bridge.index;
      if (got.bridge.created) rollback.push('bridge', () => removeBridgeIfUnused(state, h, plan.bridge));
      record = got.record;
      const rec = record;
      rollback.push('lease', () => releaseRecord(state, h, rec));
    } else {
      record = await step('state', async () => {
        const rec = { ...base, ...state.origin() };
        state.write(rec);
        return rec;
      });
      const rec = record;
      rollback.push('state', async () => state.remove(rec.id, { ownerLock: rec.ownerLock }));
    }

    const env = { ...process.env, ...opts.env };
    if (opts.tty) {
      // Loaded only when asked for (node:tty costs a few ms of every start).
      tty = await step('tty', async () => (await import('./tty.js')).TtyProxy.open());
      const t = tty;
      rollback.push('tty', async () => t.close());
    }
    const dns = planResolvConf({ dns: opts.dns, net }, opts.resolvFiles);
    for (const w of dns.warnings) opts.onWarning?.(w);
    // Started now, attached while the namespaces are set up (the launcher's agent starts it).
    const usernetPublish = isUsernet(net) ? (publish as Exclude<typeof publish, string>) : [];
    let usernet: Promise<number> | undefined;
    const api = net === 'slirp4netns' && usernetPublish.length ? slirpApiSocket(state.path, id) : undefined;
    apiSocket = api;
    if (ctx && isUsernet(net)) {
      if (api !== undefined) await step('usernet', async () => mkdirs(dirname(api)));
      const u = startUsernet(net, ctx, { publish: usernetPublish, ...(api !== undefined && { apiSocket: api }) });
      usernet = u;
      u.catch(() => {}); // awaited below; a failure before that is not unhandled
      // slirp4netns makes its API socket while it starts: removed once it has (or has failed),
      // or a failure early in setup would leave the socket behind.
      if (api !== undefined)
        rollback.push('usernet', async () => {
          await usernetSettled(u);
          rmSync(api, { force: true });
        });
    }
    const { started, error } = setUpNamespaces(opts, env, {
      tty,
      resolvConf: dns.text,
      security,
      stateDir: state.path,
      sharedNet: ctx !== undefined,
      noSysfs: ctx !== undefined && net === 'host',
    });
    child = started.child;
    inner = started.nl;
    netnsFd = started.netnsFd;
    readyFd = started.readyFd;
    if (child) {
      const c = child;
      exited = exitPromise(c);
      const ex = exited;
      // The gate is PID 1 of its namespace: only SIGKILL from outside ends it for sure.
      rollback.push('spawn', async () => {
        if (c.pid !== undefined) c.kill('SIGKILL');
        await ex;
      });
    }
    if (error?.step === 'spawn' && child && child.pid === undefined) {
      // Node reports why spawn failed on the next tick.
      const [e] = (await once(child, 'error')) as [Error];
      throw RunnerError.wrap('spawn', e);
    }
    if (error) throw error;
    const c = child!;
    record = { ...record, pid: c.pid! };
    state.write(record);

    if (plan && host && inner && netnsFd !== undefined) {
      const h = host;
      await plug(
        h,
        inner,
        { veth: veth!, bridgeIndex, netnsFd, ip: record.ip!, gateway: record.gateway!, stamp: vethStamp(record.stateDir, id) },
        step,
        rollback,
      );
      if (nat) record = await setUpNat(state, record, nat, step, rollback, opts.onNotice);
    } else if (inner) {
      const nl = inner;
      await step('loopback', () => linkSetUp(nl, 'lo'));
    }
    if (usernet) {
      const u = usernet;
      await step('usernet', async () => u);
      if (api !== undefined) await step('usernet', () => slirpPublish(api, usernetPublish));
    }
    // Not before the gate's parent-death signal is set (gate.ts, GATE_READY_FD): a release
    // before it would let a container outlive an nsrun killed right after.
    if (readyFd !== undefined) {
      const fd = readyFd;
      await step('release', async () => waitGateReady(fd));
    }
    if (opts.faultAt === 'release') throw new RunnerError('release', 'injected failure (faultAt)');
    if (opts.signal?.aborted) throw new RunnerError('release', 'interrupted before the command started');
  } catch (e) {
    const failure = await rollback.undo(e, 'spawn');
    host?.close();
    if (ownerLock !== undefined) closeSync(ownerLock);
    throw failure;
  } finally {
    inner?.close();
    if (netnsFd !== undefined) closeSync(netnsFd);
    if (readyFd !== undefined) closeSync(readyFd);
  }

  const c = child!;
  const gate = c.stdio[GATE_FD] as NodeJS.WritableStream & { on(ev: 'error', fn: () => void): void };
  gate.on('error', () => {}); // the command died first (EPIPE): its exit status tells the story
  // From here the container's output goes through nsrun (its copy of the slave closes).
  tty?.start();
  gate.end(GATE_GO);
  log?.('release', 0);
  const unforward = forwardSignals(c, { stopTimeout: opts.stopTimeout ?? 10 });
  // The host socket was for setup and its undo; the container needs nothing of it.
  host?.close();
  const rec = record;
  const t = tty;
  const sock = apiSocket;
  const status = exited!.then(async (s) => {
    unforward();
    if (t) {
      // All of the container's output copied, then the terminal given back as it was.
      await t.done.catch((e: unknown) => opts.onWarning?.(`terminal: ${e instanceof Error ? e.message : String(e)}`));
      t.close();
    }
    // PID 1 is gone, so is every process of its pid namespace, and nothing of nsrun's holds its
    // network namespace any more (socket and fd closed after setup): the kernel is tearing it
    // down, and a veth pair dies with either end. Deleting the host end here would only put
    // that work (an RCU wait, ~17 ms measured) on nsrun's exit path. The lease goes now; a
    // host end that something kept alive (a root process holding the container's netns) is
    // what `nsrun gc` deletes.
    try {
      // The rules first: a record is what lets gc find rules left behind. Then the lease and
      // the record, without the lock (state/dir.ts: drop).
      if (rec.nat) await removeNat(rec.id);
      if (sock !== undefined) rmSync(sock, { force: true });
      // netd's attachment is not released from here: the namespace goes with nsrun (the
      // container shares nsrun's), its veth with it, and netd releases the lease and rules
      // when the kernel says so (RTM_DELLINK). Asking would put netd's veth deletion (an RCU
      // wait) on this exit path, as root mode avoids too.
      state.drop(rec);
    } catch (e) {
      opts.onWarning?.(`cleanup of ${rec.id}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    if (ownerLock !== undefined) closeSync(ownerLock);
    return s;
  });
  return {
    id,
    pid: c.pid!,
    address: record.ip,
    veth: veth ?? attachment?.veth,
    bridge: record.bridge,
    wait: () => status,
    kill: (signal = 'SIGTERM') => c.kill(signal),
  };
}

function exitPromise(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
    // A failed spawn emits 'error' and no 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) resolve(125);
    });
  });
}
