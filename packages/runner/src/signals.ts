import type { ChildProcess } from 'node:child_process';

// Signals nsrun passes on to the command while it runs (the list).
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export interface ForwardOptions {
  /** Seconds from the first stop signal to SIGKILL (default 10). */
  stopTimeout?: number;
}

/** Forwards FORWARDED_SIGNALS received by this process to `child`; returns the undo. */
export function forwardSignals(child: ChildProcess, _opts: ForwardOptions = {}): () => void {
  const handlers = FORWARDED_SIGNALS.map((sig) => {
    const h = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
