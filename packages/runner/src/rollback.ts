import { RunnerError, oneLine, type RunStep } from './errors.js';

// What a setup has made so far, undone last-first when a later step fails. Every undo runs even
// when an earlier one fails; what could not be undone is named in the error the caller sees.

export class Rollback {
  readonly #steps: Array<[RunStep, () => Promise<unknown>]> = [];

  push(step: RunStep, undo: () => Promise<unknown>): void {
    this.#steps.push([step, undo]);
  }

  /** Runs every undo, last first; returns the failure `e` as a RunnerError, with what is left. */
  async undo(e: unknown, fallbackStep: RunStep): Promise<RunnerError> {
    const failure = RunnerError.wrap(fallbackStep, e);
    const failed: string[] = [];
    for (const [name, fn] of this.#steps.reverse()) {
      try {
        await fn();
      } catch (u) {
        failed.push(`${name}: ${oneLine(u)}`);
      }
    }
    this.#steps.length = 0;
    if (!failed.length) return failure;
    return new RunnerError(failure.step, `${failure.reason}; could not undo ${failed.join('; ')}`, {
      cause: failure.cause,
      field: failure.field,
      notUndone: [...failure.notUndone, ...failed],
    });
  }
}
