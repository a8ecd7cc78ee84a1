// `nsrun run` by a user who is not root with perl's own variables in the environment: the
// launcher (nsrun-rootless.pl) runs as without them, and nsrun and the command get them as the
// user had them.
import * as assert from 'uvu/assert';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { processesOf, removeDir, runAsUser, settledProcessesOf, userDir } from '@nsrun/test-helpers/rootless';

const test = kernelSuite("nsrun run as a user who is not root, with perl's variables");
// A uid of this file's own (other test files run as other users at the same time).
const UID = 4243;

test.before.each((ctx) => {
  ctx.dir = userDir(UID);
});
test.after.each(async () => {
  for (const p of processesOf(UID)) {
    try {
      process.kill(Number(p.split(' ')[0]), 'SIGKILL'); // only the test user's, which this file started
    } catch {}
  }
  await settledProcessesOf(UID);
});
test.after.each((ctx) => removeDir(ctx.dir));

// PERLIO=:utf8 and PERL_UNICODE (D: :utf8 on every handle perl opens) made the launcher die at
// its first sysread ("sysread() isn't allowed on :utf8 handles"), exit 255, before nsrun ran.
const VARIABLES = [{ PERLIO: ':utf8' }, { PERL_UNICODE: 'SDA' }, { PERL_UNICODE: '', LANG: 'C.UTF-8' }, { PERL5OPT: '-w', PERLIO: ':raw' }];

test('the launcher runs as without them; the command gets them as they were', async (ctx) => {
  for (const vars of VARIABLES) {
    const names = Object.keys(vars).filter((n) => n.startsWith('PERL'));
    const print = names.map((v) => `printf "%s=%s|" ${v} "\${${v}-unset}"`).join('; ');
    const r = await runAsUser(ctx.ns, UID, ctx.dir, `"$NSRUN" run --net none -- sh -c '${print}; env | grep -c "^NSRUN_SAVED_" || true'`, { env: vars });
    const what = JSON.stringify(vars);
    assert.is(r.stderr, '', what);
    assert.is(r.status, 0, what);
    assert.is(r.stdout, `${names.map((v) => `${v}=${vars[v]}|`).join('')}0\n`, what);
  }
});

test.run();
