import { closeSync, constants, mkdirSync, openSync, opendirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { SysError, errnoNumber } from './errors.js';
import { flock, LOCK_EX, LOCK_UN } from './flock.js';
import { CLONE_NEWNET, CLONE_NEWNS, setns, unshare } from './namespaces.js';
import { MNT_DETACH, MS_BIND, MS_RDONLY, MS_REC, MS_SHARED, MS_SLAVE, mount, umount2 } from './mount.js';
import { NetNs } from './netns.js';

// Named network namespaces as iproute2 keeps them: /run/netns/NAME is an empty file with the
// namespace's nsfs file bind-mounted on it, and /run/netns is a mount point with shared
// propagation, so that deleting a name in one mount namespace deletes it in all of them and
// the namespace can go. `ip netns exec` runs a program with the namespace's own /sys and the
// files of /etc/netns/NAME bind-mounted over their /etc counterparts.

export const NETNS_RUN_DIR = '/run/netns';
export const NETNS_ETC_DIR = '/etc/netns';
const NAME_MAX = 255;

/** A named-namespace step that failed: which command, which name, and the system's error. */
export class NamedNetnsError extends Error {
  override readonly name = 'NamedNetnsError';
  readonly op: string;
  readonly netns: string;
  override readonly cause: SysError;
  constructor(op: string, netns: string, cause: SysError) {
    super(`netns ${op} ${netns}: ${cause.message}`);
    this.op = op;
    this.netns = netns;
    this.cause = cause;
  }
}

/** A Node fs error as a SysError naming the call and the path. */
function sysErr(e: unknown, syscall: string, path: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const errno = code === undefined ? undefined : errnoNumber(code);
  return errno === undefined ? e : new SysError(syscall, errno, path);
}

function wrap<T>(op: string, name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SysError) throw new NamedNetnsError(op, name, e);
    throw e;
  }
}

/** A namespace name as ip accepts one: 1 to 255 bytes, no '/', not "." or "..". */
export function checkNetnsName(name: unknown): string {
  if (
    typeof name !== 'string' ||
    name === '' ||
    Buffer.byteLength(name) > NAME_MAX ||
    name.includes('/') ||
    name.includes('\0') ||
    name === '.' ||
    name === '..'
  ) {
    throw new RangeError(`invalid netns name ${JSON.stringify(name)}: 1 to ${NAME_MAX} bytes, no '/', not "." or ".."`);
  }
  return name;
}

export const netnsPath = (name: string): string => `${NETNS_RUN_DIR}/${checkNetnsName(name)}`;

/**
 * /run/netns exists and is a mount point with shared propagation (a bind mount of itself
 * the first time), made under an exclusive lock on the directory as ip does, so two of them
 * racing cannot stack bind mounts.
 */
