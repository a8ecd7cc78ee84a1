// mkdirp, the runner's mkdir -p (state directories, `nsrun cni install --dir`): the kernel's own
// error for the directory that cannot be made, and never a hang. Node 20's recursive mkdirSync
// never returns under /proc (it retries the parent on the kernel's ENOENT there), which made
// `nsrun cni install --dir /proc/x` and `nsrun run --state-dir /proc/x` spin at 100% CPU.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirp } from '@nsrun/runner';

test('makes the missing parents with the mode asked for, whatever the umask; an existing path is left as it is', () => {
  const root = mkdtempSync(join(tmpdir(), 'nsrun-mkdirp-'));
  const old = process.umask(0o077);
  try {
    mkdirp(join(root, 'a/b/c'), 0o755);
    for (const d of ['a', 'a/b', 'a/b/c']) assert.is(statSync(join(root, d)).mode & 0o777, 0o755, d);
    mkdirp(join(root, 'a/b/c'), 0o700); // already there: nothing changes
    assert.is(statSync(join(root, 'a/b/c')).mode & 0o777, 0o755);
  } finally {
    process.umask(old);
    rmSync(root, { recursive: true, force: true });
  }
});

test('a file in the way: ENOTDIR, nothing made', () => {
  const root = mkdtempSync(join(tmpdir(), 'nsrun-mkdirp-'));
  try {
    writeFileSync(join(root, 'f'), '');
    assert.throws(
      () => mkdirp(join(root, 'f/x/y'), 0o755),
      (/** @type {NodeJS.ErrnoException} */ e) => e.code === 'ENOTDIR',
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('under /proc: the kernel says ENOENT, at once (a child, so a hang ends the test, not the run)', () => {
  const script = "import('@nsrun/runner').then((m) => { try { m.mkdirp('/proc/nsrun-mkdirp-test/x', 0o755); } catch (e) { console.log(e.code); } })";
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('.', import.meta.url),
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
  assert.is(r.signal, null, 'mkdirp did not return within 20 s');
  assert.is(r.stdout, 'ENOENT\n', r.stderr);
});

test.run();
