import { readSync } from 'node:fs';
import { resolve } from 'node:path';
import { CAPABILITIES, capLastCap, setNonblock, signalName, type CapabilityName, type Subprocess } from '@nsrun/sys';
import { firstExecutable } from './exec-path.js';
import type { RunOptions } from './options.js';
import { FORWARDED_SIGNALS } from './signals.js';
import { GATE_FD, GATE_READY, GATE_READY_FD } from './gate-protocol.js';
import { loaderEnv, PERL_GATE, perlGateArgv, SHELL_RESTORE, shellEnv, type PerlGate } from './security/loader.js';
import type { SecurityPlan } from './security/plan.js';

// The container's first process before the command: a program that waits on fd 3 until nsrun
// has finished setting up the namespaces, then execs the command in its place (same pid: PID 1),
// or with --init is a shell that stays PID 1 and runs it as a child. Two pipes, no polling
// (cf. runc's sync.go):
//
//   nsrun                                         the gate (the container's PID 1)
//   spawn, with GATE_FD and GATE_READY_FD ------> perl (security/loader.ts): parent-death
//                                                 signal, [seccomp filter], capabilities,
//                                                 [no_new_privs]; [--init: exec the init
//                                                 shell, which does the rest]; [--tty: the
//                                                 terminal as fd 0]
//                                                 (without perl: setpriv -> sh, the same steps)
//                                                 READY: GATE_READY on GATE_READY_FD, closed
//   waitGateReady: reads it (the ready pipe) <--- (EOF instead: the gate died; the step fails)
//     with --rootfs: before pivot_root (setup.ts),
//     else at step `release`, after the network
//   release: GATE_GO on GATE_FD, closed --------> RELEASE: reads "go" from GATE_FD, closes it
//                                                 [--rootfs: cd to the workdir]
//                                                 EXEC: the command (--init: run it)
//   a failure before: GATE_FD closed unwritten -> EOF: exit 125 (nsrun's failure)
//
// The exec searches PATH and exits as a shell's does: 127 (not found), 126 (not executable).
export const GATE_SHELL = '/bin/sh';

/**
 * The gate sets PR_SET_PDEATHSIG, which Node's spawn cannot do between fork and exec: SIGKILL
 * when nsrun's main thread (the one that forked) dies, even by SIGKILL. The signal survives the
 * gate's execs, and PID 1 dying ends the whole pid namespace. The Perl gate sets it itself;
 * without perl, util-linux setpriv does (and drops the capabilities), then the gate shell runs.
 */
export const SETPRIV = firstExecutable(['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv', '/sbin/setpriv']);
/** True where the gate can drop the container's capabilities (and set the parent-death signal). */
export const GATE_CONFINES = PERL_GATE || SETPRIV !== undefined;
/** False where perl and setpriv are both missing: the container then outlives an nsrun killed by SIGKILL. */
export const PDEATHSIG_AVAILABLE = GATE_CONFINES;

/**
 * The --init shell. dash marks SIGINT and SIGQUIT "hard ignored" in an asynchronous list (no
 * job control), so `trap - INT QUIT` cannot undo it and the command would ignore both; bash
 * lets the subshell restore them. Without bash, dash runs the init and that caveat stands.
 */
export const INIT_SHELL = firstExecutable(['/bin/bash', '/usr/bin/bash']) ?? GATE_SHELL;
// bash -p (privileged mode) reads no BASH_ENV file and imports no functions from the
// environment (one named `wait` or `kill` would replace the builtin), yet passes them on to
// the command; it drops SHELLOPTS and BASHOPTS. --norc: a bash that takes itself for one
// started by sshd or rshd (SSH_CLIENT in the environment, or a socket as stdin, with SHLVL
// below 1) reads /etc/bash.bashrc and ~/.bashrc even with -p: the host's, in the container.
const INIT_SHELL_ARGS = INIT_SHELL === GATE_SHELL ? [] : ['--norc', '-p'];
/** False when --init runs under dash: the command then ignores SIGINT and SIGQUIT. */
export const INIT_FORWARDS_INT_QUIT = INIT_SHELL !== GATE_SHELL;

