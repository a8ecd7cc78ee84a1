// Peer credentials of a Unix socket (SO_PEERCRED, SO_PEERPIDFD, SO_PEERGROUPS), pidfds and
// namespace ownership (NS_GET_USERNS, NS_GET_OWNER_UID, PIDFD_GET_NET_NAMESPACE): what nsrun
// netd identifies its callers and their namespaces by. The first tests need no privileges; the
// kernel suite makes a user namespace as another user (setpriv) and reads who owns it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SysError,
  CLONE_NEWNET,
  CLONE_NEWUSER,
  NetNs,
  decodeGids,
  decodeUcred,
  encodeUcred,
  nsGetUserns,
  nsOwnerUid,
  nsType,
  peerCred,
  peerGroups,
  peerPidfd,
  pidfdAlive,
  pidfdGetNetns,
  pidfdNetns,
  pidfdOpen,
  pidfdSendSignal,
  UCRED_SIZE,
} from '@nsrun/sys';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';

test('struct ucred: bytes <-> object (pid_t, uid_t, gid_t, little-endian)', () => {
  // What getsockopt(SO_PEERCRED) wrote for pid 4242, uid 65534, gid 100 (strace -X raw of ss -p).
  const bytes = Buffer.from([0x92, 0x10, 0, 0, 0xfe, 0xff, 0, 0, 0x64, 0, 0, 0]);
  assert.equal(decodeUcred(bytes), { pid: 4242, uid: 65534, gid: 100 });
  assert.equal(encodeUcred({ pid: 4242, uid: 65534, gid: 100 }), bytes);
  assert.is(UCRED_SIZE, 12);
  assert.equal(decodeUcred(encodeUcred({ pid: 0, uid: 4294967294, gid: 0 })), { pid: 0, uid: 4294967294, gid: 0 });
  assert.throws(() => decodeUcred(Buffer.alloc(8)), RangeError);
  assert.equal(decodeGids(Buffer.from([1, 0, 0, 0, 0xe8, 0x03, 0, 0])), [1, 1000]);
  assert.equal(decodeGids(Buffer.alloc(0)), []);
  assert.throws(() => decodeGids(Buffer.alloc(5)), RangeError);
});

/** A Unix socket server in a fresh directory and one client connected to it: [server side, client, cleanup]. */
async function connectedPair() {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-peer-'));
  const path = join(dir, 's');
  const server = createServer();
  server.listen(path);
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = createConnection(path);
  const [conn] = await accepted;
  return [
    conn,
    client,
    () => {
      client.destroy();
      conn.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  ];
}

test('peerCred / peerGroups / peerPidfd of an accepted connection name this very process', async () => {
  const [conn, , done] = await connectedPair();
  try {
    const fd = conn._handle.fd;
    assert.ok(fd > 2);
    assert.equal(peerCred(fd), { pid: process.pid, uid: process.getuid(), gid: process.getgid() });
    // The supplementary groups as /proc shows them (Node's getgroups() adds the egid).
    const groups = /^Groups:([^\n]*)$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1].trim().split(/\s+/).filter(Boolean).map(Number);
    assert.equal(
      peerGroups(fd).sort((a, b) => a - b),
      groups.sort((a, b) => a - b),
    );
    let pidfd;
    try {
      pidfd = peerPidfd(fd);
    } catch (e) {
      if (e instanceof SysError && e.code === 'ENOPROTOOPT') return skip('SO_PEERPIDFD needs Linux 6.5');
      throw e;
    }
    try {
      assert.match(readFileSync(`/proc/self/fdinfo/${pidfd}`, 'utf8'), new RegExp(`^Pid:\\s+${process.pid}$`, 'm'));
      assert.ok(pidfdAlive(pidfd));
    } finally {
      closeSync(pidfd);
    }
  } finally {
    done();
  }
});

test('getsockopt on a file that is not a socket: SysError ENOTSOCK naming the fd and the option', () => {
  const fd = pidfdOpen(process.pid);
  try {
    assert.throws(
      () => peerCred(fd),
      (e) => e instanceof SysError && e.code === 'ENOTSOCK' && e.message.includes(`fd ${fd} SO_PEERCRED`),
    );
  } finally {
    closeSync(fd);
  }
});

