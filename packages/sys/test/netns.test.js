import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetNs, SysError, socket, bind, send, recv, close, SOCK_RAW, SOCK_CLOEXEC, MSG_DONTWAIT } from '@nsrun/sys';
import { kernelSuite, ipIn } from '@nsrun/test-helpers/kernel';

const fdCount = () => readdirSync('/proc/self/fd').length;

/** The id of the namespace the main thread is in now (the temporary handle is closed). */
function currentId() {
  const ns = NetNs.current();
  try {
    return ns.id;
  } finally {
    ns.close();
  }
}

/** Names of the links a netlink socket made in `ns` sees (a raw RTM_GETLINK dump). */
function linkNamesIn(ns) {
  const fd = ns.run(() => socket(16, SOCK_RAW | SOCK_CLOEXEC, 0));
  try {
    return linkNamesOn(fd);
  } finally {
    close(fd);
  }
}

function linkNamesOn(fd) {
  const sa = Buffer.alloc(12);
  sa.writeUInt16LE(16, 0);
  try {
    bind(fd, sa);
  } catch (e) {
    if (!(e instanceof SysError && e.code === 'EINVAL')) throw e; // already bound
  }
  const req = Buffer.alloc(32);
  req.writeUInt32LE(32, 0);
  req.writeUInt16LE(18, 4); // RTM_GETLINK
  req.writeUInt16LE(0x301, 6); // NLM_F_REQUEST | NLM_F_DUMP
  req.writeUInt32LE(1, 8);
  send(fd, req);
  const rx = Buffer.alloc(64 * 1024);
  const names = [];
  for (;;) {
    const n = recv(fd, rx, MSG_DONTWAIT);
    for (let off = 0; off + 16 <= n;) {
      const len = rx.readUInt32LE(off);
      const type = rx.readUInt16LE(off + 4);
      if (type === 3) return names.sort(); // NLMSG_DONE
      if (type === 2) throw new Error(`dump failed: ${rx.readInt32LE(off + 16)}`);
      for (let p = off + 32; p + 4 <= off + len;) {
        // after nlmsghdr + ifinfomsg
        const alen = rx.readUInt16LE(p);
        if (alen < 4) break;
        if (rx.readUInt16LE(p + 2) === 3) names.push(rx.toString('utf8', p + 4, p + alen).replace(/\0+$/, '')); // IFLA_IFNAME
        p += (alen + 3) & ~3;
      }
      off += (len + 3) & ~3;
    }
  }
}

