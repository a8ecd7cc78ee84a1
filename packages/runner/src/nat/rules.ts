import {
  accept,
  dnat,
  masquerade,
  match,
  nftChainAddRequest,
  nftTableAddRequest,
  NF_IP_PRI_NAT_DST,
  NF_IP_PRI_NAT_SRC,
  type NftRequest,
  type NftRuleSpec,
} from '@nsrun/netlink/nf';
import { fibDaddrLocal } from './fib.js';
import { ID_PATTERN } from '../state/names.js';
import type { PublishSpec } from './publish.js';

// What nsrun puts in nf_tables for one container. Everything lives in nsrun's own table
// `ip nsrun`, except the accept rules for hosts whose FORWARD drops by default (docker): those
// go where docker tells others to put theirs, `ip filter DOCKER-USER` (an accept in a chain of
// ours could not override a drop in docker's: every base chain on a hook must accept). Every
// rule carries the comment `nsrun:<id>`, by which it is found and removed.
//
// Masquerade is per container, for its own address: --nat is a container's option, and a rule
// for the whole subnet would NAT containers that did not ask for it (for as long as one that
// did is alive).

export const NAT_TABLE = 'nsrun';
/** The comment nsrun gives its table: a table `ip nsrun` without it is someone else's. */
export const NAT_TABLE_MARK = 'managed by nsrun';
export const NAT_CHAINS = ['postrouting', 'prerouting', 'output'] as const;
/** docker's chain for the admin's rules, jumped to first from its FORWARD (iptables-nft). */
export const DOCKER_USER = { family: 'ip' as const, table: 'filter', chain: 'DOCKER-USER' };

const TAG = 'nsrun:';
export const natTag = (id: string): string => `${TAG}${id}`;
/** The container id a rule's comment names, or undefined for a rule that is not ours. */
export const idOfTag = (comment: string | undefined): string | undefined =>
  comment?.startsWith(TAG) && ID_PATTERN.test(comment.slice(TAG.length)) ? comment.slice(TAG.length) : undefined;

export interface NatRequest {
  id: string;
  bridge: string;
  /** The container's address, bare. */
  ip: string;
  masquerade: boolean;
  publish: readonly PublishSpec[];
  /** Add the accept rules to DOCKER-USER (it exists). */
  dockerUser: boolean;
  /** The handle of DOCKER-USER's final `return`, to insert before it (else: appended). */
  dockerUserReturn?: number;
}

/** The table and base chains, created if absent (nft `add` semantics: existing ones are kept). */
export function natLayoutRequests(): NftRequest[] {
  const base = { family: 'ip' as const, table: NAT_TABLE, type: 'nat' as const };
  return [
    nftTableAddRequest({ family: 'ip', name: NAT_TABLE, comment: NAT_TABLE_MARK }),
    nftChainAddRequest({ ...base, name: 'postrouting', hook: 'postrouting', priority: NF_IP_PRI_NAT_SRC }),
    nftChainAddRequest({ ...base, name: 'prerouting', hook: 'prerouting', priority: NF_IP_PRI_NAT_DST }),
    nftChainAddRequest({ ...base, name: 'output', hook: 'output', priority: NF_IP_PRI_NAT_DST }),
  ];
}

const portMatch = (p: PublishSpec) => (p.proto === 'tcp' ? match.tcpDport(p.hostPort) : match.udpDport(p.hostPort));

/** The rules of one container, in the order they are added. */
export function natRuleSpecs(r: NatRequest): NftRuleSpec[] {
  const comment = natTag(r.id);
  const ours = (chain: string, expressions: NftRuleSpec['expressions']): NftRuleSpec => ({ family: 'ip', table: NAT_TABLE, chain, expressions, comment });
  const out: NftRuleSpec[] = [];
  // ip saddr CIP oifname != BR masquerade
  if (r.masquerade) out.push(ours('postrouting', [match.ipSaddr(r.ip), match.oifname(r.bridge, { neq: true }), masquerade()]));
  for (const p of r.publish) {
    // From outside: iifname != BR (ip daddr HOSTIP | fib daddr type local) tcp dport HP dnat to CIP:CP
    const to = p.hostIp !== undefined ? match.ipDaddr(p.hostIp) : fibDaddrLocal();
    out.push(ours('prerouting', [match.iifname(r.bridge, { neq: true }), to, portMatch(p), dnat(r.ip, p.containerPort)]));
    // From the host itself (loopback excluded: a reply could never come back to 127/8).
    const local = p.hostIp !== undefined ? match.ipDaddr(p.hostIp) : [...match.ipDaddr('127.0.0.0/8', { neq: true }), ...fibDaddrLocal()];
    out.push(ours('output', [local, portMatch(p), dnat(r.ip, p.containerPort)]));
  }
  if (r.dockerUser) {
    // Only this container's traffic, placed before DOCKER-USER's final `return` (after the
    // admin's own rules, which keep their say): its replies, its published ports, and (with
    // --nat) what it sends out.
    const du = (expressions: NftRuleSpec['expressions']): NftRuleSpec => ({
      ...DOCKER_USER,
      expressions,
      comment,
      ...(r.dockerUserReturn !== undefined && { position: r.dockerUserReturn, insert: true }),
    });
    out.push(du([match.oifname(r.bridge), match.ipDaddr(r.ip), match.ctState(['established', 'related']), accept()]));
    for (const p of r.publish)
      out.push(
        du([match.oifname(r.bridge), match.ipDaddr(r.ip), p.proto === 'tcp' ? match.tcpDport(p.containerPort) : match.udpDport(p.containerPort), accept()]),
      );
    if (r.masquerade) out.push(du([match.iifname(r.bridge), match.ipSaddr(r.ip), accept()]));
  }
  return out;
}
