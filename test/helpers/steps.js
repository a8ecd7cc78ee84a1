// The step names of `run` (runner/src/errors.ts, RunStep) for the tests that inject a failure at
// each one (run-fault-steps*.test.js).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ERRORS_TS = fileURLToPath(new URL('../../packages/runner/src/errors.ts', import.meta.url));

/** The names of the RunStep union, as errors.ts declares them. */
export function runSteps() {
  const src = readFileSync(ERRORS_TS, 'utf8');
  const m = /export type RunStep =([^;]*);/.exec(src);
  if (!m) throw new Error(`no RunStep type in ${ERRORS_TS}`);
  return [...m[1].matchAll(/'([a-z-]+)'/g)].map((x) => x[1]);
}

/** Steps no faultAt reaches, and why. */
export const NOT_INJECTED = {
  validate: 'the options are refused before the first step runs',
  privileges: 'refused before the first step (not root, no user namespace)',
  'restore-namespaces': 'not a step that can fail on request: it always runs (setup.ts), and its failure wins over any other',
};

/** Steps only a rootless run reaches (run-fault-steps-rootless.test.js injects them). */
export const ROOTLESS_ONLY = ['unshare-net', 'netd', 'usernet'];
