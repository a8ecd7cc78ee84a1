import { closeSync, readFileSync, writeSync } from 'node:fs';
import { nodeNet } from './lazy-node.js';
import { setCloexec } from '@nsrun/sys';

// nsrun as root in a user namespace that the launcher made for a user who is not root
// (packages/cli/bin/nsrun-rootless.pl). The launcher says so in NSRUN_ROOTLESS: "1 Y W R L HOSTPID
// UID GID" — Y where nsrun says it is ready for signals, W/R the pipes of its agent (requests,
// replies), L the read end of its lifetime pipe,
// HOSTPID this process's pid as the host sees it, UID/GID the user outside. The variable is
// taken out of the environment at once: the container must not inherit it, nor its fds.

export interface RootlessContext {
  /** The user's uid and gid outside the user namespace. */
  uid: number;
  gid: number;
  /** This process's pid in the host's pid namespace (user-mode networking names it). */
  hostPid: number;
  /** Where nsrun tells the launcher that it handles signals now. */
  readyFd: number;
  /** Requests to the launcher's agent (outside the user namespace, in the host's network namespace). */
  agentWrite: number;
  agentRead: number;
}

let context: RootlessContext | undefined | null = null;

/** The rootless context of this process, read (and removed from the environment) once. */
export function rootless(): RootlessContext | undefined {
  if (context !== null) return context;
  const v = process.env.NSRUN_ROOTLESS;
  delete process.env.NSRUN_ROOTLESS;
  context = undefined;
  const f = v?.split(' ').map(Number);
  // Only where it can be true: in a user namespace (not the initial one, whose map is the identity).
  if (f && inUserNamespace() && f.length === 8 && f[0] === 1 && f.every((n) => Number.isInteger(n) && n >= 0)) {
    const [, y, w, r, life, hostPid, uid, gid] = f as [number, number, number, number, number, number, number, number];
    // Ours, not the container's (setup.ts marks stray fds close-on-exec too; this says it here).
    for (const fd of [y, w, r, life]) setCloexec(fd, true);
    context = { uid, gid, hostPid, readyFd: y, agentWrite: w, agentRead: r };
  }
  return context;
}

function inUserNamespace(): boolean {
  try {
    return !/^\s*0\s+0\s+4294967295\s*$/.test(readFileSync('/proc/self/uid_map', 'latin1'));
  } catch {
    return false;
  }
}

/** Tells the launcher that nsrun handles its signals now: it forwards them from here on. */
export function rootlessReady(): void {
  const c = rootless();
  if (c) {
    writeSync(c.readyFd, 'ready\n');
    closeSync(c.readyFd);
  }
}

/** The launcher's answer to a spawn: ready (it wrote to its ready fd) or exited first. */
export type SpawnAnswer = { ready: true; pid: number } | { ready: false; pid: number; status: number; text: string };

let replies: { next(): Promise<string | undefined> } | undefined;

/** The reply pipe as a libuv pipe handle: unref'd, so a pending read never keeps nsrun alive. */
function replyLines(fd: number): { next(): Promise<string | undefined> } {
  const sock = new (nodeNet().Socket)({ fd, readable: true, writable: false });
  sock.unref();
  sock.setEncoding('latin1');
  let buf = '';
  let ended = false;
  const waiting: Array<(l: string | undefined) => void> = [];
  const pump = (): void => {
    let nl: number;
    while (waiting.length && (nl = buf.indexOf('\n')) >= 0) {
      waiting.shift()!(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    if (ended) for (const w of waiting.splice(0)) w(undefined);
  };
  sock.on('data', (d: string) => {
    buf += d;
    pump();
  });
  sock.on('end', () => ((ended = true), pump()));
  sock.on('error', () => ((ended = true), pump()));
  return {
    next: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        pump();
      }),
  };
}

/**
 * Asks the launcher to start `argv` in the host's network namespace (as the user, in the user
 * namespace), with `%READY_FD%` and `%EXIT_FD%` in it replaced by its ready pipe and its
 * lifetime pipe. Resolves when the program is ready or has exited.
 */
export async function agentSpawn(argv: readonly string[]): Promise<SpawnAnswer> {
  const c = rootless();
  if (!c) throw new Error('not started by the rootless launcher');
  if (argv.some((a) => /[\t\n]/.test(a))) throw new Error('an argument holds a tab or a newline');
  writeSync(c.agentWrite, `spawn\t${argv.join('\t')}\n`);
  replies ??= replyLines(c.agentRead);
  const line = await replies.next();
  if (line === undefined) throw new Error('the launcher closed its reply pipe');
  const m = /^(ready|exit) (\d+)(?: (\d+))?(?: (.*))?$/.exec(line);
  if (!m) throw new Error(`the launcher answered ${JSON.stringify(line)}`);
  if (m[1] === 'ready') return { ready: true, pid: Number(m[2]) };
  return { ready: false, status: Number(m[2]), pid: Number(m[3] ?? 0), text: (m[4] ?? '').trim() };
}
