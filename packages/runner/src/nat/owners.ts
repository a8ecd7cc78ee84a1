import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// Which processes hold a socket, found as `ss -p` finds them: every /proc/PID/fd/N that links
// to `socket:[INODE]`. Reads all of /proc, so it is only asked when a socket is worth naming.

export interface SocketOwner {
  pid: number;
  /** /proc/PID/comm: the program's name, as ps and ss show it. */
  name: string;
}

/** The processes holding each of `inodes` (an inode nobody in this pid namespace holds maps to []). */
export function socketOwners(inodes: ReadonlySet<number>): Map<number, SocketOwner[]> {
  const out = new Map<number, SocketOwner[]>([...inodes].map((i) => [i, []]));
  if (!inodes.size) return out;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    const held = new Set<number>();
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[([0-9]+)\]$/.exec(target);
      if (m && inodes.has(Number(m[1]))) held.add(Number(m[1]));
    }
    if (!held.size) continue;
    let name = '?';
    try {
      name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {}
    for (const inode of held) out.get(inode)!.push({ pid: Number(pid), name });
  }
  return out;
}

/** `node (pid 123)`, `nginx (pids 10, 11)`, or what is known when no process could be seen. */
export function describeOwners(owners: readonly SocketOwner[], inode: number): string {
  if (!owners.length) return `a socket (inode ${inode}) of a process nsrun cannot see`;
  const byName = new Map<string, number[]>();
  for (const o of owners) byName.set(o.name, [...(byName.get(o.name) ?? []), o.pid]);
  return [...byName].map(([name, pids]) => `${name} (pid${pids.length > 1 ? 's' : ''} ${pids.join(', ')})`).join(', ');
}
