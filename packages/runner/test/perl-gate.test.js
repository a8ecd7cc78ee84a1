// The Perl gate's program (src/security/loader.ts) run directly, without namespaces: a step that
// fails says which, with the errno's name and text, and exits 125 before anything else ran.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { skip } from '@nsrun/test-helpers/kernel';
import { spawnSync } from 'node:child_process';
import { SECCOMP_ARCHES } from '@nsrun/sys';
import { PERL_GATE, gateSyscallNumbers, loaderEnv, perlGateArgv } from '../dist/security/loader.js';

test("a failed step names itself and the errno (name and text), exit 125, nothing exec'd", () => {
  if (!PERL_GATE) return skip('no perl, or an architecture without syscall tables: the gate is setpriv and the shell');
  // One instruction the kernel refuses (code 0xffff): seccomp(2) fails with EINVAL.
  const filter = Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0]);
  const env = { PATH: process.env.PATH };
  const argv = perlGateArgv({ filter, drop: 'none', noNewPrivs: false, gate: false, env }, ['/bin/echo', 'the command ran']);
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: loaderEnv(env) });
  assert.is(r.stderr, 'nsrun: gate: seccomp: cannot install the filter: EINVAL (Invalid argument)\n');
  assert.is(r.stdout, '');
  assert.is(r.status, 125);
});

test("the program's system call numbers: from the ABI's table; none (setpriv's gate then) when the table lacks one", () => {
  // prctl, capget, capset, seccomp, execve, rt_sigaction (<asm/unistd_64.h>, <asm-generic/unistd.h>)
  assert.is(gateSyscallNumbers(SECCOMP_ARCHES.x86_64.table), '157,125,126,317,59,13');
  assert.is(gateSyscallNumbers(SECCOMP_ARCHES.aarch64.table), '167,90,91,277,221,134');
  const { seccomp, ...older } = SECCOMP_ARCHES.x86_64.table;
  assert.is(seccomp, 317);
  assert.is(gateSyscallNumbers(older), undefined);
});

test.run();