test('pidfdOpen: this process; a pid that does not exist is ESRCH; bad pids are RangeError', () => {
  const fd = pidfdOpen(process.pid);
  try {
    pidfdSendSignal(fd, 0);
    assert.ok(pidfdAlive(fd));
  } finally {
    closeSync(fd);
  }
  assert.throws(
    () => pidfdOpen(4194305),
    (e) => e instanceof SysError && e.code === 'ESRCH' && e.syscall === 'pidfd_open' && e.target === 'pid 4194305',
  );
  assert.throws(() => pidfdOpen(0), RangeError);
  assert.throws(() => pidfdOpen(-1), RangeError);
});

test('a pidfd of an exited process: not alive (ESRCH), its namespace cannot be had through it', async () => {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const fd = pidfdOpen(child.pid);
  try {
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.not.ok(pidfdAlive(fd));
    assert.throws(
      () => pidfdSendSignal(fd, 0),
      (e) => e instanceof SysError && e.code === 'ESRCH',
    );
    assert.throws(
      () => pidfdNetns(fd, child.pid),
      (e) => e instanceof SysError && e.code === 'ESRCH',
    );
  } finally {
    closeSync(fd);
  }
});

test('pidfdNetns of this process is its network namespace; its owner is the initial user namespace (uid 0)', () => {
  const pidfd = pidfdOpen(process.pid);
  try {
    const ns = pidfdNetns(pidfd, process.pid);
    try {
      assert.is(nsType(ns), CLONE_NEWNET);
      assert.is(fstatSync(ns).ino, statSync('/proc/self/ns/net').ino);
      const user = nsGetUserns(ns);
      try {
        assert.is(nsType(user), CLONE_NEWUSER);
        assert.is(fstatSync(user).ino, statSync('/proc/self/ns/user').ino);
        assert.is(nsOwnerUid(user), 0);
        // NS_GET_OWNER_UID is for user namespaces only.
        assert.throws(
          () => nsOwnerUid(ns),
          (e) => e instanceof SysError && e.code === 'EINVAL' && e.message.includes('NS_GET_OWNER_UID'),
        );
      } finally {
        closeSync(user);
      }
    } finally {
      closeSync(ns);
    }
    // The 6.11 ioctl itself, where the kernel has it.
    try {
      const fd = pidfdGetNetns(pidfd);
      assert.is(fstatSync(fd).ino, statSync('/proc/self/ns/net').ino);
      closeSync(fd);
    } catch (e) {
      if (!(e instanceof SysError && (e.code === 'ENOTTY' || e.code === 'EINVAL'))) throw e;
      skip('PIDFD_GET_NET_NAMESPACE needs Linux 6.11 (the /proc fallback was used above)');
    }
  } finally {
    closeSync(pidfd);
  }
});

test('NetNs.fromFd adopts a namespace fd and refuses (and closes) anything else', () => {
  const ns = NetNs.fromFd(pidfdNetns(pidfdOpen(process.pid), process.pid), 'pidfd');
  try {
    assert.is(ns.inode, statSync('/proc/self/ns/net').ino);
  } finally {
    ns.close();
  }
  const userFd = nsGetUserns(NetNs.current().fd);
  assert.throws(
    () => NetNs.fromFd(userFd, 'a user namespace'),
    (e) => e instanceof SysError && e.code === 'EINVAL' && e.message.includes('a user namespace'),
  );
  assert.throws(() => fstatSync(userFd), /EBADF/);
});

test.run();

const k = kernelSuite('namespace owners');

k('a network namespace made by another user in a user namespace of its own: NS_GET_OWNER_UID is that user', async () => {
  const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '--user', '--map-root-user', '--net', 'sleep', '1000'], {
    stdio: 'ignore',
  });
  try {
    await once(child, 'spawn');
    const pidfd = pidfdOpen(child.pid);
    try {
      // Wait until unshare has made the namespaces and exec'ed sleep.
      for (let i = 0; i < 200 && readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 10));
      const ns = pidfdNetns(pidfd, child.pid);
      try {
        assert.is.not(fstatSync(ns).ino, statSync('/proc/self/ns/net').ino);
        const user = nsGetUserns(ns);
        try {
          assert.is(nsOwnerUid(user), 65534);
          assert.is(fstatSync(user).ino, statSync(`/proc/${child.pid}/ns/user`).ino);
        } finally {
          closeSync(user);
        }
      } finally {
        closeSync(ns);
      }
    } finally {
      closeSync(pidfd);
    }
  } finally {
    child.kill('SIGKILL');
  }
});

k.run();
