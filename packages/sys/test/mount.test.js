// mount, umount2, pivot_root, chroot and chdir against the real kernel. Every mount happens in a
// child Node process that first takes a mount namespace of its own (unshare(CLONE_NEWNS) on its
// main thread) and makes `/` private, so nothing reaches the test process or the machine; the
// test process observes from outside through /proc/CHILD. Needs root; chdir runs unprivileged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { runNode, startNode } from '@nsrun/test-helpers/child';

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));

/** Child prologue: a private mount namespace for the child's main thread. */
const PRIVATE_MNT = `sys.unshare(sys.CLONE_NEWNS);
sys.mount(null, '/', null, sys.MS_REC | sys.MS_PRIVATE);`;

const mountLines = (text, dir) => text.split('\n').filter((l) => l.split(' ')[4] === dir);

function withDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-mount-'));
  return Promise.resolve()
    .then(() => fn(dir))
    .finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('chdir moves the process and keeps process.cwd() right (Node caches it); ENOENT names the path', () => {
  const r = runNode(`
const res = { start: process.cwd() };
sys.chdir('/usr');
res.cwd = process.cwd();
res.real = fs.readlinkSync('/proc/self/cwd');
try { sys.chdir('/nonexistent/dir'); } catch (e) { res.err = errInfo(e); }
out(res);
`);
  assert.is(r.status, 0, r.why);
  const res = r.lines[0];
  assert.is(res.real, '/usr');
  assert.is(res.cwd, '/usr');
  assert.equal([res.err.syscall, res.err.code, res.err.target], ['chdir', 'ENOENT', '/nonexistent/dir']);
});

test('without CAP_SYS_ADMIN mount, umount2, pivot_root and chroot are EPERM', () => {
  const opts = process.getuid() === 0 ? { uid: 65534, gid: 65534 } : {};
  const r = runNode(
    `
const res = {};
for (const [k, f] of Object.entries({
  mount: () => sys.mount('none', '/tmp', 'tmpfs'),
  umount2: () => sys.umount2('/proc'),
  pivot_root: () => sys.pivotRoot('/tmp', '/tmp'),
  chroot: () => sys.chroot('/tmp'),
})) { try { f(); res[k] = 'succeeded'; } catch (e) { res[k] = e.syscall + ' ' + e.code; } }
out(res);
`,
    opts,
  );
  assert.is(r.status, 0, r.why);
  assert.equal(r.lines[0], { mount: 'mount EPERM', umount2: 'umount2 EPERM', pivot_root: 'pivot_root EPERM', chroot: 'chroot EPERM' });
});

test.run();

const k = kernelSuite('mount');

k('a tmpfs mounted in a private mount namespace is seen there and not outside; umount2 removes it', () =>
  withDir(async (dir) => {
    const c = startNode(`${PRIVATE_MNT}
const dir = ${JSON.stringify(dir)};
sys.mount('nsrun-tmp', dir, 'tmpfs', sys.MS_NOSUID | sys.MS_NODEV, 'size=1m,mode=0711');
fs.writeFileSync(dir + '/marker', 'inside');
out('mounted');
fs.readSync(0, Buffer.alloc(1)); // until the test has looked
sys.umount2(dir);
out({ marker: fs.existsSync(dir + '/marker'), mountinfo: fs.readFileSync('/proc/thread-self/mountinfo', 'utf8') });
`);
    try {
      assert.is(await c.next(), 'mounted');
      // The child's view, read from outside.
      const theirs = mountLines(readFileSync(`/proc/${c.pid}/mountinfo`, 'utf8'), dir);
      assert.is(theirs.length, 1, readFileSync(`/proc/${c.pid}/mountinfo`, 'utf8'));
      assert.match(theirs[0], / rw,nosuid,nodev,relatime( \S+)* - tmpfs nsrun-tmp rw,size=1024k,mode=711$/);
      assert.is(readFileSync(`/proc/${c.pid}/root${dir}/marker`, 'utf8'), 'inside');
      // Ours.
      assert.equal(mountLines(readFileSync('/proc/self/mountinfo', 'utf8'), dir), []);
      assert.not.ok(existsSync(join(dir, 'marker')));
      c.end();
      const after = await c.next();
      assert.is(after.marker, false);
      assert.equal(mountLines(after.mountinfo, dir), []);
      assert.is((await c.exit).code, 0);
    } finally {
      c.kill();
    }
  }),
);

k('mount and umount2 failures name the call, errno and target; MNT_DETACH unmounts a busy mount', () =>
  withDir((dir) => {
    const r = runNode(`${PRIVATE_MNT}
const dir = ${JSON.stringify(dir)};
const res = {};
const attempt = (k, f) => { try { f(); res[k] = 'succeeded'; } catch (e) { res[k] = errInfo(e); } };
attempt('noTarget', () => sys.mount('none', '/nonexistent/nsrun', 'tmpfs'));
attempt('noFs', () => sys.mount('none', dir, 'nsrun-no-such-fs'));
attempt('notMounted', () => sys.umount2(dir));
attempt('nul', () => sys.mount('none', dir + '\\0x', 'tmpfs'));
sys.mount('busy', dir, 'tmpfs');
const fd = fs.openSync(dir + '/open', 'w');
attempt('busy', () => sys.umount2(dir));
attempt('detach', () => sys.umount2(dir, sys.MNT_DETACH));
fs.closeSync(fd);
res.left = fs.readFileSync('/proc/thread-self/mountinfo', 'utf8').includes(' ' + dir + ' ');
out(res);
`);
    assert.is(r.status, 0, r.why);
    const res = r.lines[0];
    assert.equal([res.noTarget.syscall, res.noTarget.code, res.noTarget.target], ['mount', 'ENOENT', 'none on /nonexistent/nsrun type tmpfs flags 0x0']);
    assert.equal([res.noFs.code, res.noFs.target], ['ENODEV', `none on ${dir} type nsrun-no-such-fs flags 0x0`]);
    assert.equal([res.notMounted.syscall, res.notMounted.code, res.notMounted.target], ['umount2', 'EINVAL', `${dir} flags 0x0`]);
    assert.is(res.nul.name, 'TypeError');
    assert.is(res.busy.code, 'EBUSY');
    assert.is(res.detach, 'succeeded');
    assert.is(res.left, false);
  }),
);

