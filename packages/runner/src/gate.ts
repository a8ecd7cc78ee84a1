import { readSync } from 'node:fs';
import { firstExecutable } from './exec-path.js';
import type { RunOptions } from './options.js';
import { FORWARDED_SIGNALS } from './signals.js';
import { loaderEnv, seccompLoaderArgv } from './security/loader.js';
import type { SecurityPlan } from './security/plan.js';

// The container's first process before the command: a shell that waits on fd 3 until nsrun has
// finished setting up the namespaces, then execs the command in its place (same pid: PID 1),
// or with --init stays PID 1 and runs it as a child. Two pipes, no polling (cf. runc's sync.go):
//
//   nsrun                                         the gate (the container's PID 1)
//   spawn, with GATE_FD and GATE_READY_FD ------> [seccomp loader] -> setpriv
//                                                 (parent-death signal) -> sh
//                                                 READY: GATE_READY on GATE_READY_FD, closed
//   waitGateReady: reads it (the ready pipe) <--- (EOF instead: the gate died; the step fails)
//     with --rootfs: before pivot_root (setup.ts),
//     else at step `release`, after the network
//   release: GATE_GO on GATE_FD, closed --------> RELEASE: read _ <&GATE_FD
//                                                 [--rootfs: cd to the workdir]
//                                                 EXEC: the command (or the init)
//   a failure before: GATE_FD closed unwritten -> EOF: exit 125 (nsrun's failure)
//
// The shell's own exec gives the conventional 127 (not found) and 126 (not executable) and
// searches PATH.
export const GATE_SHELL = '/bin/sh';
export const GATE_FD = 3;
/** What nsrun writes to GATE_FD to let the command start. */
export const GATE_GO = 'go\n';
/**
 * The gate says on this fd that it is running (see READY): its programs are loaded, and setpriv
 * has set its parent-death signal. nsrun releases the command only after that, so an nsrun
 * killed at any moment after the release takes the container with it.
 */
export const GATE_READY_FD = 4;
/** What the gate writes on GATE_READY_FD (one byte; only its arrival counts). */
export const GATE_READY = 'r';

/**
 * util-linux setpriv sets PR_SET_PDEATHSIG in the gate, which Node's spawn cannot do between
 * fork and exec: SIGKILL when nsrun's main thread (the one that forked) dies, even by SIGKILL.
 * The signal survives the gate's execs, and PID 1 dying ends the whole pid namespace.
 */
export const SETPRIV = firstExecutable(['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv', '/sbin/setpriv']);
/** False where setpriv is missing: the container then outlives an nsrun killed by SIGKILL. */
export const PDEATHSIG_AVAILABLE = SETPRIV !== undefined;

/**
 * The --init shell. dash marks SIGINT and SIGQUIT "hard ignored" in an asynchronous list (no
 * job control), so `trap - INT QUIT` cannot undo it and the command would ignore both; bash
 * lets the subshell restore them. Without bash, dash runs the init and that caveat stands.
 */
export const INIT_SHELL = firstExecutable(['/bin/bash', '/usr/bin/bash']) ?? GATE_SHELL;
// bash -p (privileged mode) reads no BASH_ENV file and imports no functions from the
// environment (one named `wait` or `kill` would replace the builtin), yet passes them on to
// the command; it drops SHELLOPTS and BASHOPTS.
const INIT_SHELL_ARGS = INIT_SHELL === GATE_SHELL ? [] : ['-p'];
/** False when --init runs under dash: the command then ignores SIGINT and SIGQUIT. */
export const INIT_FORWARDS_INT_QUIT = INIT_SHELL !== GATE_SHELL;

// Exit 125 (nsrun's failure): the pipe closed without "go", or the workdir is missing.
// The gate is running (its programs are loaded, its parent-death signal set): nsrun may pivot
// now (with a rootfs), and release it.
const READY = `printf ${GATE_READY} >&${GATE_READY_FD}; exec ${GATE_READY_FD}>&-`;
const RELEASE = `read _ <&${GATE_FD} || exit 125; exec ${GATE_FD}<&-`;
// With a rootfs the workdir ($1) is a path inside it, entered after the pivot.
const ENTER_WORKDIR = `cd "$1" 2>/dev/null || { printf 'nsrun: workdir %s: cannot enter it inside the rootfs\\n' "$1" >&2; exit 125; }; shift`;
const EXEC = 'exec "$@"';
// The init: the command runs as its child with stdin kept (an asynchronous list would get
// /dev/null), each forwarded signal passed on; one that comes before `child` is set (the
// command may start and be signalled before the shell has run `child=$!`) is passed on right
// after. A trap makes `wait` return early (128+n), and the shell may run the trap itself a
// little later, so the loop asks the kernel whether the child is still there (alive or a
// zombie) instead of trusting a flag; once it is reaped, `wait` returns the status the shell
// recorded. `wait` reaps any child, orphans included. Exit: the command's status (128+n).
const INIT = [
  'exec 4<&0',
  'fwd() { if [ -n "$child" ]; then kill -"$1" "$child" 2>/dev/null; else early="$early $1"; fi; }',
  ...FORWARDED_SIGNALS.map((sig) => sig.slice(3)).map((s) => `trap 'fwd ${s}' ${s}`),
  '( trap - INT QUIT; exec "$@" ) <&4 4<&- &',
  'child=$!; exec 4<&-',
  'for s in $early; do kill -"$s" "$child" 2>/dev/null; done',
  'while kill -0 "$child" 2>/dev/null; do wait "$child"; done',
  'wait "$child"',
].join('\n');

