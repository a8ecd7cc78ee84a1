import { RunnerError, type AsyncStepRunner } from './errors.js';
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
