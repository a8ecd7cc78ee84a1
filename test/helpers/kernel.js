// Shared helpers for tests that need the real kernel: a fresh network namespace per test, a
// client bound to it, and `ip -j` run inside it as the independent observer.
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import { NetNs } from '@nsrun/sys';
import { RtnlClient } from '@nsrun/netlink';

/** Why kernel tests cannot run here, or null when they can. */
export const kernelSkipReason =
  process.getuid?.() !== 0
    ? 'needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN to create network namespaces); run `npm test` as root'
    : process.env.NSRUN_TEST_SANDBOX !== '1'
      ? 'runs only inside the test sandbox; use `npm test` (it creates one with unshare)'
      : null;

/** Resolves to the error `p` rejects with; fails the test when it resolves instead. */
export async function rejection(p, what) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error(`${what}: expected a rejection, but it succeeded`);
}

/** Prints a skip that the test runner counts (uvu has no runtime skip). */
export function skip(reason) {
  // Own line: uvu prints its progress dots without a newline.
  console.log(`\n# SKIP ${reason}`);
}

/**
 * A uvu suite whose tests each get `ctx.ns` (a fresh network namespace), `ctx.nl` (a client
 * bound to it) and `ctx.ip(...args)` (iproute2 inside it; `-j` output parsed). Without root
 * every test is registered as skipped and the reason printed once.
 */
export function kernelSuite(name) {
  const s = suite(name);
  if (kernelSkipReason) {
    console.log(`# kernel tests of "${name}" skipped: ${kernelSkipReason}`);
    const skipping = (title) => s.skip(title, () => {});
    skipping.skip = skipping;
    skipping.only = skipping;
    skipping.run = () => s.run();
    skipping.before = Object.assign(() => {}, { each: () => {} });
    skipping.after = Object.assign(() => {}, { each: () => {} });
    return skipping;
  }
  s.before.each((ctx) => {
    ctx.ns = NetNs.create();
    ctx.nl = RtnlClient.open({ netns: ctx.ns });
    ctx.ip = (...args) => ipIn(ctx.ns, ...args);
    ctx.sh = (cmd) => shIn(ctx.ns, cmd);
    ctx.ns.run(() => execFileSync('ip', ['link', 'set', 'lo', 'up']));
  });
  s.after.each((ctx) => {
    ctx.nl?.close();
    ctx.ns?.close();
  });
  const t = (title, fn) => s(title, fn);
  t.skip = s.skip;
  t.only = s.only;
  t.run = () => s.run();
  t.before = s.before;
  t.after = s.after;
  return t;
}

/** Runs `ip ARGS` inside `ns`; parses the output as JSON when `-j` is among the args. */
export function ipIn(ns, ...args) {
  const out = execFileSync('nsenter', [`--net=${ns.procPath}`, 'ip', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return args.includes('-j') ? JSON.parse(out || '[]') : out;
}

/** Runs a shell command inside `ns`; returns stdout. */
export function shIn(ns, cmd) {
  return execFileSync('nsenter', [`--net=${ns.procPath}`, 'sh', '-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A link's operstate as `ip -j` shows it, with UNKNOWN and carrier read as UP: for comparing
 * links made two ways. The kernel sets a device's operstate only when linkwatch handles a
 * carrier change (linkwatch_init_dev sets it at registration only if the carrier is off then).
 * A bridge is registered with its carrier on, and one whose port was enabled before the port's
 * own first linkwatch pass never sees a change: it keeps IF_OPER_UNKNOWN for good, whoever made
 * it (a race between the veth's two ends coming up, not a setting; netif_oper_up counts UNKNOWN
 * as up, so it forwards). A veth can lose the same race (seen: a bridge port, in ip-batch).
 * @param {{ operstate?: string, flags?: string[] }} link
 */
export function settledOperstate(link) {
  return link.operstate === 'UNKNOWN' && link.flags?.includes('LOWER_UP') ? 'UP' : link.operstate;
}
