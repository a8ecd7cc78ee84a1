// Safety net shared by the benchmark programs: they create and delete links, so they run only
// in a fresh network namespace, i.e. one whose only interface is lo (/proc/self/net follows the
// caller's netns; the machine's own has eth0 and the like). Exit code 2, as the harness expects.
import { readFileSync } from 'node:fs';

export function foreignInterfaces() {
  return readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(':')[0])
    .filter((name) => name && name !== 'lo');
}

export function guardNetns(who) {
  const others = foreignInterfaces();
  if (others.length) {
    process.stderr.write(
      `${who}: refusing to run: this netns has interfaces other than lo (${others.join(', ')}); run inside a fresh one (unshare --net -- ...)\n`,
    );
    process.exit(2);
  }
}

/** `N R` from argv, checked like the other implementations do. */
export function sizes(who, argv = process.argv.slice(2)) {
  const [N, R] = argv.map((s) => Number.parseInt(s, 10));
  if (!(N >= 1 && N <= 65536 && R >= 0 && R <= 131072)) {
    process.stderr.write(`usage: ${who} N R  (1 <= N <= 65536, 0 <= R <= 131072)\n`);
    process.exit(2);
  }
  return { N, R };
}
