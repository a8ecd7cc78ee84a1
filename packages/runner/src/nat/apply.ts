import {
  NetlinkError, NftClient, nftChainDelMsg, nftChainList, nftRuleAddMsg, nftRuleDelMsg, nftRuleList, nftTableDelMsg, nftTableList,
  NLM_F_NONREC, type NftMessage, type NftRule,
} from '@nsrun/netlink';
import { DOCKER_USER, NAT_TABLE, idOfTag, natLayoutMsgs, natRuleSpecs, type NatRequest } from './rules.js';

// Adding and removing one container's rules, each in one nf_tables transaction (all or
// nothing). No lock is needed among nsruns: the table and chains are created with `add`
// semantics in every adding batch, and the removing batch deletes chains and table with
// NLM_F_NONREC, which the kernel refuses (EBUSY) if a rule is left in them. So if another
// nsrun added a rule since we looked, our batch fails whole and we look again.

const RETRIES = 5;

/** nsrun's rules as they are now: the table's, and ours in DOCKER-USER. */
export async function nsrunRules(c: NftClient): Promise<{ table: NftRule[]; dockerUser: NftRule[] }> {
  const table = await absentIsEmpty(nftRuleList(c, { family: 'ip', table: NAT_TABLE }));
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

/** Adds the container's rules (and the table and chains if absent) in one transaction. */
export async function addNat(req: Omit<NatRequest, 'dockerUser'>): Promise<NatAdded> {
  const c = NftClient.open();
  try {
    const dockerUser = (await nftChainList(c, { family: DOCKER_USER.family, table: DOCKER_USER.table, name: DOCKER_USER.chain })).length > 0;
    const rules = natRuleSpecs({ ...req, dockerUser });
    await c.transaction([...natLayoutMsgs(), ...rules.map((r) => nftRuleAddMsg(r))]);
    return { rules: rules.length, dockerUser };
  } finally {
    c.close();
  }
}

const delRule = (r: NftRule): NftMessage =>
  nftRuleDelMsg({ family: 'ip', table: r.table, chain: r.chain, handle: r.handle as number });

/**
 * Removes every rule tagged with the container's id; deletes the table when no rule is left
 * in it. Returns how many rules were removed (0: there were none, e.g. already removed).
 */
export async function removeNat(id: string): Promise<number> {
  const c = NftClient.open();
  try {
    for (let attempt = 1; ; attempt++) {
      const { table, dockerUser } = await nsrunRules(c);
      const mine = [...table, ...dockerUser].filter((r) => idOfTag(r.comment) === id);
      const left = table.filter((r) => idOfTag(r.comment) !== id);
      const msgs = mine.map(delRule);
      if (left.length === 0 && (await nftTableList(c, { family: 'ip', name: NAT_TABLE })).length > 0) {
        for (const ch of await nftChainList(c, { family: 'ip', table: NAT_TABLE })) {
          msgs.push({ ...nftChainDelMsg({ family: 'ip', table: NAT_TABLE, name: ch.name }), flags: NLM_F_NONREC });
        }
        msgs.push({ ...nftTableDelMsg({ family: 'ip', name: NAT_TABLE }), flags: NLM_F_NONREC });
      }
      if (!msgs.length) return 0;
      try {
        await c.transaction(msgs);
        return mine.length;
      } catch (e) {
        // EBUSY: a rule was added since the dump; ENOENT: something we meant to delete is gone.
        const raced = e instanceof NetlinkError && (e.code === 'EBUSY' || e.code === 'ENOENT');
        if (!raced || attempt >= RETRIES) throw e;
      }
    }
  } finally {
    c.close();
  }
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
