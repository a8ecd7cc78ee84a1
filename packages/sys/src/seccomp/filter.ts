import { assemble, BpfError, type Insn } from './bpf.js';
import {
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  SECCOMP_DATA_ARCH,
  SECCOMP_DATA_ARGS,
  SECCOMP_DATA_NR,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_DATA,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_LOG,
} from './constants.js';
import { AARCH64, I386, X86_64 } from './syscalls.js';

// A seccomp filter from a declarative policy: per system call name, an ordered list of rules
// (the first whose argument conditions hold decides), a default for the other known calls, one
// for numbers newer than the tables (ENOSYS lets libc fall back, as runc does), and one for
// foreign architectures. Compiled per architecture into a binary search over the call number,
// so any call costs about log2(ranges) comparisons.

export type SeccompAction = { kind: 'allow' } | { kind: 'errno'; errno: number } | { kind: 'log' } | { kind: 'kill-process' };

/**
 * A condition on one argument, compared on its low 32 bits: the kernel reads the arguments a
 * policy looks at (flags, a domain, a personality) as 32-bit values, so high bits a caller
 * sets cannot make a call look different from what the kernel does with it.
 */
export type ArgCondition = { arg: number; op: 'eq' | 'ne'; value: number } | { arg: number; op: 'masked-eq'; mask: number; value: number };

export interface SyscallRule {
  /** The system call, by its kernel name; one that an architecture lacks is skipped there. */
  name: string;
  action: SeccompAction;
  /** All must hold for the rule to apply; none: it always applies. */
  when?: readonly ArgCondition[];
}

export interface SeccompPolicy {
  /** A known system call no rule decides. */
  defaultAction: SeccompAction;
  /** A number above every known one: a system call newer than the tables (or x32's). */
  newerAction: SeccompAction;
  /** A system call of an architecture the filter was not built for. */
  foreignArchAction: SeccompAction;
  rules: readonly SyscallRule[];
}

export type SeccompArch = 'x86_64' | 'i386' | 'aarch64';

export const SECCOMP_ARCHES: Readonly<Record<SeccompArch, { audit: number; table: Readonly<Record<string, number>> }>> = {
  x86_64: { audit: AUDIT_ARCH_X86_64, table: X86_64 },
  i386: { audit: AUDIT_ARCH_I386, table: I386 },
  aarch64: { audit: AUDIT_ARCH_AARCH64, table: AARCH64 },
};

/**
 * The ABIs a process of this machine can call the kernel with: on x86_64 the 32-bit one as well
 * (int 0x80 works from any process). x32 numbers carry bit 30 and land above the tables.
 */
export function nativeArches(arch: string = process.arch): SeccompArch[] {
  if (arch === 'x64') return ['x86_64', 'i386'];
  if (arch === 'arm64') return ['aarch64'];
  throw new BpfError(`seccomp filters are built for x64 and arm64, not ${arch}`);
}

/** The 32-bit return value of an action. */
export function actionValue(a: SeccompAction): number {
  switch (a.kind) {
    case 'allow':
      return SECCOMP_RET_ALLOW;
    case 'log':
      return SECCOMP_RET_LOG;
    case 'kill-process':
      return SECCOMP_RET_KILL_PROCESS;
    case 'errno':
      if (!Number.isInteger(a.errno) || a.errno < 1 || a.errno > SECCOMP_RET_DATA) throw new BpfError(`errno ${String(a.errno)} out of range`);
      return (SECCOMP_RET_ERRNO | a.errno) >>> 0;
  }
}

/** One contiguous run of call numbers with the same outcome: a return value, or a call's rules. */
interface Range {
  start: number;
  /** The value to return, or the call number whose rules decide (as -1 - nr). */
  key: number;
}

const maxOf = new WeakMap<object, number>();
function maxNumber(table: Readonly<Record<string, number>>): number {
  let m = maxOf.get(table);
  if (m === undefined) maxOf.set(table, (m = Math.max(...Object.values(table))));
  return m;
}

