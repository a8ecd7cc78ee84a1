import type { RunOptions } from './options.js';

// The container's first process before the command: a shell that waits on fd 3 until nsrun has
// finished setting up the namespaces, then execs the command in its place (same pid: PID 1).
// No polling: the read returns when nsrun writes "go" or closes the pipe (EOF: nsrun failed,
// exit 125). The shell's own exec gives the conventional 127 (not found) and 126 (not
// executable) and searches PATH.
export const GATE_SHELL = '/bin/sh';
export const GATE_FD = 3;
const GATE_SCRIPT = `read _ <&${GATE_FD} || exit 125; exec ${GATE_FD}<&-; exec "$@"`;

/** What the gate needs to know: the command, how to run it, where. */
export type GatePlan = Pick<RunOptions, 'command' | 'init' | 'cwd' | 'rootfs'>;

/** What nsrun spawns as the container's first process. */
export interface GateSpawn {
  file: string;
  args: string[];
  /** Directory to spawn in (a host path; undefined: nsrun's own). */
  cwd?: string;
}

/** The program and argv that wait on GATE_FD, then run `plan.command`. */
export function gateSpawn(plan: GatePlan): GateSpawn {
  return {
    ...(plan.cwd !== undefined && { cwd: plan.cwd }), file: GATE_SHELL, args: ['-c', GATE_SCRIPT, 'nsrun-gate', ...plan.command] };
}

/** What nsrun writes to GATE_FD to let the command start. */
export const GATE_GO = 'go\n';