// The gate shell (with --init, or without perl). Exit 125 (nsrun's failure): the pipe closed
// without "go", or the workdir is missing. The gate is running (its programs are loaded, its
// parent-death signal set): nsrun may pivot now (with a rootfs), and release it.
const READY = `printf ${GATE_READY} >&${GATE_READY_FD}; exec ${GATE_READY_FD}>&-`;
// TMOUT (the command's, for bash's read a timeout) set empty for the read alone: the init's
// bash would give up waiting and exit 125 when nsrun releases it later than that.
const RELEASE = `TMOUT= read _ <&${GATE_FD} || exit 125; exec ${GATE_FD}<&-`;
// With a rootfs the workdir ($1) is a path inside it, entered after the pivot.
const ENTER_WORKDIR = `cd "$1" 2>/dev/null || { printf 'nsrun: workdir %s: cannot enter it inside the rootfs\\n' "$1" >&2; exit 125; }; shift`;
// The command ("$@") in the shell's place. bash's and busybox's exec take options (a command
// named -x: "invalid option"; one named --: skipped) up to a `--`; dash's takes none, and runs
// a command named --. So for a name that starts with '-' the shell is asked first, in a
// subshell whose PATH finds nothing: `exec --` alone is a no-op only where `--` ends options.
const EXEC_COMMAND = 'case $1 in -*) if (PATH=/dev/null; exec --) 2>/dev/null; then exec -- "$@"; fi;; esac; exec "$@"';
// The command's variables that the shell and what started it ran without (shellEnv), given back.
const EXEC = `${SHELL_RESTORE}; ${EXEC_COMMAND}`;
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
  `( trap - INT QUIT; ${EXEC} ) <&4 4<&- &`,
  'child=$!; exec 4<&-',
  'for s in $early; do kill -"$s" "$child" 2>/dev/null; done',
  'while kill -0 "$child" 2>/dev/null; do wait "$child"; done',
  'wait "$child"',
].join('\n');
// The init's own variables, read before they are set, and POSIXLY_CORRECT (bash's posix mode,
// where a status once reported by `wait` is forgotten: the last `wait` would say 127, and `set
// +o posix` would unset it): the command's of these names are moved aside with the loader's
// (shellEnv) and given back to it alone.
const INIT_VARIABLES = ['child', 'early', 'POSIXLY_CORRECT'];

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

let lastCap: number | undefined;
/** Capabilities the kernel has (up to /proc/sys/kernel/cap_last_cap) that the container does not keep. */
function dropped(keep: readonly CapabilityName[]): number[] {
  lastCap ??= capLastCap();
  const kept = new Set<number>(keep.map((c) => CAPABILITIES[c]));
  const out: number[] = [];
  for (let c = 0; c <= lastCap; c++) if (!kept.has(c)) out.push(c);
  return out;
}

/**
 * The program and argv that wait on GATE_FD, then run `plan.command` (under the init with
 * `plan.init`): the Perl gate, exec'ing it itself; with `init`, perl → the init shell; without
 * perl, setpriv → the gate (or init) shell, each exec'ing the next.
 */
export function gateSpawn(plan: GatePlan, env: NodeJS.ProcessEnv): GateSpawn {
  const rootfs = plan.rootfs !== undefined;
  const security = plan.security;
  // Without a rootfs the workdir is a host path, entered by spawn itself.
  const cwd = !rootfs && plan.cwd !== undefined ? { cwd: plan.cwd } : {};
  // With a terminal of its own (tty.ts): the gate leads a new session; reopening the terminal
  // (no O_NOCTTY) makes it the session's controlling terminal, with the gate's group in front.
  // By its /dev/pts path, not /proc/self/fd/0: nsrun replaces the container's /proc while the
  // gate starts, and for that moment /proc is an empty directory (a gate that reopened through
  // it then died before it was ready: seen once in a loaded full run).
  const ttyPath = plan.tty ? (plan.ttyPath ?? '/dev/tty') : undefined;
  // With a rootfs the workdir is a path inside it, entered after the pivot.
  const workdir = rootfs ? (plan.cwd ?? '/') : undefined;
  // Perl alone is the gate. With --init, the init shell is: it is loaded before the pivot, so a
  // rootfs needs no shell of its own.
  if (PERL_GATE && !plan.init) {
    // PWD as the gate shell exported it: after its cd inside the rootfs, or from its start in
    // the workdir, which spawn entered relative to nsrun's own.
    const pwd = workdir !== undefined ? resolve('/', workdir) : plan.cwd !== undefined ? resolve(plan.cwd) : undefined;
    const commandEnv = pwd === undefined ? env : { ...env, PWD: pwd };
    const argv = perlGateArgv({ ...perlConfines(security), gate: true, tty: ttyPath, workdir, env: commandEnv }, plan.command);
    return { ...cwd, file: argv[0]!, args: argv.slice(1), env: loaderEnv(commandEnv) };
  }
  const script = [...(ttyPath ? ['exec 0<>"$1"; shift'] : []), READY, RELEASE, ...(rootfs ? [ENTER_WORKDIR] : []), plan.init ? INIT : EXEC].join('\n');
  // The dynamic loader's variables (and perl's) are the command's: the host's shell (and
  // setpriv) start without them, and the shell gives them back to the command alone.
  const shell = shellEnv(env, plan.init ? INIT_VARIABLES : []);
  const shellArgs = [
    plan.init ? INIT_SHELL : GATE_SHELL,
    ...(plan.init ? INIT_SHELL_ARGS : []),
    '-c',
    script,
    plan.init ? 'nsrun-init' : 'nsrun-gate',
    ...(ttyPath ? [ttyPath] : []),
    ...(workdir !== undefined ? [workdir] : []),
    ...shell.restore,
    '--',
    ...plan.command,
  ];
  if (PERL_GATE) {
    // perl moves the shell's environment aside once more for itself, and gives it back.
    const argv = perlGateArgv({ ...perlConfines(security), gate: false, env: shell.env }, shellArgs);
    return { ...cwd, file: argv[0]!, args: argv.slice(1), env: loaderEnv(shell.env) };
  }
  // Without setpriv (and perl) only a privileged container may start (options.ts refuses the
  // others); without the Perl gate there is no seccomp filter (plan.ts refuses it).
  if (security.seccomp) throw new Error('a seccomp filter needs the Perl gate, which cannot run here');
  const chain = SETPRIV !== undefined ? [SETPRIV, ...setprivArgs(security), '--', ...shellArgs] : shellArgs;
  return { ...cwd, file: chain[0]!, args: chain.slice(1), env: shell.env };
}