function prepareRunDir(): void {
  try {
    mkdirSync(NETNS_RUN_DIR, { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw sysErr(e, 'mkdir', NETNS_RUN_DIR);
  }
  let lock: number;
  try {
    lock = openSync(NETNS_RUN_DIR, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    throw sysErr(e, 'open', NETNS_RUN_DIR);
  }
  try {
    flock(lock, LOCK_EX);
    for (let madeMount = false; ;) {
      try {
        mount(null, NETNS_RUN_DIR, 'none', MS_SHARED | MS_REC);
        break;
      } catch (e) {
        // EINVAL: not a mount point yet; make it one (once), then share it.
        if (!(e instanceof SysError) || e.code !== 'EINVAL' || madeMount) throw e;
        mount(NETNS_RUN_DIR, NETNS_RUN_DIR, 'none', MS_BIND | MS_REC);
        madeMount = true;
      }
    }
  } finally {
    closeSync(lock); // releases the lock
  }
}

/**
 * `ip netns add NAME` (or, with `pid`, `ip netns attach NAME PID`): a new network namespace
 * (with lo down), or the one of process `pid`, bound to /run/netns/NAME. It lives until the
 * name is deleted and nothing else holds it. On failure nothing is left behind.
 */
export function netnsAdd(name: string, opts: { pid?: number } = {}): void {
  const op = opts.pid === undefined ? 'add' : 'attach';
  const path = netnsPath(name);
  if (opts.pid !== undefined && (!Number.isInteger(opts.pid) || opts.pid <= 0)) throw new RangeError(`netns attach: invalid pid ${String(opts.pid)}`);
  wrap(op, name, () => {
    prepareRunDir();
    try {
      closeSync(openSync(path, constants.O_RDONLY | constants.O_CREAT | constants.O_EXCL, 0));
    } catch (e) {
      throw sysErr(e, 'create', path);
    }
    try {
      if (opts.pid !== undefined) mount(`/proc/${opts.pid}/ns/net`, path, 'none', MS_BIND);
      else {
        const ns = NetNs.create();
        try {
          mount(ns.procPath, path, 'none', MS_BIND);
        } finally {
          ns.close();
        }
      }
    } catch (e) {
      try {
        unlinkSync(path);
      } catch {
        // the failure above is the one to report
      }
      throw e;
    }
  });
}

/** `ip netns del NAME`: detaches the bind mount and removes the file. */
export function netnsDelete(name: string): void {
  const path = netnsPath(name);
  wrap('delete', name, () => {
    try {
      umount2(path, MNT_DETACH);
    } catch {
      // not mounted (a leftover file): removing it is all there is to do, as ip does
    }
    try {
      unlinkSync(path);
    } catch (e) {
      throw sysErr(e, 'unlink', path);
    }
  });
}

/** The names under /run/netns in directory order (as ip lists them); none when it does not exist. */
export function netnsNames(): string[] {
  let dir;
  try {
    dir = opendirSync(NETNS_RUN_DIR);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw sysErr(e, 'opendir', NETNS_RUN_DIR);
  }
  const out: string[] = [];
  try {
    for (let d = dir.readSync(); d; d = dir.readSync()) out.push(d.name);
  } finally {
    dir.closeSync();
  }
  return out;
}

/** The names bound to the network namespace of process `pid` ('self': this thread's), or of a NetNs. */
export function netnsIdentify(pid: number | 'self' | NetNs = 'self'): string[] {
  const proc = pid === 'self' ? '/proc/thread-self/ns/net' : typeof pid === 'number' ? `/proc/${pid}/ns/net` : pid.procPath;
  let want;
  try {
    want = statSync(proc);
  } catch (e) {
    throw new NamedNetnsError('identify', typeof pid === 'object' ? pid.source : String(pid), sysErr(e, 'stat', proc) as SysError);
  }
  return netnsNames().filter((n) => {
    try {
      const st = statSync(`${NETNS_RUN_DIR}/${n}`);
      return st.dev === want.dev && st.ino === want.ino;
    } catch {
      return false; // deleted meanwhile
    }
  });
}

/** The processes (in /proc order) whose network namespace is /run/netns/NAME. */
export function netnsPids(name: string): number[] {
  const path = netnsPath(name);
  const ns = wrap('pids', name, () => {
    try {
      return statSync(path);
    } catch (e) {
      throw sysErr(e, 'stat', path);
    }
  });
  const out: number[] = [];
  const dir = opendirSync('/proc');
  try {
    for (let d = dir.readSync(); d; d = dir.readSync()) {
      if (!/^\d+$/.test(d.name)) continue;
      try {
        const st = statSync(`/proc/${d.name}/ns/net`);
        if (st.dev === ns.dev && st.ino === ns.ino) out.push(Number(d.name));
      } catch {
        // gone, or not ours to look at
      }
    }
  } finally {
    dir.closeSync();
  }
  return out;
}

/** Whether the mount holding `path` is read-only (its per-mount options in mountinfo). */
function mountReadOnly(path: string): boolean {
  let best = '';
  let ro = false;
  for (const line of readFileSync('/proc/thread-self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const point = (f[4] ?? '').replace(/\\040/g, ' ');
    if (!(path === point || path.startsWith(point.endsWith('/') ? point : `${point}/`)) || point.length < best.length) continue;
    best = point;
    ro = (f[5] ?? '').split(',').includes('ro');
  }
  return ro;
}

/**
 * What `ip netns exec NAME` does before running the program, to the calling (main) thread:
 * enters the namespace and a new mount namespace (a slave of the current one: nothing
 * propagates back), mounts a sysfs of that namespace on /sys, and bind-mounts each file of
 * /etc/netns/NAME over /etc/FILE. A file that cannot be bound is reported through `warn`
 * and skipped, as ip does. Meant to be followed by execve: the thread does not come back.
 */
export function netnsEnterForExec(name: string, warn: (message: string) => void = () => {}): void {
  const path = netnsPath(name);
  wrap('exec', name, () => {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY);
    } catch (e) {
      throw sysErr(e, 'open', path);
    }
    try {
      setns(fd, CLONE_NEWNET);
    } finally {
      closeSync(fd);
    }
    unshare(CLONE_NEWNS);
    mount(null, '/', 'none', MS_SLAVE | MS_REC);
    let flags = 0;
    try {
      umount2('/sys', MNT_DETACH);
    } catch {
      // No sysfs there to take away: cover it, read-only if what is there is read-only.
      if (mountReadOnly('/sys')) flags = MS_RDONLY;
    }
    mount(name, '/sys', 'sysfs', flags);
  });
  bindEtc(name, warn);
}

function bindEtc(name: string, warn: (message: string) => void): void {
  if (Buffer.byteLength(name) >= NAME_MAX) return;
  const dir = `${NETNS_ETC_DIR}/${name}`;
  let entries: string[];
  try {
    const d = opendirSync(dir);
    entries = [];
    try {
      for (let e = d.readSync(); e; e = d.readSync()) entries.push(e.name);
    } finally {
      d.closeSync();
    }
  } catch {
    return; // no such directory: nothing to bind
  }
  for (const f of entries) {
    try {
      mount(`${dir}/${f}`, `/etc/${f}`, 'none', MS_BIND);
    } catch (e) {
      warn(e instanceof Error ? e.message : String(e));
    }
  }
}
