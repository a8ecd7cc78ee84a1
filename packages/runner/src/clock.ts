// Milliseconds for step timings. Not performance.now(): its global loads perf_hooks (ten of
// Node's internal modules) on first use, on every run's path, for a number `--verbose` prints.
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