/** The Perl gate's part of setpriv's: the same capability sets and no_new_privs, and the filter. */
function perlConfines(s: SecurityPlan): Pick<PerlGate, 'filter' | 'drop' | 'noNewPrivs'> {
  return { filter: s.seccomp?.filter, drop: s.capabilities === 'all' ? 'none' : dropped(s.capabilities), noNewPrivs: s.noNewPrivs };
}

/** How a gate that ended too early is said (then how: gateEnd). */
const GATE_EXITED = 'the gate exited before it was ready';

/**
 * Blocks until the gate writes to its ready pipe (`fd`: the read end, blocking), or throws when
 * it exited first. Until then the gate may still be loading (perl, or setpriv and the shell, and
 * their libraries: the dynamic loader opens them by path *after* spawn returns), so a pivot_root
 * before that would make it look for them in the rootfs. A blocking read, not polling: the
 * gate writes as soon as it has confined itself. When it exited first, the error says how
 * (`gate`): a gate killed by a signal (SIGSYS from a filter, the OOM killer) prints nothing
 * itself.
 */
export function waitGateReady(fd: number, gate?: Subprocess): void {
  const b = Buffer.alloc(1);
  let n: number;
  try {
    n = readSync(fd, b, 0, 1, null);
  } catch (e) {
    throw new Error(`the gate's ready pipe: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (n === 0) throw new Error(`${GATE_EXITED}${gate === undefined ? '' : gateEnd(gate)}`);
}

/**
 * After a setup step failed, before waitGateReady read the gate's byte: `the gate exited before
 * it was ready (how)` if it did, else undefined. A gate that dies while nsrun sets up makes the
 * next step fail with an errno of its own (mount-proc: the pid namespace has lost its init,
 * ENOENT), so the gate's end is the cause to say. The kernel closes the gate's fds (its ready
 * pipe: EOF here) before it drops its namespaces. EOF after the byte is no end: a ready gate
 * closes the pipe and waits, alive, for the release.
 * `fd`: the ready pipe's read end (it is left non-blocking).
 */
export function gateEndedEarly(fd: number, gate: Subprocess): string | undefined {
  const b = Buffer.alloc(1);
  try {
    setNonblock(fd, true);
    // Its byte: the gate was ready (and may have closed the pipe since); nothing: it ended first.
    return readSync(fd, b, 0, 1, null) === 0 ? `${GATE_EXITED}${gateEnd(gate)}` : undefined;
  } catch {
    // EAGAIN: nothing to read, the write end is open: the gate is alive and not ready yet.
    return undefined;
  }
}

/** How long to wait for the gate to be reaped after its ready pipe closed (its exit follows). */
const GATE_REAP_MS = 200;

/** ` (exit status N)` or ` (killed by SIGX)` once the gate is reaped; '' if it is not by then. */
function gateEnd(gate: Subprocess): string {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  // The pipe closes in the kernel's exit before the process can be reaped: a few ms at most.
  for (let waited = 0; !gate.poll() && waited < GATE_REAP_MS; waited++) Atomics.wait(nap, 0, 0, 1);
  const end = gate.exit;
  if (end?.signal != null) return ` (killed by ${signalName(end.signal)})`;
  if (end?.code != null) return ` (exit status ${end.code})`;
  return '';
}
