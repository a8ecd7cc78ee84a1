// The rootless launcher's constants (bin/nsrun-rootless.pl) against the system call tables that
// @nsrun/sys generates from the uapi headers, and its syntax under this machine's perl. No kernel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSCALLS_AARCH64, SYSCALLS_I386, SYSCALLS_X86_64 } from '@nsrun/sys';

const PL = fileURLToPath(new URL('../bin/nsrun-rootless.pl', import.meta.url));
const SH = fileURLToPath(new URL('../bin/nsrun', import.meta.url));
const text = readFileSync(PL, 'utf8');

test('its unshare, mount and prctl numbers per ELF machine are the uapi ones', () => {
  const m = /my %NR = \(([^;]+)\);/.exec(text);
  assert.ok(m, 'the %NR table');
  const table = Object.fromEntries([...m[1].matchAll(/(\d+) => \[(\d+), (\d+), (\d+)\]/g)].map((e) => [Number(e[1]), e.slice(2).map(Number)]));
  const want = (t) => [t.unshare, t.mount, t.prctl];
  // EM_X86_64 62, EM_386 3, EM_AARCH64 183 (elf.h); riscv64 (243) uses the generic table too.
  assert.equal(table[62], want(SYSCALLS_X86_64));
  assert.equal(table[3], want(SYSCALLS_I386));
  assert.equal(table[183], want(SYSCALLS_AARCH64));
  assert.equal(table[243], want(SYSCALLS_AARCH64));
});

test('perl compiles it; sh parses the bin', () => {
  const p = spawnSync('perl', ['-c', PL], { encoding: 'utf8' });
  assert.is(p.status, 0, p.stderr);
  const s = spawnSync('sh', ['-n', SH], { encoding: 'utf8' });
  assert.is(s.status, 0, s.stderr);
});

test('the bin runs nsrun, also through a symlink as npm links it: --version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-bin-'));
  try {
    symlinkSync(SH, join(dir, 'nsrun'));
    for (const bin of [SH, join(dir, 'nsrun')]) {
      const r = spawnSync(bin, ['--version'], { encoding: 'utf8', cwd: dir });
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stdout, /^nsrun \d+\.\d+\.\d+/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
