// Named network namespaces (/run/netns/NAME) in-process: made, found, identified, deleted, with
// nothing left behind (file, mount or fd), and refused before anything is made. Runs in the
// test sandbox only (its /run is a tmpfs of its own); names carry this process's pid.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetNs, NamedNetnsError, checkNetnsName, netnsAdd, netnsDelete, netnsIdentify, netnsNames, netnsPids, NETNS_RUN_DIR } from '@nsrun/sys';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

const k = kernelSuite('named network namespaces');
const fdCount = () => readdirSync('/proc/self/fd').length;
const mountsUnder = (dir) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p) => p && p.startsWith(`${dir}/`));
const name = (s) => `nsrun-sys-${process.pid}-${s}`;

k('netnsAdd: a new namespace bound to /run/netns/NAME (a shared mount point), usable as NetNs.fromName; netnsDelete takes it away', async () => {
  const fds = fdCount();
  const n = name('a');
  netnsAdd(n);
  try {
    assert.ok(netnsNames().includes(n));
    const info = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' '));
    const dir = info.find((f) => f[4] === NETNS_RUN_DIR);
    assert.ok(dir && dir.slice(6, dir.indexOf('-')).some((x) => x.startsWith('shared:')), '/run/netns is a shared mount point');
    assert.ok(
      info.some((f) => f[4] === `${NETNS_RUN_DIR}/${n}` && f[f.indexOf('-') + 1] === 'nsfs'),
      'the name is an nsfs bind mount',
    );
    const ns = NetNs.fromName(n);
    const here = NetNs.current();
    try {
      assert.is.not(ns.id, here.id, 'a namespace of its own');
    } finally {
      ns.close();
      here.close();
    }
  } finally {
    netnsDelete(n);
  }
  assert.not.ok(existsSync(`${NETNS_RUN_DIR}/${n}`));
  assert.not.ok(mountsUnder(NETNS_RUN_DIR).includes(`${NETNS_RUN_DIR}/${n}`));
  assert.is(fdCount(), fds, 'no fd left open');
});

k("identify and pids: the names of a process's namespace, the processes in a named one; attach names a process's namespace", async () => {
  const n = name('b');
  const m = name('c');
  netnsAdd(n);
  const child = spawn('nsenter', [`--net=${NETNS_RUN_DIR}/${n}`, 'sleep', '60'], { stdio: 'ignore' });
  try {
    for (const until = Date.now() + 5000; !netnsIdentify(child.pid).includes(n); await sleep(20)) {
      if (Date.now() > until) assert.unreachable('the child never entered the namespace');
    }
    assert.equal(netnsPids(n), [child.pid]);
    netnsAdd(m, { pid: child.pid });
    assert.equal(netnsIdentify(child.pid).sort(), [m, n].sort());
    assert.equal(statSync(`${NETNS_RUN_DIR}/${m}`).ino, statSync(`/proc/${child.pid}/ns/net`).ino);
    assert.not.ok(netnsIdentify('self').includes(n));
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
    netnsDelete(n);
    if (existsSync(`${NETNS_RUN_DIR}/${m}`)) netnsDelete(m);
  }
});

k('failures name the step and the errno; a failed attach leaves no file; bad names are refused before anything', async () => {
  const n = name('d');
  netnsAdd(n);
  try {
    assert.throws(
      () => netnsAdd(n),
      (e) => e instanceof NamedNetnsError && e.cause.code === 'EEXIST' && e.message === `netns add ${n}: create ${NETNS_RUN_DIR}/${n}: EEXIST (File exists)`,
    );
  } finally {
    netnsDelete(n);
  }
  assert.throws(
    () => netnsDelete(n),
    (e) => e instanceof NamedNetnsError && e.cause.code === 'ENOENT',
  );
  assert.throws(
    () => netnsAdd(name('e'), { pid: 0x3ffffff0 }),
    (e) => e instanceof NamedNetnsError && e.cause.code === 'ENOENT' && e.op === 'attach',
  );
  assert.not.ok(existsSync(`${NETNS_RUN_DIR}/${name('e')}`), 'the file made for the failed attach is gone');
  for (const bad of ['', 'a/b', '.', '..', 'x'.repeat(256), 'a\0b']) {
    assert.throws(() => checkNetnsName(bad), RangeError);
    assert.throws(() => netnsAdd(bad), RangeError);
  }
  assert.not.ok(
    netnsNames().some((x) => x.startsWith(`nsrun-sys-${process.pid}-`)),
    'nothing of this test is left',
  );
});

k.run();