/** What the gate needs to know: the command, how to run it, where, and how it is confined. */
export type GatePlan = Pick<RunOptions, 'command' | 'init' | 'cwd' | 'rootfs' | 'tty'> & {
  security: SecurityPlan;
  /** The terminal's slave (/dev/pts/N), reopened by the gate with `tty`. */
  ttyPath?: string | undefined;
};

/** What nsrun spawns as the container's first process. */
export interface GateSpawn {
  file: string;
  args: string[];
  /** Directory to spawn in (a host path; undefined: nsrun's own). */
  cwd?: string;
  /** The environment to spawn with (the command's, with what the chain needs). */
  env: NodeJS.ProcessEnv;
}

/**
 * setpriv's part: the parent-death signal, and unless privileged the capability sets (all but
 * the container's dropped from the bounding set, none inheritable or ambient, so a root exec
 * gets exactly the container's) and no_new_privs.
 */
function setprivArgs(s: SecurityPlan): string[] {
  const args = ['--pdeathsig', 'KILL'];
  if (s.capabilities !== 'all') {
    const keep = s.capabilities.map((c) => `+${c.slice('CAP_'.length).toLowerCase()}`);
    args.push('--bounding-set', ['-all', ...keep].join(','), '--inh-caps', '-all', '--ambient-caps', '-all');
  }
  if (s.noNewPrivs) args.push('--no-new-privs');
  return args;
}

/**
 * The program and argv that wait on GATE_FD, then run `plan.command` (under the init with
 * `plan.init`): [seccomp loader] → setpriv → the gate shell, each exec'ing the next.
 */
export function gateSpawn(plan: GatePlan, env: NodeJS.ProcessEnv): GateSpawn {
  const rootfs = plan.rootfs !== undefined;
  const shell = plan.init ? INIT_SHELL : GATE_SHELL;
  // With a terminal of its own (tty.ts): the gate leads a new session; reopening the terminal
  // (no O_NOCTTY) makes it the session's controlling terminal, with the gate's group in front.
  // By its /dev/pts path, not /proc/self/fd/0: nsrun replaces the container's /proc while the
  // gate starts, and for that moment /proc is an empty directory (a gate that reopened through
  // it then died before it was ready: seen once in a loaded full run).
  const script = [...(plan.tty ? ['exec 0<>"$1"; shift'] : []), READY, RELEASE, ...(rootfs ? [ENTER_WORKDIR] : []), plan.init ? INIT : EXEC].join('\n');
  const shellArgs = [
    shell,
    ...(plan.init ? INIT_SHELL_ARGS : []),
    '-c',
    script,
    plan.init ? 'nsrun-init' : 'nsrun-gate',
    ...(plan.tty ? [plan.ttyPath ?? '/dev/tty'] : []),
    ...(rootfs ? [plan.cwd ?? '/'] : []),
    ...plan.command,
  ];
  const security = plan.security;
  // Without setpriv only a privileged container may start (options.ts refuses the others).
  let chain = SETPRIV !== undefined ? [SETPRIV, ...setprivArgs(security), '--', ...shellArgs] : shellArgs;
  if (security.seccomp) chain = seccompLoaderArgv(security.seccomp.filter, chain, security.seccomp.arch);
  return {
    // Without a rootfs the workdir is a host path, entered by spawn itself.
    ...(!rootfs && plan.cwd !== undefined && { cwd: plan.cwd }),
    file: chain[0]!,
    args: chain.slice(1),
    env: security.seccomp ? loaderEnv(env) : env,
  };
}

/**
 * Blocks until the gate writes to its ready pipe (`fd`: the read end, blocking), or throws when
 * it exited first. Until then the gate may still be loading (setpriv, the shell, their
 * libraries: the dynamic loader opens them by path *after* spawn returns), so a pivot_root
 * before that would make it look for them in the rootfs. A blocking read, not polling: the
 * shell writes as the first thing its script does.
 */
export function waitGateReady(fd: number): void {
  const b = Buffer.alloc(1);
  let n: number;
  try {
    n = readSync(fd, b, 0, 1, null);
  } catch (e) {
    throw new Error(`the gate's ready pipe: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (n === 0) throw new Error('the gate exited before it was ready');
}
