// Seccomp filters: the assembler's bytes (@nsrun/sys) against instructions written by hand;
// compiled policies run through an independent BPF interpreter (helpers/bpf.js) for every system
// call number of every table, against a plain evaluation of the policy; and the container's
// policy (@nsrun/runner) call by call. No root needed: the kernel's side (Seccomp: 2, EPERM) is
// tested with containers in run-confine.test.js.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble, BpfError, CAPABILITIES, compileSeccomp, SYSCALLS_AARCH64, SYSCALLS_I386, SYSCALLS_X86_64 } from '@nsrun/sys';
import { DEFAULT_CAPABILITIES, defaultSeccompPolicy, resolveCapabilities } from '@nsrun/runner';
import { runFilter } from '@nsrun/test-helpers/bpf';

// struct sock_filter by hand: { u16 code, u8 jt, u8 jf, u32 k }, little-endian.
const insn = (code, jt, jf, k) => {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(code, 0);
  b[2] = jt;
  b[3] = jf;
  b.writeUInt32LE(k >>> 0, 4);
  return b;
};

const asm = suite('assemble');

asm('the classic "deny one call" filter, byte for byte', () => {
  const bytes = assemble([
    { op: 'ld', offset: 0 },
    { op: 'jeq', k: 250, jt: 0, jf: 'allow' },
    { op: 'ret', k: 0x00050001 },
    { op: 'label', name: 'allow' },
    { op: 'ret', k: 0x7fff0000 },
  ]);
  const want = Buffer.concat([insn(0x20, 0, 0, 0), insn(0x15, 0, 1, 250), insn(0x06, 0, 0, 0x00050001), insn(0x06, 0, 0, 0x7fff0000)]);
  assert.equal(bytes.toString('hex'), want.toString('hex'));
});

asm('and, jge and a long jump', () => {
  const body = Array.from({ length: 300 }, () => ({ op: /** @type {const} */ ('ret'), k: 0 }));
  const bytes = assemble([
    { op: 'ld', offset: 16 },
    { op: 'and', k: 0xff },
    { op: 'jge', k: 7, jt: 0, jf: 'near' },
    { op: 'ja', to: 'far' },
    { op: 'label', name: 'near' },
    ...body,
    { op: 'label', name: 'far' },
    { op: 'ret', k: 1 },
  ]);
  assert.equal(
    bytes.subarray(0, 32).toString('hex'),
    Buffer.concat([insn(0x20, 0, 0, 16), insn(0x54, 0, 0, 0xff), insn(0x35, 0, 1, 7), insn(0x05, 0, 0, 300)]).toString('hex'),
  );
  assert.is(bytes.length, 305 * 8);
});

asm('refuses what the kernel would: undefined labels, conditional jumps out of reach, too long', () => {
  assert.throws(
    () => assemble([{ op: 'ja', to: 'nowhere' }]),
    (e) => e instanceof BpfError && /undefined label nowhere/.test(e.message),
  );
  const body = Array.from({ length: 256 }, () => ({ op: /** @type {const} */ ('ret'), k: 0 }));
  assert.throws(() => assemble([{ op: 'jeq', k: 1, jt: 'far', jf: 0 }, ...body, { op: 'label', name: 'far' }, { op: 'ret', k: 0 }]), /out of reach/);
  assert.throws(() => assemble(Array.from({ length: 4097 }, () => ({ op: /** @type {const} */ ('ret'), k: 0 }))), /BPF_MAXINSNS/);
});

asm.run();

// --- compileSeccomp against a plain evaluation of the policy --------------------------------

const AUDIT = { x86_64: 0xc000003e, i386: 0x40000003, aarch64: 0xc00000b7 };
const TABLES = { x86_64: SYSCALLS_X86_64, i386: SYSCALLS_I386, aarch64: SYSCALLS_AARCH64 };
const value = (a) => (a.kind === 'allow' ? 0x7fff0000 : a.kind === 'log' ? 0x7ffc0000 : a.kind === 'kill-process' ? 0x80000000 : (0x00050000 | a.errno) >>> 0);

