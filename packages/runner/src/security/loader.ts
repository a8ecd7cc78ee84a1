import { firstExecutable } from '../exec-path.js';
import { NR_SECCOMP, type SeccompArch } from '@nsrun/sys';

// Installing the seccomp filter in the container. A filter can only be installed by the process
// itself, and the container's first process is not Node: it is exec'd by Node's spawn, which
// runs nothing of ours between fork and exec. Node cannot be that process cheaply either (a
// second Node start costs ~60 ms here, against ~3 ms for this). So nsrun assembles the filter in
// TypeScript (security/filter.ts) and a few lines of Perl, through Perl's syscall() builtin,
// hand it to the kernel and exec the rest of the chain: no C code, and Perl (perl-base) is
// an Essential package of Debian and Ubuntu. The loader runs first, with root's capabilities,
// so the filter needs no no_new_privs (that is setpriv's, after it); it stays on every process
// of the container from then on.

export const PERL = firstExecutable(['/usr/bin/perl', '/bin/perl']);

/** Perl's variables that make it load code; moved aside for the loader, given back to the container. */
const PERL_VARIABLES = ['PERL5OPT', 'PERL5LIB', 'PERLLIB', 'PERL_BADLANG'] as const;
const SAVED = 'NSRUN_SAVED_';

// argv: the seccomp(2) number, the filter in hex, then the program to exec and its arguments.
// A failure exits 125 (nsrun's own), before anything of the container has run.
const SCRIPT = `delete $ENV{PERL_BADLANG};
for my $k (qw(${PERL_VARIABLES.join(' ')})) { my $s = "${SAVED}$k"; $ENV{$k} = delete $ENV{$s} if exists $ENV{$s}; }
my ($nr, $hex) = splice(@ARGV, 0, 2);
my $filter = pack('H*', $hex);
my $fprog = pack('S x![P] P', length($filter) / 8, $filter);
if (syscall($nr + 0, 1, 0, $fprog) != 0) { print STDERR "nsrun: seccomp: cannot install the filter: $!\\n"; exit 125; }
exec { $ARGV[0] } @ARGV;
print STDERR "nsrun: seccomp: cannot exec $ARGV[0]: $!\\n";
exit 125;`;

/** The argv that installs `filter` and then execs `next` (PERL must exist). */
export function seccompLoaderArgv(filter: Buffer, next: readonly string[], arch: SeccompArch): string[] {
  return [PERL!, '-e', SCRIPT, '--', String(NR_SECCOMP[arch]), filter.toString('hex'), ...next];
}

/** The environment for a chain that starts with the loader: Perl's own variables moved aside (and its locale warnings off). */
export function loaderEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of PERL_VARIABLES) {
    if (out[k] !== undefined) out[`${SAVED}${k}`] = out[k];
    delete out[k];
  }
  out.PERL_BADLANG = '0';
  return out;
}
