import { firstExecutable } from '../exec-path.js';
import {
  errnoName,
  nativeArches,
  PR_CAP_AMBIENT,
  PR_CAP_AMBIENT_CLEAR_ALL,
  PR_CAPBSET_DROP,
  PR_SET_NO_NEW_PRIVS,
  PR_SET_PDEATHSIG,
  SECCOMP_ARCHES,
  SECCOMP_SET_MODE_FILTER,
} from '@nsrun/sys';
import { GATE_FD, GATE_GO, GATE_READY, GATE_READY_FD } from '../gate-protocol.js';

// The container's first process, in Perl: the whole gate (gate.ts) in one program that execs the
// command itself. A filter can only be installed by the process itself, and Node's spawn runs
// nothing of ours between fork and exec; Node cannot be that process cheaply either (a second
// Node start costs ~60 ms here, against ~10 ms for perl). So nsrun assembles the filter in
// TypeScript (`compileSeccomp` in @nsrun/sys) and this program hands it to the kernel with Perl's
// syscall() builtin, then does what util-linux setpriv and the gate shell did after it (each an
// exec of ~4 ms more on every start): no C code, and Perl (perl-base) is an Essential package of
// Debian and Ubuntu. The filter goes in while the process still has root's capabilities, so it
// needs no no_new_privs; it stays on every process of the container from then on.

export const PERL = firstExecutable(['/usr/bin/perl', '/bin/perl']);

/**
 * The system calls the program makes through syscall(), by number for this machine's native ABI
 * (@nsrun/sys's tables, generated from <asm/unistd_64.h> and <asm-generic/unistd.h>, as the
 * filter uses them); undefined on another architecture, where the gate is setpriv and the shell.
 */
const SYSCALLS = (() => {
  try {
    return SECCOMP_ARCHES[nativeArches()[0]!].table;
  } catch {
    return undefined; // nativeArches: not x64 or arm64
  }
})();
const NRS = SYSCALLS && gateSyscallNumbers(SYSCALLS);

/**
 * The numbers of the calls the program makes, in its order, comma-separated; undefined when the
 * table lacks one (the gate would call system call 0 in its place): then it is setpriv's.
 */
export function gateSyscallNumbers(table: Readonly<Record<string, number>>): string | undefined {
  const nrs = ['prctl', 'capget', 'capset', 'seccomp', 'execve', 'rt_sigaction'].map((n) => table[n]);
  return nrs.every((n) => n !== undefined) ? nrs.join(',') : undefined;
}

/** True where the Perl gate can run: perl is installed and the machine's ABI is known. */
export const PERL_GATE = PERL !== undefined && NRS !== undefined;

/**
 * The command's variables that would change how perl runs the gate: every PERL* (PERL5OPT and
 * PERL5LIB load code; PERL_UNICODE and PERLIO put :utf8 on the pipes, where sysread dies) and
 * the dynamic loader's (with a rootfs, LD_PRELOAD names a path inside it, not the host's that
 * perl is loaded from). Moved aside under SAVED for the gate, given back at the exec (the
 * command's environment is built from the names, in order: see the script's exec_command);
 * a variable already named SAVED* is moved too, so that it comes back as it was.
 */
const GATE_AFFECTING = /^(PERL|LD_|GLIBC_TUNABLES$|NSRUN_SAVED_)/;
const SAVED = 'NSRUN_SAVED_';

// <linux/capability.h>: capget/capset with this version take two struct __user_cap_data_struct.
const _LINUX_CAPABILITY_VERSION_3 = 0x20080522;
// <asm-generic/errno-base.h>, <asm-generic/errno.h>
const ENOENT = 2;
const ENOEXEC = 8;
const EACCES = 13;
const ENODEV = 19;
const ENOTDIR = 20;
const ETIMEDOUT = 110;
const ESTALE = 116;
/**
 * errno's names by number, as @nsrun/sys names them, for the script's messages: those up to
 * ELOOP (40, <asm-generic/errno-base.h> and the first of <asm-generic/errno.h>), which cover what
 * its calls fail with; others are E<n>. Every byte of the script costs each start.
 */