/** Polls `cond` every 10 ms until it is true; fails after `ms`. */
async function waitFor(cond, what, ms = 5000) {
  const until = Date.now() + ms;
  for (;;) {
    if (cond()) return;
    if (Date.now() > until) assert.unreachable(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

test('SysError carries the call, errno and its name', () => {
  try {
    close(987654);
    assert.unreachable('close of a bad fd succeeded');
  } catch (e) {
    assert.instance(e, SysError);
    assert.is(e.syscall, 'close');
    assert.is(e.errno, 9);
    assert.is(e.code, 'EBADF');
    assert.match(e.message, /close fd 987654: EBADF/);
  }
});

test('fromPath refuses a file that is not a network namespace', () => {
  assert.throws(
    () => NetNs.fromPath('/etc/hostname'),
    (e) => e instanceof SysError && e.code === 'EINVAL',
  );
  assert.throws(
    () => NetNs.fromPath('/nonexistent/ns'),
    (e) => e instanceof SysError && e.code === 'ENOENT' && e.target === '/nonexistent/ns',
  );
  // Not a system call failure: Node refuses the path itself.
  assert.throws(
    () => NetNs.fromPath('/run/netns/a\0b'),
    (e) => !(e instanceof SysError) && e.code === 'ERR_INVALID_ARG_VALUE',
  );
});

test('fromPid(process.pid) is the current namespace (same id and inode)', () => {
  const here = NetNs.current();
  const mine = NetNs.fromPid(process.pid);
  try {
    assert.is(mine.id, here.id);
    assert.is(mine.inode, here.inode);
    assert.is(here.inode, statSync('/proc/self/ns/net').ino);
    assert.is(readlinkSync('/proc/self/ns/net'), `net:[${here.inode}]`);
    assert.is.not(mine.fd, here.fd);
  } finally {
    mine.close();
    here.close();
  }
});

test('invalid pids and names throw RangeError before touching the file system', () => {
  for (const pid of [0, -1, 1.5, NaN, Infinity, '1', undefined]) {
    assert.throws(
      // @ts-expect-error: '1' and undefined are not pids (refused at run time too)
      () => NetNs.fromPid(pid),
      (e) => e instanceof RangeError,
      `pid ${String(pid)}`,
    );
  }
  for (const name of ['', 'a/b', '/x', '../x', '.', '..', 'a\0b']) {
    assert.throws(
      () => NetNs.fromName(name),
      (e) => e instanceof RangeError,
      `name ${JSON.stringify(name)}`,
    );
  }
});

test('a pid or name that does not exist is SysError ENOENT naming the path', () => {
  // Above the largest possible pid_max (2^22), so never a live process.
  assert.throws(
    () => NetNs.fromPid(4194305),
    (e) => e instanceof SysError && e.code === 'ENOENT' && e.target === '/proc/4194305/ns/net',
  );
  assert.throws(
    () => NetNs.fromName('nsrun-no-such-ns'),
    (e) => e instanceof SysError && e.code === 'ENOENT' && e.target === '/run/netns/nsrun-no-such-ns',
  );
});

test('a closed handle refuses further use and close() is idempotent', () => {
  const before = fdCount();
  const ns = NetNs.current();
  assert.is(fdCount(), before + 1);
  assert.ok(!ns.closed);
  ns.close();
  ns.close();
  assert.ok(ns.closed);
  assert.is(fdCount(), before);
  // The old fd number may now belong to another file: the handle must not use it.
  const other = NetNs.current();
  try {
    assert.throws(() => ns.run(() => 1), /closed/);
    assert.throws(() => ns.id, /closed/);
    assert.throws(() => ns.inode, /closed/);
    assert.throws(() => ns.procPath, /closed/);
  } finally {
    other.close();
  }
});

test('NetNs supports `using` (Symbol.dispose closes it)', () => {
  const ns = NetNs.current();
  ns[Symbol.dispose]();
  assert.ok(ns.closed);
});

test.run();

const k = kernelSuite('netns');
k('run() enters the namespace and always comes back', (ctx) => {
  const here = NetNs.current();
  try {
    const inside = ctx.ns.run(() => currentId());
    assert.is(inside, ctx.ns.id);
    assert.is(currentId(), here.id);
    assert.throws(
      () =>
        ctx.ns.run(() => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.is(currentId(), here.id);
    assert.throws(() => ctx.ns.run(async () => 1), /synchronous/);
    assert.is(currentId(), here.id);
  } finally {
    here.close();
  }
});

k('run() restores the namespace when fn throws: same error object, nested runs, no fd left open', (ctx) => {
  const here = NetNs.current();
  const other = NetNs.create();
  try {
    const before = fdCount();
    const boom = new Error('boom');
    let caught;
    try {
      ctx.ns.run(() => {
        assert.is(currentId(), ctx.ns.id);
        other.run(() => {
          assert.is(currentId(), other.id);
          throw boom;
        });
      });
    } catch (e) {
      caught = e;
    }
    assert.is(caught, boom, 'the error passes through unchanged');
    assert.is(currentId(), here.id);
    // A thrown non-Error, too.
    assert.throws(
      () =>
        ctx.ns.run(() => {
          throw 'str';
        }),
      (e) => e === 'str',
    );
    assert.is(currentId(), here.id);
    // The nested run returned to the outer namespace, not to the original one.
    const seen = ctx.ns.run(() => {
      other.run(() => {});
      return currentId();
    });
    assert.is(seen, ctx.ns.id);
    assert.is(fdCount(), before, 'run() closes its own "way back" fd');
  } finally {
    other.close();
    here.close();
  }
});

k('a socket made inside run() belongs to that namespace', (ctx) => {
  ctx.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  assert.equal(linkNamesIn(ctx.ns), ['lo', 'v0', 'v1']);
  const here = NetNs.current();
  try {
    assert.ok(!linkNamesIn(here).includes('v0'), 'the veth pair is not in the test process namespace');
  } finally {
    here.close();
  }
});

k('fromPid of a child in its own netns (unshare --net) differs from current and has only lo', async () => {
  const child = spawn('unshare', ['--net', 'sleep', '5'], { stdio: 'ignore' });
  const exited = once(child, 'exit');
  try {
    assert.ok(child.pid > 0);
    // unshare(1) moves itself, then execs sleep: once the child is `sleep`, its netns is final.
    await waitFor(() => {
      try {
        return readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep';
      } catch {
        return false;
      }
    }, 'the child to exec sleep');
    const here = NetNs.current();
    const ns = NetNs.fromPid(child.pid);
    try {
      assert.is.not(ns.id, here.id);
      assert.is(readlinkSync(`/proc/${child.pid}/ns/net`), `net:[${ns.inode}]`);
      assert.equal(linkNamesIn(ns), ['lo']);
      assert.is(currentId(), here.id);
    } finally {
      ns.close();
      here.close();
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
});

k('fromName opens the namespace `ip netns add` made under /run/netns', () => {
  const name = `nsrun-test-${process.pid}`;
  execFileSync('ip', ['netns', 'add', name]);
  try {
    const here = NetNs.current();
    const ns = NetNs.fromName(name);
    try {
      assert.is(ns.source, `/run/netns/${name}`);
      assert.is(ns.inode, statSync(`/run/netns/${name}`).ino);
      assert.is.not(ns.id, here.id);
      assert.equal(linkNamesIn(ns), ['lo']);
      // iproute2 and the handle see the same namespace.
      execFileSync('ip', ['-n', name, 'link', 'add', 'n0', 'type', 'veth', 'peer', 'name', 'n1']);
      assert.equal(linkNamesIn(ns), ['lo', 'n0', 'n1']);
    } finally {
      ns.close();
      here.close();
    }
  } finally {
    execFileSync('ip', ['netns', 'del', name]);
  }
  assert.throws(
    () => NetNs.fromName(name),
    (e) => e instanceof SysError && e.code === 'ENOENT',
  );
});

k('create(): a new namespace with only lo, distinct from current, main thread unmoved', () => {
  const here = NetNs.current();
  const before = fdCount();
  const ns = NetNs.create();
  try {
    assert.is(fdCount(), before + 1, 'create() keeps exactly one fd: the handle');
    assert.is(currentId(), here.id);
    assert.is.not(ns.id, here.id);
    assert.equal(linkNamesIn(ns), ['lo']);
    assert.equal(
      ipIn(ns, '-j', 'link', 'show').map((l) => l.ifname),
      ['lo'],
    );
  } finally {
    ns.close();
    here.close();
  }
  assert.is(fdCount(), before - 1);
});

k('create(): the namespace lives while a handle or a socket in it is open, and goes when both are closed', async (ctx) => {
  // Observer: a veth pair with one end in the new namespace. When a namespace is destroyed,
  // its veth ends are deleted and the peer in ctx.ns goes with them.
  const ns = NetNs.create();
  let fd = -1;
  try {
    ctx.ip('link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1', 'netns', ns.procPath);
    assert.equal(linkNamesIn(ns), ['lo', 'w1']);
    fd = ns.run(() => socket(16, SOCK_RAW | SOCK_CLOEXEC, 0));
  } finally {
    ns.close();
  }
  const peers = () => ctx.ip('-j', 'link', 'show').map((l) => l.ifname);
  // The handle is closed; the socket still holds the namespace.
  await sleep(100);
  assert.equal(peers(), ['lo', 'w0']);
  assert.equal(linkNamesOn(fd), ['lo', 'w1'], 'a socket made before close() still works');
  close(fd);
  // Nothing holds it now: the kernel tears it down (asynchronously) and w0 goes with w1.
  await waitFor(() => !peers().includes('w0'), 'the namespace to be destroyed (w0 deleted)');
  assert.equal(peers(), ['lo']);
});

k.run();