function reference(policy, arches, arch, nr, args = []) {
  if (!arches.includes(arch)) return value(policy.foreignArchAction);
  const table = TABLES[arch];
  const n = nr >>> 0;
  if (n > Math.max(...Object.values(table))) return value(policy.newerAction);
  const low = (i) => Number(BigInt.asUintN(32, BigInt(args[i] ?? 0)));
  for (const r of policy.rules) {
    if (table[r.name] !== n) continue;
    const holds = (r.when ?? []).every((c) =>
      c.op === 'eq' ? low(c.arg) === c.value >>> 0 : c.op === 'ne' ? low(c.arg) !== c.value >>> 0 : (low(c.arg) & c.mask) >>> 0 === (c.value & c.mask) >>> 0,
    );
    if (holds) return value(r.action);
  }
  return value(policy.defaultAction);
}

/** @type {import('@nsrun/sys').SeccompPolicy} */
const POLICY = {
  defaultAction: { kind: 'errno', errno: 1 },
  newerAction: { kind: 'errno', errno: 38 },
  foreignArchAction: { kind: 'kill-process' },
  rules: [
    { name: 'socket', action: { kind: 'errno', errno: 1 }, when: [{ arg: 0, op: 'eq', value: 40 }] },
    { name: 'socket', action: { kind: 'allow' } },
    { name: 'clone', action: { kind: 'allow' }, when: [{ arg: 0, op: 'masked-eq', mask: 0x7e020000, value: 0 }] },
    { name: 'personality', action: { kind: 'allow' }, when: [{ arg: 0, op: 'eq', value: 0 }] },
    { name: 'personality', action: { kind: 'allow' }, when: [{ arg: 0, op: 'eq', value: 0xffffffff }] },
    { name: 'kill', action: { kind: 'allow' }, when: [{ arg: 1, op: 'ne', value: 9 }] },
    { name: 'clone3', action: { kind: 'errno', errno: 38 } },
    ...['read', 'write', 'openat', 'close', 'execve', 'exit_group', 'mmap', 'brk', 'rt_sigreturn', 'futex', 'socketcall', 'no_such_call'].map((name) => ({
      name,
      action: { kind: /** @type {const} */ ('allow') },
    })),
    { name: 'getpid', action: { kind: 'log' } },
  ],
};

const compile = suite('compileSeccomp');

for (const arches of /** @type {import('@nsrun/sys').SeccompArch[][]} */ ([['x86_64', 'i386'], ['aarch64']])) {
  compile(`${arches.join(' + ')}: every number of every table, and beyond, decides as the policy says`, () => {
    const prog = compileSeccomp(POLICY, arches);
    let checked = 0;
    for (const arch of ['x86_64', 'i386', 'aarch64']) {
      const max = Math.max(...Object.values(TABLES[arch]));
      const nrs = [...Array.from({ length: max + 4 }, (_, i) => i), 0x40000000 + 1, 0x40000000 + 520, 0x7fffffff, 0xffffffff, -1];
      for (const nr of nrs) {
        const got = runFilter(prog, { nr, arch: AUDIT[arch] });
        assert.is(got, reference(POLICY, arches, arch, nr), `${arch} nr ${nr}`);
        checked++;
      }
    }
    assert.ok(checked > 1000);
  });

  compile(`${arches.join(' + ')}: argument conditions read the low 32 bits, as the kernel does`, () => {
    const prog = compileSeccomp(POLICY, arches);
    const arch = arches[0];
    /** @type {[string, (number | bigint)[]][]} */
    const cases = [
      ['socket', [40]],
      ['socket', [2]],
      ['socket', [0x100000028n]],
      ['socket', [0xffffffff00000002n]],
      ['clone', [0x11]],
      ['clone', [0x40000000 | 0x11]],
      ['clone', [0x20000]],
      ['clone', [0x100000000n]],
      ['personality', [0]],
      ['personality', [8]],
      ['personality', [0xffffffff]],
      ['personality', [0xffffffffffffffffn]],
      ['kill', [1, 9]],
      ['kill', [1, 15]],
      ['kill', [1, 0x100000009n]],
    ];
    for (const [name, args] of cases) {
      const nr = TABLES[arch][name];
      if (nr === undefined) continue;
      assert.is(runFilter(prog, { nr, arch: AUDIT[arch], args }), reference(POLICY, arches, arch, nr, args), `${name}(${args.join(', ')})`);
    }
    const at = (name, args) => runFilter(prog, { nr: TABLES[arch][name], arch: AUDIT[arch], args });
    assert.is(at('socket', [40]), 0x00050001, 'AF_VSOCK refused');
    assert.is(at('socket', [0x100000028n]), 0x00050001, 'high bits do not hide AF_VSOCK');
    assert.is(at('clone', [0x40000011]), 0x00050001, 'CLONE_NEWNET refused');
    assert.is(at('clone', [0x11]), 0x7fff0000, 'a plain fork allowed');
    assert.is(at('clone3', []), 0x00050026, 'clone3: ENOSYS');
  });
}

