import { RunnerError, type AsyncStepRunner, type StepRunner } from './errors.js';
import { nowMs } from './clock.js';

/** A step runner: times each step for `log`, injects `faultAt`, names the step in failures. */
export function stepRunner(log: ((step: string, ms: number) => void) | undefined, faultAt: string | undefined): AsyncStepRunner {
  return async (name, fn) => {
    const t0 = nowMs();
    try {
      if (faultAt === name) throw new RunnerError(name, 'injected failure (faultAt)');
      const r = await fn();
      log?.(name, nowMs() - t0);
      return r;
    } catch (e) {
      throw RunnerError.wrap(name, e);
    }
  };
}

/** The same for setup's synchronous stretch (setup.ts: no `await` while in the container's namespaces). */
export function syncStepRunner(log: ((step: string, ms: number) => void) | undefined, faultAt: string | undefined): StepRunner {
  return (name, fn) => {
    const t0 = nowMs();
    try {
      if (faultAt === name) throw new RunnerError(name, 'injected failure (faultAt)');
      fn();
    } catch (e) {
      throw RunnerError.wrap(name, e);
    }
    log?.(name, nowMs() - t0);
  };
}