/** Compiles `policy` for `arches` (default: this machine's) into the bytes of a struct sock_filter array. */
export function compileSeccomp(policy: SeccompPolicy, arches: readonly SeccompArch[] = nativeArches()): Buffer {
  const prog: Insn[] = [{ op: 'ld', offset: SECCOMP_DATA_ARCH }];
  for (const a of arches) prog.push({ op: 'jeq', k: SECCOMP_ARCHES[a].audit, jt: 0, jf: 1 }, { op: 'ja', to: `arch-${a}` });
  prog.push({ op: 'ret', k: actionValue(policy.foreignArchAction) });
  for (const a of arches) prog.push({ op: 'label', name: `arch-${a}` }, { op: 'ld', offset: SECCOMP_DATA_NR }, ...archBody(a, policy));
  return assemble(prog);
}

// Jumps inside an architecture's body are relative (no labels): each piece is built knowing
// the size of what it jumps over.
function archBody(arch: SeccompArch, policy: SeccompPolicy): Insn[] {
  const table = SECCOMP_ARCHES[arch].table;
  const byNumber = new Map<number, SyscallRule[]>();
  for (const r of policy.rules) {
    const nr = table[r.name];
    if (nr === undefined) continue;
    const list = byNumber.get(nr);
    if (list) list.push(r);
    else byNumber.set(nr, [r]);
  }
  const max = maxNumber(table);
  const dflt = actionValue(policy.defaultAction);
  const ranges: Range[] = [];
  for (let nr = 0; nr <= max; nr++) {
    const rules = byNumber.get(nr);
    // Rules without conditions are plain returns, so equal neighbours merge into one range.
    const key = !rules ? dflt : !rules[0]!.when?.length ? actionValue(rules[0]!.action) : -1 - nr;
    if (ranges.length === 0 || ranges[ranges.length - 1]!.key !== key) ranges.push({ start: nr, key });
  }
  ranges.push({ start: max + 1, key: actionValue(policy.newerAction) });
  const leaf = (r: Range): Insn[] => {
    if (r.key >= 0) return [{ op: 'ret', k: r.key }];
    const out: Insn[] = [];
    for (const rule of byNumber.get(-1 - r.key)!) out.push(...ruleCode(rule));
    out.push({ op: 'ret', k: dflt });
    return out;
  };
  // Binary search: [jge start(mid)] [ja over the lower half] [lower half] [upper half].
  const tree = (lo: number, hi: number): Insn[] => {
    if (lo === hi) return leaf(ranges[lo]!);
    const mid = (lo + hi + 1) >> 1;
    const lower = tree(lo, mid - 1);
    return [{ op: 'jge', k: ranges[mid]!.start, jt: 0, jf: 1 }, { op: 'ja', to: lower.length }, ...lower, ...tree(mid, hi)];
  };
  return tree(0, ranges.length - 1);
}

/** A rule's conditions, each jumping past the rule's return when it does not hold. */
function ruleCode(rule: SyscallRule): Insn[] {
  const out: Insn[] = [];
  const jumps: Array<{ at: number; ne: boolean; k: number }> = [];
  for (const c of rule.when ?? []) {
    if (!Number.isInteger(c.arg) || c.arg < 0 || c.arg > 5) throw new BpfError(`argument index ${String(c.arg)} is not 0..5`);
    out.push({ op: 'ld', offset: SECCOMP_DATA_ARGS + 8 * c.arg });
    if (c.op === 'masked-eq') out.push({ op: 'and', k: c.mask });
    jumps.push({ at: out.length, ne: c.op === 'ne', k: c.op === 'masked-eq' ? (c.value & c.mask) >>> 0 : c.value >>> 0 });
    out.push({ op: 'ret', k: 0 }); // replaced below
  }
  out.push({ op: 'ret', k: actionValue(rule.action) });
  for (const j of jumps) {
    const fail = out.length - j.at - 1;
    out[j.at] = j.ne ? { op: 'jeq', k: j.k, jt: fail, jf: 0 } : { op: 'jeq', k: j.k, jt: 0, jf: fail };
  }
  return out;
}
