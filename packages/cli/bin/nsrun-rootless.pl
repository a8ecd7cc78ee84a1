# nsrun's launcher for `nsrun run` by a user who is not root (bin/nsrun execs it). Node cannot
# create a user namespace (it is multithreaded: EINVAL), so this small single-threaded program
# does, and then runs nsrun's own code path in it, as root there. Perl because perl-base is
# already required (the seccomp loader) and it starts in ~5 ms; no modules are loaded.
#
#   P (this process, the one the user started and signals) — new user, mount, uts, ipc, cgroup
#     and pid namespaces; forwards signals to N and exits with its status.
#   O (forked first, stays outside: the user as they are, in the host's namespaces) — writes the
#     id maps with newuidmap/newgidmap when the user has a subordinate range, then serves N as
#     its "agent": starts user-mode networking (slirp4netns, pasta) for it, from where rootless
#     podman starts them; they join N's namespaces as their owner.
#   N (P's child) — PID 1 of the new pid namespace; mounts a fresh /proc, dies with P
#     (PDEATHSIG), execs Node: nsrun as root in the user namespace, which gives itself (and so
#     the container) a network namespace of its own.
#
# argv: the Node entry (bin/nsrun.cjs), then nsrun's own arguments. Exit: N's status (128+n for
# a signal); 125 for a failure here, before nsrun ran.
my ($entry, @args) = @ARGV;

# Given back to nsrun and the container exactly as the user had them (bin/nsrun moved them aside).
for my $k (qw(PERL5OPT PERL_BADLANG PERLIO PERL_UNICODE)) {
  my $s = "NSRUN_SAVED_$k";
  if (exists $ENV{$s}) { $ENV{$k} = delete $ENV{$s} } else { delete $ENV{$k} }
}
exec { 'node' } 'node', $entry, @args if $> == 0;

sub fail { print STDERR "nsrun: rootless: $_[0]\n"; exit 125 }

# System call numbers by the ELF machine of this perl (/proc/self/exe): x86_64
# (asm/unistd_64.h), i386 (asm/unistd_32.h), aarch64 and riscv64 (asm-generic/unistd.h).
my %NR = (62 => [272, 165, 157], 3 => [310, 21, 172], 183 => [97, 40, 167], 243 => [97, 40, 167]);
open(my $exe, '<', '/proc/self/exe') or fail("cannot read /proc/self/exe: $!");
sysread($exe, my $elf, 20) == 20 or fail('cannot read /proc/self/exe');
close $exe;
my $nr = $NR{unpack('v', substr($elf, 18, 2))} or fail('this architecture is not supported');
my ($SYS_unshare, $SYS_mount, $SYS_prctl) = @$nr;

# linux/sched.h, linux/mount.h, linux/prctl.h
my ($CLONE_NEWNS, $CLONE_NEWCGROUP, $CLONE_NEWUTS, $CLONE_NEWIPC, $CLONE_NEWUSER, $CLONE_NEWPID) =
  (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000);
my ($MS_NOSUID, $MS_NODEV, $MS_NOEXEC, $MS_REC, $MS_PRIVATE) = (2, 4, 8, 16384, 1 << 18);
my ($PR_SET_PDEATHSIG, $PR_SET_CHILD_SUBREAPER) = (1, 36);

