// A process's confinement as /proc/PID/status shows it: the capability sets, no_new_privs and the
// seccomp mode (run-confine.test.js, run-gate.test.js).

/** A capability mask as /proc/PID/status prints it: 16 hex digits. */
export const capHex = (/** @type {bigint} */ m) => m.toString(16).padStart(16, '0');

/** A shell command printing those lines of `file` (/proc/self/status, /proc/1/status). */
export const confinementCommand = (/** @type {string} */ file) => `grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" ${file}`;

/**
 * The `Name: value` lines of that output, by name.
 * @param {string} out
 * @returns {Record<string, string>}
 */
export const statusFields = (out) =>
  Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.split(/:\s*/)),
  );
