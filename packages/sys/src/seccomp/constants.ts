// Classic BPF and seccomp constants. Values as in the uapi headers cited.

// <linux/bpf_common.h>: instruction classes, sizes, modes, operations, sources
export const BPF_LD = 0x00;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_W = 0x00;
export const BPF_ABS = 0x20;
export const BPF_AND = 0x50;
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_K = 0x00;
/** Most instructions a classic BPF program may have. */
export const BPF_MAXINSNS = 4096;

// <linux/seccomp.h>
export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

/**
 * struct seccomp_data (<linux/seccomp.h>): int nr; __u32 arch; __u64 instruction_pointer;
 * __u64 args[6]. Byte offsets; an argument's low 32 bits come first on little-endian machines.
 */
export const SECCOMP_DATA_NR = 0;
export const SECCOMP_DATA_ARCH = 4;
export const SECCOMP_DATA_ARGS = 16;

// <linux/audit.h> (EM_* from <linux/elf-em.h>)
const AUDIT_ARCH_64BIT = 0x80000000;
const AUDIT_ARCH_LE = 0x40000000;
export const AUDIT_ARCH_X86_64 = (62 | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE) >>> 0;
export const AUDIT_ARCH_I386 = (3 | AUDIT_ARCH_LE) >>> 0;
export const AUDIT_ARCH_AARCH64 = (183 | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE) >>> 0;

/** __X32_SYSCALL_BIT (<asm/unistd.h>, x86_64): set in the numbers of the x32 ABI. */
export const X32_SYSCALL_BIT = 0x40000000;