const ERRNO_NAMES = Array.from({ length: 41 }, (_, n) => errnoName(n)).join(' ');
// <asm-generic/signal.h>, <asm/signal.h> (x86)
const SIGKILL = 9;
const SIGFPE = 8;

// argv (after --): the syscall numbers (NRS); the filter in hex ('' for none); the capabilities
// to drop from the bounding set, comma-separated ('-': leave every set as it is, as with
// privileged); '1' for no_new_privs; '1' to be the gate itself ('': exec the program at once, a
// gate shell); the terminal to reopen as fd 0 (''); the workdir to enter after the release ('',
// without a rootfs); the number of names in the command's environment, then the names, in order
// (one argument each: a single one is limited to 128 KiB); then the program and its arguments.
// Numbers from argv are strings: syscall() passes a string as a pointer, so they get `+ 0`.
// Any failure before the release exits 125 (nsrun's own), before anything of the container ran.
const SCRIPT = `my ($nrs, $hex, $drop, $nnp, $gate, $tty, $workdir, $count) = splice(@ARGV, 0, 8);
my @names = splice(@ARGV, 0, $count);
my ($prctl, $capget, $capset, $seccomp, $execve, $sigaction) = map { $_ + 0 } split(/,/, $nrs);
sub fail { print STDERR "nsrun: gate: $_[0]: " . errno() . "\\n"; exit 125; }
# $! as nsrun's own errors say it: "ENOENT (No such file or directory)". Not through %!, which
# loads Errno.pm at every start (and cannot after the pivot, where @INC is the rootfs's).
sub errno { my $n = $! + 0; return (qw(${ERRNO_NAMES})[$n] // "E$n") . " ($!)"; }
# SIGKILL when the nsrun thread that forked us dies; it survives the exec.
syscall($prctl, ${PR_SET_PDEATHSIG}, ${SIGKILL}, 0, 0, 0) == 0 or fail('prctl(PR_SET_PDEATHSIG)');
if ($hex ne '') {
  my $filter = pack('H*', $hex);
  my $fprog = pack('S x![P] P', length($filter) / 8, $filter);
  syscall($seccomp, ${SECCOMP_SET_MODE_FILTER}, 0, $fprog) == 0 or fail('seccomp: cannot install the filter');
}
# As setpriv --bounding-set -all,+KEPT --inh-caps -all --ambient-caps -all: permitted and
# effective stay, and the command (a root exec) gets the bounding set as both.
if ($drop ne '-') {
  for my $c (split(/,/, $drop)) { syscall($prctl, ${PR_CAPBSET_DROP}, $c + 0, 0, 0, 0) == 0 or fail("prctl(PR_CAPBSET_DROP, $c)"); }
  my $hdr = pack('Li', ${_LINUX_CAPABILITY_VERSION_3}, 0);
  my $data = "\\0" x 24;
  syscall($capget, $hdr, $data) == 0 or fail('capget');
  my @d = unpack('L6', $data);
  @d[2, 5] = (0, 0);
  syscall($capset, $hdr, pack('L6', @d)) == 0 or fail('capset');
  syscall($prctl, ${PR_CAP_AMBIENT}, ${PR_CAP_AMBIENT_CLEAR_ALL}, 0, 0, 0) == 0 or fail('prctl(PR_CAP_AMBIENT_CLEAR_ALL)');
}
syscall($prctl, ${PR_SET_NO_NEW_PRIVS}, 1, 0, 0, 0) == 0 or fail('prctl(PR_SET_NO_NEW_PRIVS)') if $nnp;
exec_command() unless $gate;
# Opened without O_NOCTTY by the session leader: it becomes the controlling terminal.
if ($tty ne '') { open(STDIN, '+<', $tty) or fail("terminal $tty"); }
open(my $ready, '>&=', ${GATE_READY_FD}) or fail('ready pipe');
syswrite($ready, '${GATE_READY}');
close($ready);
open(my $go, '<&=', ${GATE_FD}) or fail('release pipe');
my $got = '';
1 while length($got) < ${GATE_GO.length} && sysread($go, $got, ${GATE_GO.length} - length($got), length($got));
exit 125 if $got ne ${JSON.stringify(GATE_GO)};
close($go);
if ($workdir ne '') { chdir($workdir) or do { print STDERR "nsrun: workdir $workdir: cannot enter it inside the rootfs: " . errno() . "\\n"; exit 125; }; }
exec_command();
# execve(2) with the command's environment: its names in nsrun's order, a variable moved aside
# (loaderEnv) found under SAVED (only such a one is there: a SAVED* of the command's is moved
# too). PATH searched as execvp does, but a file execve refuses (ENOEXEC) goes to /bin/sh only
# if it is text, as the shells do: a binary (another architecture) is "Exec format error", not
# a shell's syntax errors. Then the shell's statuses: 127 not found, 126 anything else.
sub exec_command {
  # SIGFPE to SIG_DFL (a zeroed struct sigaction): perl ignores it (PERL_FPU_INIT) and its own
  # exec puts it back. Not through %SIG, which costs every start ~7 page faults to set up.
  my $act = "\\0" x 32; # a variable: a folded constant is read-only, and syscall() may write to strings
  syscall($sigaction, ${SIGFPE}, $act, 0, 8) == 0 or fail('rt_sigaction(SIGFPE)');
  my @env = map { my $v = $ENV{"${SAVED}$_"} // $ENV{$_}; defined $v ? "$_=$v" : () } @names;
  my $envp = pack('p*', @env, undef);
  my @argv = @ARGV;
  my $cmd = $argv[0];
  my $path = $ENV{PATH} // '/bin:/usr/bin';
  my @try = $cmd eq '' ? () : $cmd =~ m{/} ? ($cmd) : map { $_ eq '' ? $cmd : "$_/$cmd" } ($path eq '' ? ('') : split(/:/, $path, -1));
  my ($e, $eacces) = (${ENOENT}, 0);
  for my $file (@try) {
    syscall($execve, $file, pack('p*', @argv, undef), $envp);
    $e = $! + 0;
    if ($e == ${ENOEXEC}) {
      last if binary($file);
      my @sh = ('/bin/sh', $file, @argv[1 .. $#argv]); # as execvp's
      syscall($execve, $sh[0], pack('p*', @sh, undef), $envp); # not a literal: syscall writes to strings
      $e = $! + 0;
      last;
    }
    last unless grep { $e == $_ } (${ENOENT}, ${ENOTDIR}, ${EACCES}, ${ESTALE}, ${ENODEV}, ${ETIMEDOUT});
    $eacces ||= $e == ${EACCES};
    $e = ${EACCES} if $eacces; # when none is left: EACCES if one was not executable
  }
  $! = $e;
  if ($e == ${ENOENT} || $e == ${ENOTDIR}) { print STDERR "nsrun: $cmd: not found\\n"; exit 127; }
  print STDERR "nsrun: $cmd: $!\\n";
  exit 126;
}
# As bash's check_binary_file: an ELF, or a NUL in the first line (the first two after #!).
# Compiled only when it is needed (a string eval): every start would pay for it.
sub binary {
  my $file = shift;
  return eval q{
    my ($f, $s) = (undef, '');
    sysread($f, $s, 80) if open($f, '<', $file);
    return 1 if substr($s, 0, 4) eq "\\x7fELF";
    my $lines = substr($s, 0, 2) eq '#!' ? 2 : 1;
    for my $c (split(//, $s)) { return 0 if $c eq "\\n" && --$lines == 0; return 1 if $c eq "\\0"; }
    0;
  };
}`;

