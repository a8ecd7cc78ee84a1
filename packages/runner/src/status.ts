import { constants } from 'node:os';

// Exit statuses as shells, docker and podman report them.

/** nsrun itself failed before the command ran. */
export const EXIT_RUNNER_FAILED = 125;
/** The command exists but could not be executed (the gate shell's `exec` reports it). */
export const EXIT_NOT_EXECUTABLE = 126;
/** The command was not found. */
export const EXIT_NOT_FOUND = 127;

/** The command's status: its exit code, or 128+n when signal n (a name or a number) killed it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | number | null): number {
  if (code !== null) return code;
  const n = typeof signal === 'number' ? signal : signal === null ? undefined : (constants.signals as Record<string, number>)[signal];
  return n === undefined ? EXIT_RUNNER_FAILED : 128 + n;
}
