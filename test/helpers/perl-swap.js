// Runs a Node program in a mount namespace of its own where perl (the runner's gate) is a shell
// script of the test's: a gate that starts late, dies, or exits, without touching the host's perl.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The host's perl, or undefined (then the runner's gate is setpriv and the shell). */
export const PERL = ['/usr/bin/perl', '/bin/perl'].find((p) => existsSync(p));

/**
 * `node --input-type=module -e code`, its stderr to `${dir}/stderr`, with PERL bound to a shell
 * script whose body is `body(realPerl)` (realPerl: a copy of the real one, in `dir`).
 * @param {string} dir a scratch directory of the caller's
 * @param {(realPerl: string) => string} body
 * @param {string} code
 * @param {import('node:child_process').SpawnSyncOptions} [opts]
 */
export function runWithPerlAs(dir, body, code, opts = {}) {
  if (PERL === undefined) throw new Error('perl is missing');
  const script = `set -e
mount --make-rprivate /
cp ${PERL} ${dir}/perl-real
printf '#!/bin/sh\\n%s\\n' "$2" > ${dir}/perl
chmod 755 ${dir}/perl
mount --bind ${dir}/perl ${PERL}
exec ${JSON.stringify(process.execPath)} --input-type=module -e "$1" 2>${dir}/stderr`;
  return spawnSync('unshare', ['--mount', 'sh', '-c', script, 'perl-swap', code, body(`${dir}/perl-real`)], { timeout: 30_000, ...opts });
}

/**
 * The argv prefix that runs a program in a mount namespace of its own where `file` is bound over
 * perl: /dev/null for a machine without perl (the gate is then setpriv and the shell), the
 * static busybox for a perl that cannot start ("perl: applet not found", exit 127).
 * @param {string} file
 */
export function withPerlReplacedBy(file) {
  if (PERL === undefined) throw new Error('perl is missing');
  return ['unshare', '--mount', 'sh', '-c', `mount --make-rprivate / && mount --bind ${file} ${PERL} && exec "$@"`, 'perl-swap'];
}
