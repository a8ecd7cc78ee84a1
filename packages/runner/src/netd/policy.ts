import { readFileSync } from 'node:fs';
import { checkIfname, ValidationError } from '@nsrun/netlink';
import { parseGateway } from '../state/leases.js';
import type { PublishSpec } from '../nat/publish.js';
import { NetdError } from './errors.js';

// Who may ask nsrun netd for what: /etc/nsrun/usernet, in the spirit of LXC's lxc-usernet.
// One rule a line, `#` starts a comment:
//
//   USER|UID|@GROUP BRIDGE MAX [nat] [publish=LOW-HIGH] [subnet=CIDR]
//
// e.g. `alice brg0 4 nat publish=8000-8999`: alice may have 4 namespaces on brg0 at once, with
// --nat, publishing host ports 8000 to 8999. Without `publish=` no port may be published; a
// port below 1024 only if the range says so. `subnet=` is the bridge's address when netd
// creates it (default: the existing bridge's, else 10.10.10.1/24). The first rule that names
// the caller (by name, uid, or one of their groups) and the bridge asked for decides; no bridge
// asked for: the first rule that names the caller.

export const DEFAULT_POLICY = '/etc/nsrun/usernet';

export type Who = { kind: 'user'; name: string } | { kind: 'uid'; uid: number } | { kind: 'group'; name: string } | { kind: 'gid'; gid: number };

export interface PolicyRule {
  who: Who;
  bridge: string;
  max: number;
  nat: boolean;
  /** Host ports it may publish, inclusive; undefined: none. */
  publish: readonly [number, number] | undefined;
  /** The bridge's address (CIDR) when netd creates it. */
  subnet: string | undefined;
  /** `FILE:LINE`, for messages. */
  where: string;
}

export interface Policy {
  file: string;
  rules: PolicyRule[];
}

/** The caller, as the kernel named it (SO_PEERCRED, SO_PEERGROUPS). */
export interface Caller {
  uid: number;
  gid: number;
  groups: readonly number[];
}

const MAX_RULE_MAX = 4096;
const ID_MAX = 0xfffffffe;

const policyError = (where: string, reason: string): NetdError => new NetdError('policy', `${where}: ${reason}`, { object: where });

function parseId(text: string, what: string, where: string): number {
  const n = Number(text);
  if (!/^[0-9]{1,10}$/.test(text) || n > ID_MAX) throw policyError(where, `${JSON.stringify(text)} is not a ${what} (0 to ${ID_MAX})`);
  return n;
}

/** Parses a policy file's text; NetdError (step `policy`) naming FILE:LINE for anything wrong. */
export function parsePolicy(text: string, file: string): Policy {
  const rules: PolicyRule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    const words = lines[i]!.replace(/#.*/, '')
      .trim()
      .split(/[ \t]+/)
      .filter(Boolean);
    if (!words.length) continue;
    if (words.length < 3)
      throw policyError(where, `want USER|UID|@GROUP BRIDGE MAX [nat] [publish=LOW-HIGH] [subnet=CIDR], got ${JSON.stringify(words.join(' '))}`);
    const [whoText, bridge, maxText, ...opts] = words as [string, string, string, ...string[]];
    let who: Who;
    if (whoText.startsWith('@')) {
      const g = whoText.slice(1);
      if (!g) throw policyError(where, 'a group after @ is missing');
      who = /^[0-9]+$/.test(g) ? { kind: 'gid', gid: parseId(g, 'gid', where) } : { kind: 'group', name: g };
    } else {
      who = /^[0-9]+$/.test(whoText) ? { kind: 'uid', uid: parseId(whoText, 'uid', where) } : { kind: 'user', name: whoText };
    }
    try {
      checkIfname('bridge', bridge);
    } catch (e) {
      throw policyError(where, `bridge ${JSON.stringify(bridge)}: ${e instanceof ValidationError ? e.reason : String(e)}`);
    }
    const max = Number(maxText);
    if (!/^[0-9]+$/.test(maxText) || max > MAX_RULE_MAX) throw policyError(where, `MAX ${JSON.stringify(maxText)} is not a count (0 to ${MAX_RULE_MAX})`);
    const rule: PolicyRule = { who, bridge, max, nat: false, publish: undefined, subnet: undefined, where };
    const seen = new Set<string>();
    for (const o of opts) {
      const key = o.includes('=') ? o.slice(0, o.indexOf('=')) : o;
      if (seen.has(key)) throw policyError(where, `${key} given twice`);
      seen.add(key);
      if (o === 'nat') rule.nat = true;
      else if (key === 'publish') {
        const m = /^publish=([0-9]{1,5})-([0-9]{1,5})$/.exec(o);
        const lo = Number(m?.[1]);
        const hi = Number(m?.[2]);
        if (!m || lo < 1 || hi > 65535 || lo > hi) throw policyError(where, `${JSON.stringify(o)}: want publish=LOW-HIGH, ports 1 to 65535, LOW <= HIGH`);
        rule.publish = [lo, hi];
      } else if (key === 'subnet') {
        const cidr = o.slice('subnet='.length);
        try {
          parseGateway(cidr);
        } catch (e) {
          throw policyError(where, `subnet ${JSON.stringify(cidr)}: ${e instanceof Error ? e.message : String(e)}`);
        }
        rule.subnet = cidr;
      } else throw policyError(where, `unknown option ${JSON.stringify(o)} (nat, publish=LOW-HIGH, subnet=CIDR)`);
    }
    rules.push(rule);
  }
  return { file, rules };
}

