import { linkSetUp } from '@nsrun/netlink';
import { setUpNat } from '../nat/setup.js';
import { plug } from '../network/plug.js';
import { vethStamp } from '../network/stamp.js';
import { slirpPublish } from '../network/usernet.js';
import type { RunContext } from './context.js';

/**
 * The fourth phase, with the container's namespaces in place: root's bridge plugged in (veth,
 * address, route) and its NAT rules added; otherwise the container's loopback up; rootless,
 * the user-mode networking helper ready and its ports published.
 */
export async function wire(ctx: RunContext): Promise<void> {
  const { step, host, inner, netnsFd, plan, nat } = ctx;
  if (plan && host && inner && netnsFd !== undefined) {
    const record = ctx.record!;
    await plug(
      host,
      inner,
      { veth: ctx.veth!, bridgeIndex: ctx.bridgeIndex, netnsFd, ip: record.ip!, gateway: record.gateway!, stamp: vethStamp(record.stateDir, ctx.id) },
      step,
      ctx.rollback,
    );
    if (nat) ctx.record = await setUpNat(ctx.state, record, nat, step, ctx.rollback, ctx.opts.onNotice);
  } else if (inner) {
    await step('loopback', () => linkSetUp(inner, 'lo'));
  }
  const { usernet, apiSocket } = ctx;
  if (usernet) {
    await step('usernet', async () => usernet);
    if (apiSocket !== undefined) await step('usernet', () => slirpPublish(apiSocket, ctx.usernetPublish));
  }
}