/** What the Perl gate does before it execs `command`. */
export interface PerlGate {
  /** The seccomp filter (struct sock_filter array), if any. */
  filter?: Buffer | undefined;
  /** Capabilities to drop from the bounding set (inheritable and ambient are cleared); 'none': touch no set. */
  drop: readonly number[] | 'none';
  noNewPrivs: boolean;
  /** Whether it is the gate (below); false: it execs the command at once (a gate shell). */
  gate: boolean;
  /** The terminal (/dev/pts/N) to reopen as fd 0 before it is ready. */
  tty?: string | undefined;
  /** The directory to enter after the release (inside the rootfs). */
  workdir?: string | undefined;
  /** The command's environment (given to the gate through loaderEnv): the order of its names is kept. */
  env: NodeJS.ProcessEnv;
}

/** The argv of the gate program that ends by exec'ing `command` (PERL_GATE must be true). */
export function perlGateArgv(g: PerlGate, command: readonly string[]): string[] {
  const names = Object.keys(g.env).filter((k) => g.env[k] !== undefined);
  return [
    PERL!,
    '-e',
    SCRIPT,
    '--',
    NRS!,
    g.filter?.toString('hex') ?? '',
    g.drop === 'none' ? '-' : g.drop.join(','),
    g.noNewPrivs ? '1' : '',
    g.gate ? '1' : '',
    g.tty ?? '',
    g.workdir ?? '',
    String(names.length),
    ...names,
    ...command,
  ];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const savedDepth = (name: string): number => {
  let d = 0;
  while (name.startsWith(SAVED, d * SAVED.length)) d++;
  return d;
};

/**
 * For a gate shell and what starts it (the init shell, which is the host's even with a rootfs;
 * without perl, setpriv and the shell): the command's environment with the variables that would
 * change how they run (GATE_AFFECTING: the dynamic loader's above all) moved aside under SAVED,
 * and the names the shell gives back just before it execs the command (SHELL_RESTORE), in the
 * order that undoes the moves: a SAVED* of the command's after the name whose move it hides.
 * `own`: the shell's own variables, moved too. Only names a shell can assign are moved;
 * another (no program reads one) stays where it is.
 */
export function shellEnv(env: NodeJS.ProcessEnv, own: readonly string[] = []): { env: NodeJS.ProcessEnv; restore: string[] } {
  const moved = moveAside(env, (k) => (GATE_AFFECTING.test(k) || own.includes(k)) && IDENTIFIER.test(k));
  return { env: moved.env, restore: moved.names.sort((a, b) => savedDepth(a) - savedDepth(b)) };
}

/** `env` with each defined variable that `move` picks renamed SAVED + its name, in place; the names moved. */
function moveAside(env: NodeJS.ProcessEnv, move: (name: string) => boolean): { env: NodeJS.ProcessEnv; names: string[] } {
  const out: NodeJS.ProcessEnv = {};
  const names: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (move(k)) {
      out[`${SAVED}${k}`] = v;
      names.push(k);
    } else out[k] = v;
  }
  return { env: out, names };
}

/**
 * The shell's part of shellEnv: with `NAME... -- COMMAND...` as its arguments, gives back each
 * NAME from SAVED (the value is expanded, never read as code: the names are identifiers), then
 * leaves COMMAND as "$@". No variable of its own: any name may be the command's.
 */
export const SHELL_RESTORE = 'while [ "$1" != -- ]; do eval "export $1=\\"\\${' + SAVED + '$1}\\"; unset ' + SAVED + '$1"; shift; done; shift';

/** The environment for the Perl gate: what would change its run moved aside (GATE_AFFECTING), its locale warnings off. */
export function loaderEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = moveAside(env, (k) => GATE_AFFECTING.test(k)).env;
  out.PERL_BADLANG = '0';
  return out;
}