/** Reads and parses the policy file (NetdError naming it when it cannot be read). */
export function readPolicy(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NetdError('policy', `cannot read ${file}: ${code ?? String(e)}${code === 'ENOENT' ? ' (no user may use netd until root writes it)' : ''}`, {
      object: file,
      code,
    });
  }
  return parsePolicy(text, file);
}

/** Names and numbers from /etc/passwd and /etc/group (name -> id), read when a rule names someone. */
export interface Names {
  users: ReadonlyMap<string, number>;
  groups: ReadonlyMap<string, number>;
}

function readIdFile(path: string): Map<string, number> {
  const out = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return out; // no such file: no names (numeric rules still work)
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] && /^[0-9]+$/.test(f[2]!) && !out.has(f[0])) out.set(f[0], Number(f[2]));
  }
  return out;
}

export function systemNames(): Names {
  return { users: readIdFile('/etc/passwd'), groups: readIdFile('/etc/group') };
}

function matches(who: Who, c: Caller, names: Names): boolean {
  switch (who.kind) {
    case 'uid':
      return who.uid === c.uid;
    case 'user':
      return names.users.get(who.name) === c.uid;
    case 'gid':
      return who.gid === c.gid || c.groups.includes(who.gid);
    case 'group': {
      const gid = names.groups.get(who.name);
      return gid !== undefined && (gid === c.gid || c.groups.includes(gid));
    }
  }
}

/** The rule for `caller` on `bridge` (or their first rule); refused (step `policy`) naming the file. */
export function ruleFor(policy: Policy, caller: Caller, bridge: string | undefined, names: Names = systemNames()): PolicyRule {
  const mine = policy.rules.filter((r) => matches(r.who, caller, names));
  const name = [...names.users].find(([, u]) => u === caller.uid)?.[0];
  const who = `uid ${caller.uid}${name === undefined ? '' : ` (${name})`}`;
  if (!mine.length) throw new NetdError('policy', `${policy.file} has no rule for ${who}: ask root to add one (USER BRIDGE MAX ...)`, { object: policy.file });
  if (bridge === undefined) return mine[0]!;
  const rule = mine.find((r) => r.bridge === bridge);
  if (!rule)
    throw new NetdError('policy', `${policy.file} does not let ${who} use bridge ${bridge} (only ${[...new Set(mine.map((r) => r.bridge))].join(', ')})`, {
      object: policy.file,
      field: 'bridge',
    });
  return rule;
}

/** Refuses what the rule does not allow: --nat, a published host port outside its range. */
export function checkRuleAllows(rule: PolicyRule, nat: boolean, publish: readonly PublishSpec[]): void {
  if (nat && !rule.nat) throw new NetdError('policy', `--nat is not allowed by ${rule.where} (the rule has no "nat")`, { object: rule.where, field: 'nat' });
  for (const p of publish) {
    if (!rule.publish)
      throw new NetdError('policy', `publishing host port ${p.hostPort}/${p.proto} is not allowed by ${rule.where} (the rule has no publish=LOW-HIGH)`, {
        object: rule.where,
        field: 'publish',
      });
    const [lo, hi] = rule.publish;
    if (p.hostPort < lo || p.hostPort > hi)
      throw new NetdError('policy', `host port ${p.hostPort}/${p.proto} is outside ${lo}-${hi}, the range ${rule.where} allows`, {
        object: rule.where,
        field: 'publish',
      });
  }
}
