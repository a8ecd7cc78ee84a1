import { NetlinkError } from '@nsrun/netlink';
import { NLM_F_NONREC } from '@nsrun/netlink/constants';
import {
  NftClient,
  nftChainDelRequest,
  nftChainList,
  nftRuleAddRequest,
  nftRuleDelRequest,
  nftRuleList,
  nftTableDelRequest,
  nftTableList,
  NFT_RETURN,
  type NftRequest,
  type NftRule,
} from '@nsrun/netlink/nf';
import { DOCKER_USER, NAT_CHAINS, NAT_TABLE, NAT_TABLE_MARK, idOfTag, natLayoutRequests, natRuleSpecs, type NatRequest } from './rules.js';

// Adding and removing one container's rules, each in one nf_tables transaction (all or
// nothing). No lock is needed among nsruns: the table (marked with nsrun's comment; a table of
// that name without it is someone else's and is never used, changed or deleted) and its chains
// are created with `add` semantics in every adding batch; removal deletes the container's rules
// in one batch and then, separately and only if nothing is left, the chains and the table with
// NLM_F_NONREC, which the kernel refuses (EBUSY) if another nsrun added a rule meanwhile.

const RETRIES = 5;

/** nsrun's rules as they are now: the table's, and ours in DOCKER-USER. */
export async function nsrunRules(c: NftClient): Promise<{ table: NftRule[]; dockerUser: NftRule[] }> {
  let mine = false;
  try {
    mine = await ownTable(c);
  } catch (e) {
    if (!(e instanceof ForeignTableError)) throw e;
  }
  const table = mine ? await absentIsEmpty(nftRuleList(c, { family: 'ip', table: NAT_TABLE })) : [];
  const du = await absentIsEmpty(nftRuleList(c, { family: 'ip', table: DOCKER_USER.table, chain: DOCKER_USER.chain }));
  return { table, dockerUser: du.filter((r) => idOfTag(r.comment) !== undefined) };
}

async function absentIsEmpty<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENOENT') return [];
    throw e;
  }
}

export interface NatAdded {
  /** Rules added (DOCKER-USER ones included). */
  rules: number;
  /** DOCKER-USER existed and got the container's accept rules. */
  dockerUser: boolean;
}

/** A table `ip nsrun` that nsrun did not make (no mark): refused, never used nor deleted. */
export class ForeignTableError extends Error {
  override readonly name = 'ForeignTableError';
}

/** nsrun's table, if there is one; throws when a table of that name is someone else's. */
async function ownTable(c: NftClient): Promise<boolean> {
  const [t] = await nftTableList(c, { family: 'ip', name: NAT_TABLE }).catch((e: unknown) => {
    if (e instanceof NetlinkError && e.code === 'ENOENT') return [];
    throw e;
  });
  if (!t) return false;
  if (t.comment !== NAT_TABLE_MARK) {
    throw new ForeignTableError(
      `table ip ${NAT_TABLE} exists and is not nsrun's (it lacks the comment "${NAT_TABLE_MARK}"): nsrun leaves it alone; rename or delete it to use --nat/--publish`,
    );
  }
  return true;
}

/** Handle of DOCKER-USER's last rule when it ends in `return` (docker's layout). */
function returnHandle(rules: readonly NftRule[]): number | undefined {
  const last = rules.at(-1);
  const v = last?.expressions.at(-1);
  return v?.kind === 'immediate' && 'verdict' in v.data && v.data.verdict.code === NFT_RETURN ? last!.handle : undefined;
}

/** Adds the container's rules (and the table and chains if absent) in one transaction. */
export async function addNat(req: Omit<NatRequest, 'dockerUser' | 'dockerUserReturn'>): Promise<NatAdded> {
  const c = NftClient.open();
  try {
    await ownTable(c);
    const du = await absentIsEmpty(nftRuleList(c, { family: DOCKER_USER.family, table: DOCKER_USER.table, chain: DOCKER_USER.chain }));
    const dockerUser =
      du.length > 0 || (await absentIsEmpty(nftChainList(c, { family: DOCKER_USER.family, table: DOCKER_USER.table, name: DOCKER_USER.chain }))).length > 0;
    const ret = returnHandle(du);
    const rules = natRuleSpecs({ ...req, dockerUser, ...(ret !== undefined && { dockerUserReturn: ret }) });
    await c.transaction([...natLayoutRequests(), ...rules.map((r) => nftRuleAddRequest(r))]);
    return { rules: rules.length, dockerUser };
  } finally {
    c.close();
  }
}

const delRule = (r: NftRule): NftRequest => nftRuleDelRequest({ family: 'ip', table: r.table, chain: r.chain, handle: r.handle as number });

/**
 * Removes every rule tagged with the container's id, in one transaction; then, as a separate
 * best effort, nsrun's chains and table when no rule is left in them (NLM_F_NONREC: the kernel
 * refuses, EBUSY, if anything was added meanwhile; then they simply stay). Returns how many
 * rules were removed (0: there were none, e.g. already removed).
 */
export async function removeNat(id: string): Promise<number> {
  const c = NftClient.open();
  try {
    let removed = 0;
    for (let attempt = 1; ; attempt++) {
      const { table, dockerUser } = await nsrunRules(c);
      const mine = [...table, ...dockerUser].filter((r) => idOfTag(r.comment) === id);
      if (!mine.length) break;
      try {
        await c.transaction(mine.map(delRule));
        removed = mine.length;
        break;
      } catch (e) {
        // ENOENT: a rule we meant to delete is gone (another remover): look again.
        if (!(e instanceof NetlinkError && e.code === 'ENOENT') || attempt >= RETRIES) throw e;
      }
    }
    await removeEmptyTable(c);
    return removed;
  } finally {
    c.close();
  }
}

/** Deletes nsrun's chains and table if no rule is left in them; anything in the way: they stay. */
async function removeEmptyTable(c: NftClient): Promise<void> {
  try {
    if (!(await ownTable(c))) return;
  } catch (e) {
    if (e instanceof ForeignTableError) return;
    throw e;
  }
  if ((await absentIsEmpty(nftRuleList(c, { family: 'ip', table: NAT_TABLE }))).length) return;
  const chains = (await absentIsEmpty(nftChainList(c, { family: 'ip', table: NAT_TABLE }))).filter((ch) => (NAT_CHAINS as readonly string[]).includes(ch.name));
  const msgs: NftRequest[] = chains.map((ch) => ({ ...nftChainDelRequest({ family: 'ip', table: NAT_TABLE, name: ch.name }), flags: NLM_F_NONREC }));
  msgs.push({ ...nftTableDelRequest({ family: 'ip', name: NAT_TABLE }), flags: NLM_F_NONREC });
  await c.transaction(msgs).catch((e: unknown) => {
    // EBUSY: something else is in the table now (a rule just added, or an object that is not ours).
    if (!(e instanceof NetlinkError && (e.code === 'EBUSY' || e.code === 'ENOENT'))) throw e;
  });
}

/** Ids named by nsrun's rules. */
export async function natIds(): Promise<Set<string>> {
  const c = NftClient.open();
  try {
    const { table, dockerUser } = await nsrunRules(c);
    return new Set([...table, ...dockerUser].map((r) => idOfTag(r.comment)).filter((x) => x !== undefined));
  } finally {
    c.close();
  }
}