compile('a foreign architecture is killed; x32 numbers on x86_64 get the newer-call answer (ENOSYS)', () => {
  const prog = compileSeccomp(POLICY, ['aarch64']);
  assert.is(runFilter(prog, { nr: 0, arch: AUDIT.x86_64 }), 0x80000000);
  const x86 = compileSeccomp(POLICY, ['x86_64', 'i386']);
  assert.is(runFilter(x86, { nr: 0x40000000 | SYSCALLS_X86_64.read, arch: AUDIT.x86_64 }), 0x00050026);
  assert.is(runFilter(x86, { nr: SYSCALLS_X86_64.read, arch: 0x40000028 /* arm */ }), 0x80000000);
});

compile('the tables agree with well-known numbers (uapi headers)', () => {
  assert.is(SYSCALLS_X86_64.read, 0);
  assert.is(SYSCALLS_X86_64.open_by_handle_at, 304);
  assert.is(SYSCALLS_X86_64.keyctl, 250);
  assert.is(SYSCALLS_I386.socketcall, 102);
  assert.is(SYSCALLS_I386.open_by_handle_at, 342);
  assert.is(SYSCALLS_AARCH64.read, 63);
  assert.is(SYSCALLS_AARCH64.clone, 220);
  assert.is(SYSCALLS_AARCH64.open, undefined, 'aarch64 has only openat');
  for (const t of [SYSCALLS_X86_64, SYSCALLS_I386, SYSCALLS_AARCH64]) assert.is(t.fsopen, 430);
});

compile('a real policy stays far below BPF_MAXINSNS and small to pass around', () => {
  const prog = compileSeccomp(POLICY, ['x86_64', 'i386']);
  assert.ok(prog.length / 8 < 1000, `${prog.length / 8} instructions`);
});

compile.run();

// --- the container's policy (@nsrun/runner) ---------------------------------------------------

const profile = suite("the container's seccomp policy (docker's intent)");
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const ALLOW = 0x7fff0000;

function decide(caps, arch, name, args = []) {
  /** @type {import('@nsrun/sys').SeccompArch[]} */
  const arches = arch === 'aarch64' ? ['aarch64'] : ['x86_64', 'i386'];
  const prog = compileSeccomp(defaultSeccompPolicy(caps), arches);
  const nr = TABLES[arch][name];
  if (nr === undefined) throw new Error(`${arch} has no ${name}`);
  return runFilter(prog, { nr, arch: AUDIT[arch], args });
}

