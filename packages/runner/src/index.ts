// @nsrun/runner: run a command in new Linux namespaces (the `nsrun run` job).
export { run, type RunHandle } from './run.js';
export { validateRunOptions, type RunOptions, type NetMode } from './options.js';
export { RunnerError, type RunStep } from './errors.js';
export { exitStatus, EXIT_RUNNER_FAILED, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from './status.js';
export { FORWARDED_SIGNALS } from './signals.js';
