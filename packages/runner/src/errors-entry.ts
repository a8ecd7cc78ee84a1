// @nsrun/runner/errors: the runner's error classes and the exit statuses it reports, without the
// runner. What a program needs to tell the runner's failures apart (the CLI's failure path, for
// every command) need not initialise every module of the runner: the root entry point does.
export { RunnerError, type RunStep } from './errors.js';
export { NetdError } from './netd/errors.js';
export { StateError } from './state/errors.js';
export { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, EXIT_RUNNER_FAILED } from './status.js';
