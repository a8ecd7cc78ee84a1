import { readFileSync, readlinkSync, statSync } from 'node:fs';

// Whether the nsrun (or attach target) that owns a record still runs. A pid alone is not
// enough: pids are reused, so the process's start time is kept too; and a state directory
// outside tmpfs would outlive a reboot, so the boot id as well. And a pid means something only
// in its pid namespace: a reader elsewhere (an nsrun inside a container that sees the host's
// state directory) cannot judge it at all.

export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/PID/stat: clock ticks since boot when the process started. */
  start: number;
  /** /proc/sys/kernel/random/boot_id, trimmed. */
  boot: string;
}

export interface ProcStat {
  pid: number;
  /** The executable's name as the kernel keeps it (may hold spaces and parentheses). */
  comm: string;
  /** R, S, D, Z, T, t, X, I... */
  state: string;
  /** Start time in clock ticks since boot. */
  start: number;
}

/**
 * Parses /proc/PID/stat (proc(5)): `pid (comm) state ...`. comm may contain spaces and ')',
 * so the fields are counted from the LAST ')'. Returns undefined for text that is not one.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open));
  // After ") ": field 3 (state) is index 0, so field 22 (starttime) is index 19.
  const rest = text.slice(close + 2).split(' ');
  const state = rest[0];
  const start = Number(rest[19]);
  if (!Number.isInteger(pid) || pid <= 0 || !state || !/^[0-9]+$/.test(rest[19] ?? '')) return undefined;
  return { pid, comm: text.slice(open + 2, close), state, start };
}

let boot: string | undefined;

/** This boot's id (cached: it cannot change under a running process). */
export function bootId(): string {
  boot ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return boot;
}

/** The stat of a live process, undefined when there is none (or it is a zombie). */
function liveStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`pid must be a positive integer, got ${String(pid)}`);
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw e;
  }
  const st = parseProcStat(text);
  // A zombie has finished; only its exit status waits to be collected. X: being reaped.
  return st && st.state !== 'Z' && st.state !== 'X' ? st : undefined;
}

/** Who `pid` is now (pids as this process's /proc shows them); undefined when no such live process. */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  const st = liveStat(pid);
  return st && { pid, start: st.start, boot: bootId() };
}

/** Whether the process `id` names still runs: same boot, the pid exists, same start time, not a zombie. */
export function isAlive(id: ProcessIdentity): boolean {
  if (id.boot !== bootId()) return false;
  const st = liveStat(id.pid);
  return st !== undefined && st.start === id.start;
}

let pidns: number | undefined | null = null;

/**
 * The inode number of this process's pid namespace (/proc/self/ns/pid), read once; undefined
 * when it cannot be known: no /proc, or a /proc of another pid namespace (its "self" is not
 * process.pid), where /proc/PID/stat would describe other processes than the pids say.
 */
export function pidNamespace(): number | undefined {
  if (pidns === null) {
    try {
      pidns = readlinkSync('/proc/self') === String(process.pid) ? statSync('/proc/self/ns/pid').ino : undefined;
    } catch {
      pidns = undefined;
    }
  }
  return pidns;
}

/** What a reader can say of a record's owner. */
export type Verdict = 'live' | 'dead' | 'unknown';

/** Where a record is being judged: the reader's pid namespace and the state directory's `<dev>:<ino>`. */
export interface JudgePlace {
  pidns: number | undefined;
  stateDir: string | undefined;
}

/**
 * Judges the owner of a record written in pid namespace `rec.pidns` for state directory
 * `rec.stateDir`. Another boot: dead (no process of another boot runs, whoever asks). Then,
 * read from another pid namespace or for another state directory (a copy, a directory seen
 * through another mount): unknown, never dead. Otherwise live or dead by the owner's identity.
 */
export function judgeRecord(rec: { owner: ProcessIdentity; pidns: number; stateDir: string }, here: JudgePlace): Verdict {
  if (rec.owner.boot !== bootId()) return 'dead';
  if (here.pidns === undefined || here.pidns !== rec.pidns || here.stateDir === undefined || here.stateDir !== rec.stateDir) return 'unknown';
  return isAlive(rec.owner) ? 'live' : 'dead';
}
