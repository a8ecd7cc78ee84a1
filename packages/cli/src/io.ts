// Where a command writes and what stops it: the binary passes process streams and a signal
// aborted by SIGINT/SIGTERM; tests pass collectors and their own AbortController.

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Aborted to end long-running commands (ip monitor) with success. */
  signal?: AbortSignal;
}
