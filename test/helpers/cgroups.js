// The cgroup directories a container engine's runtime makes during a test (containerd's and
// podman's runc), removed after it: the tests start the engines, so what they leave is theirs.
import { execFileSync } from 'node:child_process';
import { rmdirSync } from 'node:fs';

/** Every cgroup directory (v1 controllers and v2), a few levels down. */
export const cgroupDirs = () =>
  new Set(execFileSync('find', ['/sys/fs/cgroup', '-mindepth', '1', '-maxdepth', '4', '-type', 'd'], { encoding: 'utf8' }).split('\n').filter(Boolean));

/** rmdir, again for up to 5 s while the cgroup is busy (its last processes still exiting); whether it went. */
function rmdirSoon(/** @type {string} */ d) {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(d);
      return true;
    } catch (e) {
      const code = /** @type {NodeJS.ErrnoException} */ (e).code;
      if (code === 'ENOENT') return true;
      if (code !== 'EBUSY' || i >= 50) {
        console.log(`\n# ${d}: ${code}`);
        return false;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

/**
 * Removes the cgroup directories made since `before` (deepest first). What cannot be removed is
 * said and fails the test file, without throwing: uvu drops a failed test's own error when an
 * after.each hook throws.
 * @param {Set<string>} before
 */
export function removeNewCgroups(before) {
  const left = [...cgroupDirs()]
    .filter((d) => !before.has(d))
    .sort()
    .reverse()
    .filter((d) => !rmdirSoon(d));
  if (left.length) {
    console.log(`\n# cgroup directories left behind: ${left.join(' ')}`);
    process.exitCode = 1;
  }
}
