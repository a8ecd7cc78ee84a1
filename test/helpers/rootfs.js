// A minimal root file system for container tests, built from the static busybox
// (busybox-static, installed by .ci/run): bin/busybox with its applets as symlinks, the empty
// mount points nsrun needs (proc, sys, dev), tmp, a small etc, and a marker file at its root
// so a test can tell this tree from the host's.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, openSync, readSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BUSYBOX = '/usr/bin/busybox';
/** The file at the rootfs's root that only this tree has. */
export const MARKER = 'NSRUN-TEST-ROOTFS';

function skipReason() {
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing (install busybox-static)`;
  // A dynamic busybox would need the host's libraries inside the tree.
  if (hasInterpreter(BUSYBOX)) return `${BUSYBOX} is dynamically linked (install busybox-static)`;
  return null;
}

// ELF64: a PT_INTERP program header names the dynamic loader.
function hasInterpreter(path) {
  const head = Buffer.alloc(4096);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const phoff = Number(head.readBigUInt64LE(0x20));
  const size = head.readUInt16LE(0x36);
  const count = head.readUInt16LE(0x38);
  for (let i = 0; i < count && phoff + (i + 1) * size <= head.length; i++) {
    if (head.readUInt32LE(phoff + i * size) === 3 /* PT_INTERP */) return true;
  }
  return false;
}

/** Why busybox rootfs tests cannot run here, or null. */
export const busyboxSkipReason = skipReason();

/**
 * Fills `dir` with the tree. `omit` leaves out some of the top-level directories (to test a
 * rootfs without a mount point). Returns `dir`.
 */
export function makeBusyboxRootfs(dir, { omit = [] } = {}) {
  if (busyboxSkipReason) throw new Error(`cannot build a busybox rootfs: ${busyboxSkipReason}`);
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'root', 'srv/work']) {
    if (!omit.includes(d)) mkdirSync(join(dir, d), { recursive: true });
  }
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  const applets = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  writeFileSync(join(dir, MARKER), 'this is the test rootfs\n');
  return dir;
}

/** A fresh busybox rootfs in a temporary directory: { dir, remove() }. */
export function tempBusyboxRootfs(opts) {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-rootfs-'));
  makeBusyboxRootfs(dir, opts);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Copies a host program and the shared libraries `ldd` names for it into the rootfs `dir`, at
 * the same paths (a test that needs perl inside a busybox tree). Returns the program's path.
 */
export function addHostProgram(dir, program) {
  const libs = spawnSync('ldd', [program], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
    .filter(Boolean);
  for (const p of [program, ...libs]) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    copyFileSync(p, join(dir, p));
    chmodSync(join(dir, p), 0o755);
  }
  return program;
}
