import { accessSync, constants } from 'node:fs';

/** The first of `paths` that this process may execute; undefined when none. */
export function firstExecutable(paths: readonly string[]): string | undefined {
  return paths.find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
