// Tests that open fds: run with them, close whatever the test left open, even when it fails.

/** Runs fn(fds, closeFd) with already-open `fds`; afterwards closes those not closed through closeFd. */
export function withOpenFds(fds, close, fn) {
  const open = new Set(fds);
  try {
    return fn(fds, (fd) => {
      close(fd);
      open.delete(fd);
    });
  } finally {
    for (const fd of open) close(fd);
  }
}
