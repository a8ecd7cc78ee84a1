// nf_tables tests: why they cannot run here, and `nft` inside a test's namespace as the
// independent observer.
import { execFileSync } from 'node:child_process';
import { NetNs } from '@nsrun/sys';
import { NftClient } from '@nsrun/netlink/nf';
import { kernelSkipReason } from './kernel.js';

function reason() {
  if (kernelSkipReason) return kernelSkipReason;
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'the nft binary (nftables) is not installed: it is the observer of these tests';
  }
  const ns = NetNs.create();
  try {
    const c = NftClient.open({ netns: ns });
    try {
      c.dumpSync({ type: 1 /* NFT_MSG_GETTABLE */, family: 0 });
    } finally {
      c.close();
    }
    return null;
  } catch (e) {
    return `the kernel has no usable nf_tables (${e.message})`;
  } finally {
    ns.close();
  }
}

/** Why nf_tables cannot be tested here (not root, no nft binary, no nf_tables), or null. */
export const nftSkipReason = reason();

/** `nft ARGS` inside the test's namespace (`ctx.stdin` as its input); `-j` output parsed to the list of its objects. */
export function nft(ctx, ...args) {
  const out = execFileSync('nsenter', [`--net=${ctx.ns.procPath}`, 'nft', ...args], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    input: ctx.stdin ?? '',
  });
  return args.includes('-j') ? JSON.parse(out || '{"nftables":[]}').nftables : out;
}

/** `nft -f -` with `script`. */
export const nftFile = (ctx, script) => nft({ ...ctx, stdin: script }, '-f', '-');