profile('default capabilities: the escapes and kernel-wide calls are EPERM, everyday calls allowed, clone3 ENOSYS, newer calls ENOSYS', () => {
  const caps = resolveCapabilities(undefined, undefined);
  assert.equal(
    caps,
    [...DEFAULT_CAPABILITIES].sort((a, b) => CAPABILITIES[a] - CAPABILITIES[b]),
  );
  for (const arch of ['x86_64', 'i386', 'aarch64']) {
    for (const name of [
      'open_by_handle_at',
      'kexec_load',
      'init_module',
      'finit_module',
      'keyctl',
      'add_key',
      'bpf',
      'mount',
      'umount2',
      'unshare',
      'setns',
      'pivot_root',
      'io_uring_setup',
      'perf_event_open',
      'reboot',
      'swapon',
    ]) {
      if (TABLES[arch][name] === undefined) continue;
      assert.is(decide(caps, arch, name), EPERM, `${arch} ${name}`);
    }
    for (const name of ['read', 'write', 'openat', 'execve', 'mmap', 'futex', 'epoll_wait', 'ptrace', 'chroot', 'mknodat', 'name_to_handle_at', 'capset']) {
      if (TABLES[arch][name] === undefined) continue;
      assert.is(decide(caps, arch, name), ALLOW, `${arch} ${name}`);
    }
    assert.is(decide(caps, arch, 'clone', [0x11]), ALLOW, `${arch} fork`);
    assert.is(decide(caps, arch, 'clone', [0x11 | 0x40000000]), EPERM, `${arch} clone(CLONE_NEWNET)`);
    assert.is(decide(caps, arch, 'clone3'), ENOSYS, `${arch} clone3`);
    assert.is(decide(caps, arch, 'socket', [40]), EPERM, `${arch} AF_VSOCK`);
    assert.is(decide(caps, arch, 'socket', [2]), ALLOW, `${arch} AF_INET`);
    const prog = compileSeccomp(defaultSeccompPolicy(caps), arch === 'aarch64' ? ['aarch64'] : ['x86_64', 'i386']);
    assert.is(runFilter(prog, { nr: 457 /* statmount, Linux 6.8 */, arch: AUDIT[arch] }), ENOSYS, `${arch}: a call newer than the tables`);
  }
  assert.is(decide(caps, 'i386', 'socketcall'), ALLOW, 'i386 sockets go through socketcall');
});

profile('a capability added opens the calls it guards, and only those', () => {
  const admin = resolveCapabilities(['SYS_ADMIN'], undefined);
  assert.is(decide(admin, 'x86_64', 'mount'), ALLOW);
  assert.is(decide(admin, 'x86_64', 'clone', [0x40000000]), ALLOW);
  assert.is(decide(admin, 'x86_64', 'clone3'), ALLOW);
  assert.is(decide(admin, 'x86_64', 'open_by_handle_at'), EPERM);
  const dac = resolveCapabilities(['CAP_DAC_READ_SEARCH'], undefined);
  assert.is(decide(dac, 'x86_64', 'open_by_handle_at'), ALLOW);
  assert.is(decide(dac, 'x86_64', 'mount'), EPERM);
  assert.is(decide(resolveCapabilities(['sys_time'], undefined), 'x86_64', 'settimeofday'), ALLOW);
});

profile("capability sets: docker's arithmetic", () => {
  const names = (add, drop) => resolveCapabilities(add, drop).map((c) => c.slice(4));
  assert.equal(names(['ALL'], ['MKNOD']).length, Object.keys(CAPABILITIES).length - 1);
  assert.equal(names(undefined, ['ALL']), []);
  assert.equal(names(['NET_ADMIN'], ['ALL']), ['NET_ADMIN']);
  assert.ok(names(['net_admin'], ['NET_RAW']).includes('NET_ADMIN'));
  assert.not.ok(names(['net_admin'], ['NET_RAW']).includes('NET_RAW'));
  assert.throws(() => resolveCapabilities(['NET_WIZARD'], undefined), /capAdd: "NET_WIZARD" is not a capability/);
  assert.throws(() => resolveCapabilities(['KILL'], ['CAP_KILL']), /both added and dropped/);
  assert.throws(() => resolveCapabilities('KILL', undefined), /must be a list/);
});

profile.run();
