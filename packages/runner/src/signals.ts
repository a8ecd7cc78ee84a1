import type { Subprocess } from '@nsrun/sys';

// Signals nsrun passes on to the command while it runs (the list).
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
/** Those that ask the container to stop: the first starts the grace period, a second ends it. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
export const DEFAULT_STOP_TIMEOUT = 10;
// setTimeout treats a longer delay as 1 ms (TimeoutOverflowWarning): cap it (about 24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ForwardOptions {
  /** Seconds from the first stop signal to SIGKILL (default 10). */
  stopTimeout?: number;
}

/**
 * Forwards FORWARDED_SIGNALS received by this process to `child` (the container's PID 1). The
 * first stop signal also arms a timer: after `stopTimeout` seconds PID 1 gets SIGKILL, which
 * ends every process of its pid namespace; a second stop signal does that at once. Returns the
 * undo (listeners removed, timer cleared); the child's exit clears the timer as well.
 */
export function forwardSignals(child: Subprocess, opts: ForwardOptions = {}): () => void {
  const stopTimeout = opts.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  const alive = (): boolean => child.exit === undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  const clear = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const killNow = (): void => {
    clear();
    if (alive()) child.kill('SIGKILL');
  };
  const forward = (sig: NodeJS.Signals): void => {
    if (!alive()) return;
    if (!STOP_SIGNALS.includes(sig)) {
      child.kill(sig);
    } else if (stopping) {
      killNow();
    } else {
      stopping = true;
      child.kill(sig);
      // unref: a pending kill must not keep nsrun alive; the Subprocess keeps it alive while the child runs.
      timer = setTimeout(killNow, Math.min(stopTimeout * 1000, MAX_TIMER_MS)).unref();
    }
  };
  register(forward);
  void child.exited.then(clear);
  return () => {
    clear();
    unregister(forward);
  };
}

// One process listener per signal however many containers run in this process (each
// container's forwarder is in the set), so many containers do not trip Node's listener limit.
const forwarders = new Set<(sig: NodeJS.Signals) => void>();
const installed = new Map<NodeJS.Signals, () => void>();

function register(f: (sig: NodeJS.Signals) => void): void {
  forwarders.add(f);
  if (installed.size) return;
  for (const sig of FORWARDED_SIGNALS) {
    const h = (): void => {
      for (const g of [...forwarders]) g(sig);
    };
    process.on(sig, h);
    installed.set(sig, h);
  }
}

function unregister(f: (sig: NodeJS.Signals) => void): void {
  forwarders.delete(f);
  if (forwarders.size) return;
  for (const [sig, h] of installed) process.off(sig, h);
  installed.clear();
}
