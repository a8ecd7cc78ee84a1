import { Buffer } from 'node:buffer';
import {
  NftClient,
  NFT_META_IIFNAME,
  NFT_META_OIFNAME,
  NFT_META_L4PROTO,
  NFT_PAYLOAD_NETWORK_HEADER,
  NFT_CMP_NEQ,
  NF_ACCEPT,
  NF_DROP,
  NFT_RETURN,
  NFT_NAT_DNAT,
  type Expr,
  type NftRule,
} from '@nsrun/netlink/nf';
import { nsrunRules } from './apply.js';
import { idOfTag } from './rules.js';

// `nsrun nat show`: nsrun's rules as the kernel has them, each with the container its comment
// names and a one-line text in nft's words for the shapes nsrun writes (others by kind name).

export interface NatRuleInfo {
  /** The container the rule's comment names (undefined: a rule in nsrun's table that is not tagged). */
  id: string | undefined;
  family: string;
  table: string;
  chain: string;
  handle: number | undefined;
  rule: string;
}

export async function natShow(): Promise<NatRuleInfo[]> {
  const c = NftClient.open();
  try {
    const { table, dockerUser } = await nsrunRules(c);
    return [...table, ...dockerUser].map((r: NftRule) => ({
      id: idOfTag(r.comment),
      family: String(r.family),
      table: r.table,
      chain: r.chain,
      handle: r.handle,
      rule: ruleText(r.expressions),
    }));
  } finally {
    c.close();
  }
}

const ip = (b: Buffer): string => [...b].join('.');
const PROTO: Record<number, string> = { 6: 'tcp', 17: 'udp' };

/** nft-like text for nsrun's rule shapes. */
export function ruleText(exprs: readonly Expr[]): string {
  const out: string[] = [];
  let loaded: string | undefined;
  let proto: string | undefined;
  let prefix: number | undefined;
  const regs: Buffer[] = [];
  for (const e of exprs) {
    switch (e.kind) {
      case 'meta':
        loaded = e.key === NFT_META_IIFNAME ? 'iifname' : e.key === NFT_META_OIFNAME ? 'oifname' : e.key === NFT_META_L4PROTO ? 'l4proto' : `meta ${e.key}`;
        break;
      case 'payload':
        loaded =
          e.base === NFT_PAYLOAD_NETWORK_HEADER
            ? e.offset === 12
              ? 'ip saddr'
              : e.offset === 16
                ? 'ip daddr'
                : `ip @${e.offset}`
            : `${proto ?? 'th'} ${e.offset === 0 ? 'sport' : e.offset === 2 ? 'dport' : `@${e.offset}`}`;
        prefix = e.base === NFT_PAYLOAD_NETWORK_HEADER && e.len < 4 ? e.len * 8 : undefined;
        break;
      case 'bitwise':
        prefix = [...(e.mask ?? [])].reduce((n, b) => n + b.toString(2).replace(/0/g, '').length, 0);
        break;
      case 'cmp': {
        const op = e.op === NFT_CMP_NEQ ? '!= ' : '';
        if (loaded === 'l4proto') {
          proto = PROTO[e.data[0] as number] ?? String(e.data[0]);
          break; // implied by the port match that follows
        }
        let v: string;
        if (loaded === 'iifname' || loaded === 'oifname') v = `"${e.data.toString('utf8').replace(/\0+$/, '')}"`;
        else if (loaded?.startsWith('ip ')) {
          const a = Buffer.concat([e.data, Buffer.alloc(4 - Math.min(4, e.data.length))]);
          v = `${ip(a)}${prefix !== undefined && prefix < 32 ? `/${prefix}` : ''}`;
        } else if (loaded?.endsWith('port') && e.data.length === 2) v = String(e.data.readUInt16BE(0));
        else v = `0x${e.data.toString('hex')}`;
        out.push(`${loaded ?? '?'} ${op}${v}`);
        loaded = undefined;
        prefix = undefined;
        break;
      }
      case 'unknown':
        if (e.name === 'fib') loaded = 'fib daddr type';
        else out.push(e.name);
        break;
      case 'immediate':
        if ('verdict' in e.data) {
          const { code, chain } = e.data.verdict;
          out.push(code === NF_ACCEPT ? 'accept' : code === NF_DROP ? 'drop' : code === NFT_RETURN ? 'return' : chain ? `jump ${chain}` : `verdict ${code}`);
        } else regs.push(e.data.value);
        break;
      case 'masq':
        out.push('masquerade');
        break;
      case 'nat': {
        const [addr, port] = regs;
        out.push(`${e.type === NFT_NAT_DNAT ? 'dnat' : 'snat'} to ${addr ? ip(addr) : '?'}${port ? `:${port.readUInt16BE(0)}` : ''}`);
        regs.length = 0;
        break;
      }
      default:
        out.push(e.kind);
    }
  }
  // `fib daddr type` compares against RTN_LOCAL (2) in host order.
  return out.join(' ').replace(/fib daddr type 0x02000000/, 'fib daddr type local');
}
