import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { nsUnshare } from '@nsrun/sys';
import { RtnlClient } from '@nsrun/netlink';
import { planResolvConf } from '../dns.js';
import { lease, removeBridgeIfUnused } from '../network/lease.js';
import { netdWire, rootlessDefaultNet } from '../network/rootless-net.js';
import { slirpApiSocket, startUsernet, usernetSettled } from '../network/usernet.js';
import { isUsernet } from '../options.js';
import { releaseRecord } from '../release.js';
import { mkdirs } from '../state/files.js';
import type { BridgePlan } from '../network/plan.js';
import type { RunContext } from './context.js';

/**
 * The second phase, on the host before the container exists: its record (and rootless, the
 * owner lock), its network's host side (netd's attachment, or the bridge and a lease), its
 * terminal, its resolv.conf, and the user-mode networking helper started.
 */
export async function prepareHost(ctx: RunContext): Promise<void> {
  const { opts, state, step, rollback, rootless } = ctx;
  if (rootless) {
    const id = ctx.id;
    ctx.ownerLock = await step('state', async () => state.holdOwnerLock(id));
    // A failure before the record exists leaves no lock file behind either.
    rollback.push('state', async () => state.remove(id, { ownerLock: true }));
  }
  // Rootless, nsrun itself moves to a network namespace of its own (it never needs the host's:
  // netd and the launcher's agent are reached by path and pipe), and the container shares it.
  // A process outside (netd, slirp4netns) then finds it by nsrun's own socket or pid.
  if (rootless && ctx.net !== 'host') await step('unshare-net', async () => nsUnshare('net'));
  if (ctx.viaNetd) await attachThroughNetd(ctx);
  if (ctx.plan) await leaseOnBridge(ctx, ctx.plan);
  else await writeRecord(ctx);
  if (opts.tty) {
    // Loaded only when asked for (node:tty costs a few ms of every start).
    const tty = await step('tty', async () => (await import('../tty.js')).TtyProxy.open());
    ctx.tty = tty;
    rollback.push('tty', async () => tty.close());
  }
  const dns = planResolvConf({ dns: opts.dns, net: ctx.net }, opts.resolvFiles);
  for (const w of dns.warnings) opts.onWarning?.(w);
  ctx.resolvConf = dns.text;
  await startUsernetHelper(ctx);
}

/**
 * Rootless --net bridge: netd wires nsrun's network namespace. Without --net (nor an option
 * only the bridge has), a netd that is not there or has no rule for this user means user-mode
 * networking instead.
 */
async function attachThroughNetd(ctx: RunContext): Promise<void> {
  const { opts } = ctx;
  const fallback = opts.net === undefined && opts.bridge === undefined && opts.ip === undefined && !opts.nat;
  const got = await netdWire(opts, fallback, ctx.fault);
  if (typeof got === 'string') {
    ctx.net = rootlessDefaultNet(got);
    ctx.base.net = ctx.net;
  } else {
    ctx.attachment = got;
    ctx.rollback.push('netd', async () => void (await got.release()));
    Object.assign(ctx.base, { bridge: got.bridge, gateway: got.gateway, ip: got.ip });
  }
}

/** Root's bridge: the host socket, then the bridge made or checked and an address leased. */
async function leaseOnBridge(ctx: RunContext, plan: BridgePlan): Promise<void> {
  const { state, step, rollback, nat, base } = ctx;
  const host = await step('netlink-socket', async () => RtnlClient.open());
  ctx.host = host;
  // The record names its published ports from the start: a concurrent run sees them under the lock.
  const got = await lease(
    state,
    host,
    {
      bridge: plan.bridge,
      gateway: plan.gateway,
      subnet: plan.subnet,
      wanted: plan.wanted,
      publish: nat?.publish ?? [],
      record: nat ? { ...base, nat } : base,
      signal: ctx.opts.signal,
    },
    step,
  );
  ctx.bridgeIndex = got.bridge.index;
  if (got.bridge.created) rollback.push('bridge', () => removeBridgeIfUnused(state, host, plan.bridge));
  const record = got.record;
  ctx.record = record;
  rollback.push('lease', () => releaseRecord(state, host, record));
}

/** Any other network: the record alone. */
async function writeRecord(ctx: RunContext): Promise<void> {
  const { state, base } = ctx;
  const record = await ctx.step('state', async () => {
    const rec = { ...base, ...state.origin() };
    state.write(rec);
    return rec;
  });
  ctx.record = record;
  ctx.rollback.push('state', async () => state.remove(record.id, { ownerLock: record.ownerLock }));
}

/** Rootless user-mode networking: its helper started now (by the launcher's agent), attached while the namespaces are set up. */
async function startUsernetHelper(ctx: RunContext): Promise<void> {
  const { net, rootless, step, rollback } = ctx;
  const publish = isUsernet(net) ? ctx.publish : [];
  ctx.usernetPublish = publish;
  const api = net === 'slirp4netns' && publish.length ? slirpApiSocket(ctx.state.path, ctx.id) : undefined;
  ctx.apiSocket = api;
  if (!rootless || !isUsernet(net)) return;
  if (api !== undefined) await step('usernet', async () => mkdirs(dirname(api)));
  const u = startUsernet(net, rootless, { publish, ...(api !== undefined && { apiSocket: api }) });
  ctx.usernet = u;
  u.catch(() => {}); // awaited by wire; a failure before that is not unhandled
  // slirp4netns makes its API socket while it starts: removed once it has (or has failed),
  // or a failure early in setup would leave the socket behind.
  if (api !== undefined)
    rollback.push('usernet', async () => {
      await usernetSettled(u);
      rmSync(api, { force: true });
    });
}