my ($uid, $gid) = ($<, $( + 0);
# The user's name, looked up only if a subordinate-id file names users (NSS can be slow: systemd's userdb).
my $name;
my $named = sub { $name //= getpwuid($uid) // ''; $name };

# The caller's subordinate range in /etc/subuid (subgid): NAME or UID:START:COUNT, first line wins.
sub range {
  my ($file) = @_;
  open(my $f, '<', $file) or return;
  while (my $l = <$f>) {
    my ($who, $start, $count) = split(/:/, $l);
    next unless defined $count && $start =~ /^\d+$/ && $count =~ /^\d+$/ && $count > 0;
    return [$start + 0, $count + 0] if $who eq $uid || ($who !~ /^\d+$/ && $who eq $named->());
  }
  return;
}
my $mode = $ENV{NSRUN_USERNS} // '';
delete $ENV{NSRUN_USERNS};
my ($subuid, $subgid) = (range('/etc/subuid'), range('/etc/subgid'));
my $full = $mode ne 'single' && $subuid && $subgid && -x '/usr/bin/newuidmap' && -x '/usr/bin/newgidmap';
fail("--userns full: no range for $uid in /etc/subuid and /etc/subgid (or newuidmap is missing)") if $mode eq 'full' && !$full;

sub fds { pipe(my $r, my $w) or fail("pipe: $!"); return ($r, $w) }
sub status_of { my ($s) = @_; return $s & 127 ? 128 + ($s & 127) : $s >> 8 }
# P is gone (its end of the lifetime pipe closed) — checked after setting the death signal.
sub parent_gone { my ($fh) = @_; my $rin = ''; vec($rin, fileno($fh), 1) = 1; return select(my $o = $rin, undef, undef, 0) > 0 }

# Inherited by N across exec (perl marks fds above $^F close-on-exec).
$^F = 1023;
my ($ar, $aw) = fds(); # N -> O: requests
my ($rr, $rw) = fds(); # O -> N: replies
my ($yr, $yw) = fds(); # N -> P: "ready"
my ($lr, $lw) = fds(); # P's lifetime: EOF for N and O when P is gone
$^F = 2;
my ($mr, $mw) = fds(); # P -> O: "the user namespace exists"
my ($or, $ow) = fds(); # O -> P: the maps are written (or why not)

my $target = $$;
my $agent = fork() // fail("fork: $!");
if ($agent == 0) {
  close $_ for ($aw, $rr, $yr, $yw, $lw, $mw, $or);
  syscall($SYS_prctl, $PR_SET_PDEATHSIG, 9, 0, 0, 0);
  exit 0 if parent_gone($lr);
  # What its programs leave running in the background (pasta forks once ready) becomes its child.
  syscall($SYS_prctl, $PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  my $got = sysread($mr, my $go, 1);
  close $mr;
  if ($got && $full) {
    # Both at once: each is a set-uid program start (a few ms).
    my @pids = map {
      my ($prog, $id, $range) = @$_;
      my $pid = fork();
      if (defined $pid && $pid == 0) { exec { $prog } $prog, $target, 0, $id, 1, 1, @$range; exit 127 }
      $pid;
    } (['/usr/bin/newuidmap', $uid, $subuid], ['/usr/bin/newgidmap', $gid, $subgid]);
    my $ok = 1;
    for my $pid (@pids) { $ok = 0 unless defined $pid && waitpid($pid, 0) == $pid && $? == 0 }
    syswrite($ow, $ok ? 'y' : 'n');
  }
  close $ow;
  agent();
  exit 0;
}
close $_ for ($ar, $rw, $mr, $ow);

syscall($SYS_unshare, $CLONE_NEWUSER) == 0 or fail("unshare(CLONE_NEWUSER): $!");
syswrite($mw, 'u');
close $mw;
if ($full) {
  sysread($or, my $ok, 1);
  fail("newuidmap/newgidmap could not map $uid with its range (see their message above)") unless defined $ok && $ok eq 'y';
} else {
  for (['setgroups', 'deny'], ['uid_map', "0 $uid 1"], ['gid_map', "0 $gid 1"]) {
    open(my $f, '>', "/proc/self/$_->[0]") or fail("/proc/self/$_->[0]: $!");
    syswrite($f, $_->[1]) or fail("/proc/self/$_->[0]: $!");
    close $f;
  }
}
close $or;
syscall($SYS_unshare, $CLONE_NEWNS | $CLONE_NEWUTS | $CLONE_NEWIPC | $CLONE_NEWCGROUP | $CLONE_NEWPID) == 0
  or fail("unshare(mnt, uts, ipc, cgroup, pid): $!");

my $child = fork() // fail("fork: $!");
if ($child == 0) {
  close $_ for ($yr, $lw);
  # Our pid as the host sees it: the host's /proc is still the one mounted.
  my $hostpid = readlink('/proc/self') // '';
  syscall($SYS_prctl, $PR_SET_PDEATHSIG, 9, 0, 0, 0) == 0 or fail("prctl(PR_SET_PDEATHSIG): $!");
  exit 125 if parent_gone($lr);
  # syscall() takes buffers it may write to: no literals.
  my ($none, $root, $proc, $dir) = ('none', '/', 'proc', '/proc');
  syscall($SYS_mount, $none, $root, 0, $MS_REC | $MS_PRIVATE, 0) == 0 or fail("make / private: $!");
  syscall($SYS_mount, $proc, $dir, $proc, $MS_NOSUID | $MS_NODEV | $MS_NOEXEC, 0) == 0
    or fail("mount a /proc for the new pid namespace: $!");
  $ENV{NSRUN_ROOTLESS} = join(' ', 1, fileno($yw), fileno($aw), fileno($rr), fileno($lr), $hostpid, $uid, $gid);
  exec { 'node' } 'node', $entry, @args;
  fail("cannot exec node: $!");
}
close $_ for ($aw, $rr, $yw, $lr);

# Signals for nsrun. Until nsrun says it handles them ("ready"), one that asks it to stop ends
# it outright (PID 1 of a pid namespace ignores a signal it has no handler for). Signals the
# terminal sends to its foreground group reach nsrun directly, so they are not sent twice.
my $ready = 0;
my @pending;
my %STOP = map { $_ => 1 } qw(INT TERM HUP QUIT);
my %NUM = (HUP => 1, INT => 2, QUIT => 3, TERM => 15);
my $tty_fg = 0;
if (-t STDIN) {
  my $pg = pack('i', 0);
  # TIOCGPGRP (asm-generic/ioctls.h)
  $tty_fg = ioctl(STDIN, 0x540F, $pg) && unpack('i', $pg) == getpgrp();
}
my $stopped_by;
for my $sig (qw(INT TERM HUP QUIT USR1 USR2)) {
  $SIG{$sig} = sub {
    return if $tty_fg && ($sig eq 'INT' || $sig eq 'QUIT');
    if ($ready) { kill($sig, $child) }
    elsif ($STOP{$sig}) { $stopped_by //= $sig; kill('KILL', $child) }
    else { push @pending, $sig }
  };
}
$SIG{WINCH} = sub { kill('WINCH', $child) unless $tty_fg };
$SIG{PIPE} = 'IGNORE';

# Until "ready" (or N's end), then the rest of N's life in waitpid (signals interrupt both).
while (!$ready) {
  my $rin = '';
  vec($rin, fileno($yr), 1) = 1;
  next if select(my $rout = $rin, undef, undef, undef) <= 0;
  last unless sysread($yr, my $b, 64);
  $ready = 1;
  kill($_, $child) for splice(@pending);
}
close $yr;
waitpid($child, 0); # perl retries it after a signal's handler
my $status = $?;
# The agent ends once N is gone (its request pipe closes), with whatever it started.
close $lw;
waitpid($agent, 0);
exit(128 + $NUM{$stopped_by}) if defined $stopped_by && !$ready;
exit(status_of($status));

# The agent (O). N asks, one line at a time: "spawn\tPROGRAM\tARG...": the program starts here,
# with %READY_FD% in its arguments replaced by the write end of a pipe that it writes to when it
# is ready, %EXIT_FD% by the read end of the agent's lifetime pipe (EOF when the agent exits),
# stdout and stderr to the agent. The reply: "ready PID" once it wrote to that pipe, or
# "exit STATUS PID TEXT" if it ended first (TEXT: what it printed, on one line).
sub agent {
  $SIG{CHLD} = sub {}; # interrupts select
  $SIG{PIPE} = 'IGNORE';
  my ($xr, $xw) = fds();
  my %spawned; # pid => { ready => fh, out => fh, text => '', answered => 0 }
  my $inbuf = '';
  my $reply = sub { syswrite($rw, "$_[0]\n") };
  my $answer_exit = sub {
    my ($pid, $s) = @_;
    my $p = delete $spawned{$pid} or return;
    return if $p->{answered};
    if ($p->{out}) { while (sysread($p->{out}, my $b, 4096)) { $p->{text} .= $b; last if length($p->{text}) > 4096 } }
    (my $t = substr($p->{text}, 0, 4096)) =~ s/\s+/ /g;
    $reply->('exit ' . status_of($s) . " $pid $t");
  };
  my $spawn = sub {
    my @argv = @_;
    my ($readyr, $readyw) = fds();
    my ($outr, $outw) = fds();
    my %fd = ('%READY_FD%' => fileno($readyw), '%EXIT_FD%' => fileno($xr));
    s/(%READY_FD%|%EXIT_FD%)/$fd{$1}/g for @argv;
    my $pid = fork();
    if (!defined $pid) { $reply->("exit 125 0 fork: $!"); return }
    if ($pid == 0) {
      fcntl($_, 2, 0) for ($readyw, $xr); # F_SETFD: not close-on-exec
      $SIG{$_} = 'DEFAULT' for qw(PIPE CHLD); # an ignored signal would stay ignored across exec
      open(STDIN, '<', '/dev/null');
      open(STDOUT, '>&', $outw);
      open(STDERR, '>&', $outw);
      exec { $argv[0] } @argv;
      print STDERR "cannot exec $argv[0]: $!\n";
      exit 127;
    }
    close $readyw; close $outw;
    $spawned{$pid} = { ready => $readyr, out => $outr, text => '', answered => 0 };
  };
  my $open = 1;
  my $ever = 0; # whether it started anything (else nothing to end)
  while ($open) {
    my $rin = '';
    vec($rin, fileno($ar), 1) = 1;
    for my $p (values %spawned) {
      vec($rin, fileno($p->{ready}), 1) = 1 if $p->{ready};
      vec($rin, fileno($p->{out}), 1) = 1 if $p->{out};
    }
    my $n = select(my $rout = $rin, undef, undef, 0.5);
    while ((my $pid = waitpid(-1, 1)) > 0) { $answer_exit->($pid, $?) } # WNOHANG
    next if $n <= 0;
    if (vec($rout, fileno($ar), 1)) {
      my $got = sysread($ar, my $b, 65536);
      if (!$got) { $open = 0; last }
      $inbuf .= $b;
      while ($inbuf =~ s/^([^\n]*)\n//) {
        my ($op, @f) = split(/\t/, $1, -1);
        if ($op eq 'spawn' && @f) { $ever = 1; $spawn->(@f) } else { $reply->("exit 125 0 unknown request") }
      }
    }
    for my $pid (keys %spawned) {
      my $p = $spawned{$pid};
      if ($p->{ready} && vec($rout, fileno($p->{ready}), 1)) {
        my $got = sysread($p->{ready}, my $b, 64);
        close $p->{ready}; $p->{ready} = undef;
        if ($got) { $p->{answered} = 1; $reply->("ready $pid") }
      }
      if ($p->{out} && vec($rout, fileno($p->{out}), 1)) {
        if (sysread($p->{out}, my $b, 4096)) { $p->{text} .= $b if length($p->{text}) < 4096 }
        else { close $p->{out}; $p->{out} = undef }
      }
    }
  }
  # N is gone, and with it what these programs served. slirp4netns ends with our lifetime pipe
  # (--exit-fd); pasta, in the background and adopted by us, would not (it watches only a
  # namespace bound to a file): our children are found by their parent pid and asked to end.
  close $xw; close $xr;
  return unless $ever;
  my $children = sub {
    my @pids;
    opendir(my $d, '/proc') or return;
    for my $p (grep { /^\d+$/ } readdir($d)) {
      open(my $f, '<', "/proc/$p/stat") or next;
      my $st = <$f> // next;
      push @pids, $p if $st =~ /\) \S (\d+)/ && $1 == $$;
    }
    return @pids;
  };
  kill('TERM', $children->());
  my $deadline = time + 2;
  while (time < $deadline) {
    1 while waitpid(-1, 1) > 0; # WNOHANG
    last unless $children->();
    select(undef, undef, undef, 0.01);
  }
  kill('KILL', $children->());
  1 while waitpid(-1, 0) > 0;
}
