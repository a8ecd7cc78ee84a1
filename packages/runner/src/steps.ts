import { RunnerError, type AsyncStepRunner, type RunStep, type StepRunner } from './errors.js';
import { nowMs } from './clock.js';

/**
 * Where a test injects a failure (RunOptions.faultAt): a step's name for its first use, NAME#N
 * for its Nth (a run goes through `bridge` three times, `hide-state` twice). One per run, shared
 * by every step runner of the run, so the uses are counted across them.
 */
export class FaultPoint {
  readonly #name: string | undefined;
  readonly #nth: number;
  #seen = 0;

  constructor(faultAt: string | undefined) {
    const m = faultAt === undefined ? undefined : /^(.+?)(?:#([1-9]\d*))?$/.exec(faultAt);
    this.#name = m?.[1];
    this.#nth = m?.[2] === undefined ? 1 : Number(m[2]);
  }

  /** Counts a use of step `name`; throws the injected failure when it is the one asked for. */
  hit(name: RunStep): void {
    if (name !== this.#name || ++this.#seen !== this.#nth) return;
    throw new RunnerError(name, `injected failure (faultAt ${this.#nth === 1 ? name : `${name}#${this.#nth}`})`);
  }
}

/** A step runner: times each step for `log`, injects the fault, names the step in failures. */
export function stepRunner(log: ((step: string, ms: number) => void) | undefined, fault: FaultPoint): AsyncStepRunner {
  return async (name, fn) => {
    const t0 = nowMs();
    try {
      fault.hit(name);
      const r = await fn();
      log?.(name, nowMs() - t0);
      return r;
    } catch (e) {
      throw RunnerError.wrap(name, e);
    }
  };
}

/** The same for setup's synchronous stretch (setup.ts: no `await` while in the container's namespaces). */
export function syncStepRunner(log: ((step: string, ms: number) => void) | undefined, fault: FaultPoint): StepRunner {
  return (name, fn) => {
    const t0 = nowMs();
    try {
      fault.hit(name);
      fn();
    } catch (e) {
      throw RunnerError.wrap(name, e);
    }
    log?.(name, nowMs() - t0);
  };
}
