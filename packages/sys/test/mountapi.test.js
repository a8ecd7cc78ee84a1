// The new mount API (mountFresh, mountSetattr) against the real kernel, in child Node processes
// with a private mount namespace each (@nsrun/test-helpers/child), observed through their mountinfo.
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { runNode } from '@nsrun/test-helpers/child';

const k = kernelSuite('mountFresh, mountSetattr');
k.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'nsrun-mountapi-'));
});
k.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

const PRIVATE_MNT = `sys.unshare(sys.CLONE_NEWNS);
sys.mount(null, '/', null, sys.MS_REC | sys.MS_PRIVATE);
const at = (dir) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter((l) => l.split(' ')[4] === dir).map((l) => ({ source: l.split(' - ')[1].split(' ')[1], opts: l.split(' ')[5] }));`;

k('replace: every mount stacked at the target is detached (with what is under it), the new one attached alone', (ctx) => {
  const r = runNode(`${PRIVATE_MNT}
const d = ${JSON.stringify(ctx.dir)};
sys.mount('old1', d, 'tmpfs');
sys.mount('old2', d, 'tmpfs');
fs.mkdirSync(d + '/sub');
sys.mount('oldsub', d + '/sub', 'tmpfs');
const before = at(d).map((m) => m.source);
sys.mountFresh('tmpfs', d, { options: { mode: '0711', size: '64k' }, attrs: sys.MOUNT_ATTR_NOEXEC, replace: true });
out({ before, after: at(d), sub: at(d + '/sub'), mode: (fs.statSync(d).mode & 0o777).toString(8) });
`);
  assert.is(r.status, 0, r.why);
  const res = r.lines[0];
  assert.equal(res.before, ['old1', 'old2']);
  assert.is(res.after.length, 1, JSON.stringify(res.after));
  assert.is(res.after[0].source, 'none', 'fsopen mounts have no source name');
  assert.ok(res.after[0].opts.split(',').includes('noexec'));
  assert.equal(res.sub, [], 'the submount went with the old tree');
  assert.is(res.mode, '711');
});

k("a bad option: EINVAL with the kernel's own message from the fs context; nothing mounted", (ctx) => {
  const r = runNode(`${PRIVATE_MNT}
const d = ${JSON.stringify(ctx.dir)};
try { sys.mountFresh('tmpfs', d, { options: { nonsense: '1' }, replace: true }); out({ ok: true }); } catch (e) { out({ err: errInfo(e), mounts: at(d) }); }
`);
  assert.is(r.status, 0, r.why);
  const { err, mounts } = r.lines[0];
  assert.equal([err.syscall, err.code], ['fsconfig', 'EINVAL']);
  assert.match(err.message, /^fsconfig tmpfs on .* nonsense=1: EINVAL \(Invalid argument; kernel: tmpfs: Unknown parameter 'nonsense'\)$/);
  assert.equal(mounts, []);
});

k('mountSetattr: nodev and read-only on a whole tree, other flags kept', (ctx) => {
  const r = runNode(`${PRIVATE_MNT}
const d = ${JSON.stringify(ctx.dir)};
sys.mount('top', d, 'tmpfs', sys.MS_NOSUID);
fs.mkdirSync(d + '/sub');
sys.mount('sub', d + '/sub', 'tmpfs', sys.MS_NOEXEC);
sys.mountSetattr(d, sys.MOUNT_ATTR_NODEV | sys.MOUNT_ATTR_RDONLY, { recursive: true });
out({ top: at(d)[0].opts, sub: at(d + '/sub')[0].opts });
`);
  assert.is(r.status, 0, r.why);
  const { top, sub } = r.lines[0];
  for (const f of ['ro', 'nodev', 'nosuid']) assert.ok(top.split(',').includes(f), `top ${top}`);
  for (const f of ['ro', 'nodev', 'noexec']) assert.ok(sub.split(',').includes(f), `sub ${sub}`);
});

k.run();
