// Seccomp filters assembled in TypeScript: the bytes of a classic BPF program that a process
// installs on itself with seccomp(SECCOMP_SET_MODE_FILTER) before it execs its payload.
export * from './constants.js';
export { assemble, BpfError, type Insn, type Target } from './bpf.js';
export {
  compileSeccomp,
  nativeArches,
  actionValue,
  SECCOMP_ARCHES,
  type SeccompAction,
  type ArgCondition,
  type SyscallRule,
  type SeccompPolicy,
  type SeccompArch,
} from './filter.js';
export { X86_64 as SYSCALLS_X86_64, I386 as SYSCALLS_I386, AARCH64 as SYSCALLS_AARCH64 } from './syscalls.js';