k('bind mount, then a read-only remount of the bind: writes through it are EROFS, the source stays writable', () =>
  withDir((dir) => {
    const src = join(dir, 'src');
    const dst = join(dir, 'dst');
    mkdirSync(src);
    mkdirSync(dst);
    const r = runNode(`${PRIVATE_MNT}
const [src, dst] = ${JSON.stringify([src, dst])};
sys.mount('nsrun-bind', src, 'tmpfs');
fs.writeFileSync(src + '/file', 'one');
sys.mount(src, dst, null, sys.MS_BIND);
const res = { seen: fs.readFileSync(dst + '/file', 'utf8') };
sys.mount(null, dst, null, sys.MS_REMOUNT | sys.MS_BIND | sys.MS_RDONLY);
try { fs.writeFileSync(dst + '/file', 'two'); res.write = 'succeeded'; } catch (e) { res.write = e.code; }
fs.writeFileSync(src + '/file', 'three');
res.seenAfter = fs.readFileSync(dst + '/file', 'utf8');
res.opts = fs.readFileSync('/proc/thread-self/mountinfo', 'utf8').split('\\n').find((l) => l.split(' ')[4] === dst).split(' ')[5];
out(res);
`);
    assert.is(r.status, 0, r.why);
    assert.equal(r.lines[0], { seen: 'one', write: 'EROFS', seenAfter: 'three', opts: 'ro,relatime' });
  }),
);

k('pivot_root into a tmpfs tree: `/` shows only the tree, the old root goes with umount2; a program runs there', () =>
  withDir((dir) => {
    const r = runNode(`${PRIVATE_MNT}
const root = ${JSON.stringify(dir)};
const busybox = ${JSON.stringify(BUSYBOX ?? null)};
sys.mount('nsrun-root', root, 'tmpfs', 0, 'mode=0755');
for (const d of ['old', 'etc', 'bin']) fs.mkdirSync(root + '/' + d);
fs.writeFileSync(root + '/etc/hello', 'from the new root\\n');
if (busybox) { fs.copyFileSync(busybox, root + '/bin/busybox'); fs.chmodSync(root + '/bin/busybox', 0o755); }
const res = {};
try { sys.pivotRoot(root + '/etc', root + '/etc'); } catch (e) { res.notMountPoint = errInfo(e); }
sys.pivotRoot(root, root + '/old');
sys.chdir('/');
res.withOld = fs.readdirSync('/').sort();
res.oldHasNode = fs.existsSync('/old' + process.execPath);
sys.umount2('/old', sys.MNT_DETACH);
fs.rmdirSync('/old');
res.root = fs.readdirSync('/').sort();
res.cwd = process.cwd();
res.hello = fs.readFileSync('/etc/hello', 'utf8');
res.proc = fs.existsSync('/proc/self');
out(res);
if (busybox) sys.execve('/bin/busybox', ['sh', '-c', 'echo "$0 in $(/bin/busybox pwd):" $(/bin/busybox ls /); /bin/busybox cat /etc/hello; exit 3'], { PATH: '/bin' });
`);
    const res = r.lines[0];
    assert.ok(res, r.why);
    assert.equal([res.notMountPoint.syscall, res.notMountPoint.code], ['pivot_root', 'EINVAL'], 'new root must be a mount point');
    assert.is(res.notMountPoint.target, `${dir}/etc (old root to ${dir}/etc)`);
    assert.equal(res.withOld, ['bin', 'etc', 'old']);
    assert.ok(res.oldHasNode, 'the old root (with the node binary) is under /old until unmounted');
    assert.equal(res.root, ['bin', 'etc']);
    assert.is(res.cwd, '/');
    assert.is(res.hello, 'from the new root\n');
    assert.is(res.proc, false, 'nothing from the old root is left');
    if (!BUSYBOX) {
      assert.is(r.status, 0, r.why);
      skip('busybox (busybox-static) is not installed: no program run after pivot_root');
      return;
    }
    // execve there too: no /proc to read SigIgn from, so it falls back to Node's known list.
    assert.is(r.status, 3, r.why);
    assert.is(r.stdout.split('\n').slice(1).join('\n'), 'sh in /: bin etc\nfrom the new root\n');
  }),
);

k('chroot: `/` becomes the directory; cwd stays outside until chdir', () =>
  withDir((dir) => {
    const r = runNode(`${PRIVATE_MNT}
const root = ${JSON.stringify(dir)};
sys.mount('nsrun-chroot', root, 'tmpfs');
fs.mkdirSync(root + '/inside');
sys.chdir('/usr');
sys.chroot(root);
const res = {};
try { res.cwdBefore = process.cwd(); } catch (e) { res.cwdBefore = e.code; }
sys.chdir('/');
res.cwd = process.cwd();
res.root = fs.readdirSync('/');
res.escaped = fs.existsSync('/usr/bin');
out(res);
`);
    assert.is(r.status, 0, r.why);
    const res = r.lines[0];
    assert.is(res.cwdBefore, 'ENOENT', 'a cwd outside the root: the kernel says "(unreachable)/usr", getcwd() refuses it');
    assert.equal([res.cwd, res.root, res.escaped], ['/', ['inside'], false]);
  }),
);

k.run();
