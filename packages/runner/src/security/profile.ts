import type { CapabilityName, SeccompPolicy, SyscallRule } from '@nsrun/sys';

// The container's default seccomp policy, with the intent of docker's default profile (moby
// profiles/seccomp/default_linux.go): a list of allowed system calls, EPERM for every other
// known one, ENOSYS for calls newer than nsrun's tables (so libc falls back to older ones, as
// runc arranges), and calls that only a capability makes useful allowed when the container has
// that capability. io_uring is refused, as containerd 2.0 and docker 25 do (it bypasses the
// filter: its operations are not system calls).

const EPERM = 1;
const ENOSYS = 38;
// <linux/socket.h>
const AF_VSOCK = 40;
// <linux/sched.h>: the clone flags that make namespaces.
const CLONE_NEWNS = 0x00020000;
const CLONE_NEWCGROUP = 0x02000000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000;
const CLONE_NEW_ANY = (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET) >>> 0;

/** Allowed to every container. */
const ALLOWED = `accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 clock_adjtime
clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64
close close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old
epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2
fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync
fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate
ftruncate64 futex futex_time64 futex_waitv futimesat getcpu getcwd getdents getdents64 getegid getegid32 geteuid
geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority
getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt
get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1
inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set
io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32
lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise
membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect
mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink
mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat _newselect
open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll
ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev
pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages
removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask
rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
sched_getaffinity sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam
sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile
sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32
setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32
setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl
shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64
statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete
timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime
timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink
unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
ptrace process_vm_readv process_vm_writev
arch_prctl modify_ldt
arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls`.split(/\s+/);

/** Allowed when the container has the capability (they are useless or dangerous without it). */
const BY_CAPABILITY: ReadonlyArray<readonly [CapabilityName, string]> = [
  ['CAP_DAC_READ_SEARCH', 'open_by_handle_at'],
  [
    'CAP_SYS_ADMIN',
    'bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare',
  ],
  ['CAP_SYS_BOOT', 'reboot'],
  ['CAP_SYS_CHROOT', 'chroot'],
  ['CAP_SYS_MODULE', 'delete_module init_module finit_module'],
  ['CAP_SYS_PACCT', 'acct'],
  ['CAP_SYS_PTRACE', 'kcmp pidfd_getfd process_madvise'],
  ['CAP_SYS_RAWIO', 'iopl ioperm'],
  ['CAP_SYS_TIME', 'settimeofday stime clock_settime clock_settime64'],
  ['CAP_SYS_TTY_CONFIG', 'vhangup'],
  ['CAP_SYS_NICE', 'get_mempolicy mbind set_mempolicy set_mempolicy_home_node'],
  ['CAP_SYSLOG', 'syslog'],
  ['CAP_BPF', 'bpf'],
  ['CAP_PERFMON', 'perf_event_open'],
];

/** The policy for a container with capabilities `caps`. */
export function defaultSeccompPolicy(caps: readonly CapabilityName[]): SeccompPolicy {
  const has = new Set(caps);
  const allow = (names: readonly string[]): SyscallRule[] => names.map((name) => ({ name, action: { kind: 'allow' } }));
  const rules: SyscallRule[] = [...allow(ALLOWED)];
  for (const [cap, names] of BY_CAPABILITY) if (has.has(cap)) rules.push(...allow(names.split(' ')));
  // Before the unconditional rules of the same call: the first rule that holds decides.
  const conditional: SyscallRule[] = [
    // vsock sockets reach the hypervisor.
    { name: 'socket', action: { kind: 'errno', errno: EPERM }, when: [{ arg: 0, op: 'eq', value: AF_VSOCK }] },
    { name: 'socket', action: { kind: 'allow' } },
    // Only the personalities programs ask for: Linux, with UNAME26, with ADDR_NO_RANDOMIZE, and the query.
    ...[0x0, 0x0008, 0x20000, 0x20008, 0xffffffff].map((value): SyscallRule => ({
      name: 'personality',
      action: { kind: 'allow' },
      when: [{ arg: 0, op: 'eq', value }],
    })),
  ];
  if (!has.has('CAP_SYS_ADMIN')) {
    // fork and threads, but no namespaces; clone3's flags are behind a pointer, so ENOSYS makes
    // libc use clone instead.
    conditional.push(
      { name: 'clone', action: { kind: 'allow' }, when: [{ arg: 0, op: 'masked-eq', mask: CLONE_NEW_ANY, value: 0 }] },
      { name: 'clone3', action: { kind: 'errno', errno: ENOSYS } },
    );
  }
  return {
    defaultAction: { kind: 'errno', errno: EPERM },
    newerAction: { kind: 'errno', errno: ENOSYS },
    foreignArchAction: { kind: 'kill-process' },
    // Conditional rules first; a call allowed unconditionally by capability comes after them,
    // so clone's rule is only there when CAP_SYS_ADMIN is not.
    rules: [...conditional, ...rules],
  };
}
