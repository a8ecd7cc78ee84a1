// The container is contained (issue 8, items 1 and 2): docker's default capabilities, no
// no_new_privs escape, a seccomp filter, the host's /proc gone rather than covered, runc's
// masked and read-only paths, nodev where devices could be made, nsrun's state out of sight.
// Each escape is tried from inside; --privileged (nsrun's old behaviour) shows each test can fail.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { capabilityMask, processCapabilities, SYSCALLS_X86_64 } from '@nsrun/sys';
import { DEFAULT_CAPABILITIES } from '@nsrun/runner';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { addHostProgram, busyboxSkipReason, makeBusyboxRootfs } from '@nsrun/test-helpers/rootfs';
import { nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';
import { capHex as hex, confinementCommand, statusFields as status } from '@nsrun/test-helpers/proc-status';

const k = kernelSuite('nsrun run: confinement');
k.before.each((ctx) => {
  ctx.state = stateDir();
  ctx.run = (args, cmd, opts) => nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, ...args, '--', 'sh', '-c', cmd], opts);
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
});

const STATUS = confinementCommand('/proc/self/status');
const DEFAULT_MASK = capabilityMask(DEFAULT_CAPABILITIES);
// Perl's syscall() reaches any system call; these are x86_64 numbers.
const onX64 = process.arch === 'x64';
const KEYCTL = `perl -e '$r = syscall(${SYSCALLS_X86_64.keyctl}, 0, 0, 0, 0, 0); print "keyctl=", ($r < 0 ? $!+0 : 0), "\\n"'`;

k("default: docker's 14 capabilities in the bounding, permitted and effective sets, none inheritable or ambient; no_new_privs; a seccomp filter", (ctx) => {
  const r = ctx.run(['--net', 'none'], STATUS);
  assert.is(r.status, 0, r.stderr);
  const s = status(r.stdout);
  assert.equal(hex(DEFAULT_MASK), '00000000a80425fb', "docker's default set, as docker shows it");
  for (const f of ['CapPrm', 'CapEff', 'CapBnd']) assert.is(s[f], hex(DEFAULT_MASK), f);
  assert.is(s.CapInh, hex(0n));
  assert.is(s.CapAmb, hex(0n));
  assert.is(s.NoNewPrivs, '1');
  assert.is(s.Seccomp, '2');
});

k('--cap-add / --cap-drop change the set (ALL included); --security-opt turns the filter and no_new_privs off; --privileged gives everything', (ctx) => {
  const bit = (n) => 1n << BigInt(n);
  /** @type {[string[], bigint, string, string][]} */
  const cases = [
    [['--cap-add', 'NET_ADMIN', '--cap-drop', 'cap_net_raw'], (DEFAULT_MASK | bit(12)) & ~bit(13), '2', '1'],
    [['--cap-drop', 'ALL'], 0n, '2', '1'],
    [['--cap-drop', 'ALL', '--cap-add', 'KILL'], bit(5), '2', '1'],
    [['--security-opt', 'seccomp=unconfined', '--security-opt', 'no-new-privileges=false'], DEFAULT_MASK, '0', '0'],
    // nsrun's own set (a machine may withhold some from root itself).
    [['--privileged'], processCapabilities().effective, '0', '0'],
  ];
  for (const [args, mask, seccomp, nnp] of cases) {
    const r = ctx.run(['--net', 'none', ...args], STATUS);
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    const s = status(r.stdout);
    assert.is(s.CapEff, hex(mask), `${args.join(' ')}: CapEff`);
    assert.is(s.CapBnd, hex(mask), `${args.join(' ')}: CapBnd`);
    assert.is(s.Seccomp, seccomp, `${args.join(' ')}: Seccomp`);
    assert.is(s.NoNewPrivs, nnp, `${args.join(' ')}: NoNewPrivs`);
  }
  for (const [args, re] of /** @type {[string[], RegExp][]} */ ([
    [['--cap-add', 'NET_WIZARD'], /validate: capAdd: "NET_WIZARD" is not a capability/],
    [['--cap-add', 'NET_ADMIN', '--cap-drop', 'NET_ADMIN'], /validate: capAdd: CAP_NET_ADMIN is both added and dropped/],
    [['--privileged', '--cap-add', 'NET_ADMIN'], /validate: capAdd: does not go with privileged/],
    [['--security-opt', 'apparmor=x'], /usage: --security-opt "apparmor=x"/],
  ])) {
    const r = ctx.run(args, 'true');
    assert.is(r.status, 125, args.join(' '));
    assert.match(r.stderr, re);
    assert.equal(records(ctx.state), []);
  }
});

k('a blocked system call gets EPERM (the filter, not a missing capability); with the filter off the kernel answers', (ctx) => {
  if (!onX64) return skip("the system call numbers here are x86_64's");
  const on = ctx.run(['--net', 'none'], KEYCTL);
  assert.is(on.status, 0, on.stderr);
  assert.match(on.stdout, /^keyctl=1$/m, 'EPERM from the filter');
  const off = ctx.run(['--net', 'none', '--security-opt', 'seccomp=unconfined'], KEYCTL);
  assert.match(off.stdout, /^keyctl=(?!1$)\d+$/m, `the kernel's own answer: ${off.stdout}`);
});

k('a normal workload still works under the filter: a Node TCP server reached from the host, ping, a shell pipeline', async (ctx) => {
  const server = `${JSON.stringify(process.execPath)} -e "require('net').createServer((c) => c.end('hello from ' + require('os').hostname() + '\\n')).listen(8080, () => console.log('listening'))"`;
  const script = `${server} & ping -c1 -w5 10.10.10.1 >/dev/null && echo ping=ok; i=0; while ! grep -q ':1F90 ' /proc/net/tcp && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; echo ready; sleep 5`;
  const child = spawn(
    'nsenter',
    [
      `--net=${ctx.ns.procPath}`,
      process.execPath,
      new URL('../packages/cli/dist/main.js', import.meta.url).pathname,
      'run',
      '--state-dir',
      ctx.state,
      '--hostname',
      'svc',
      '--',
      'sh',
      '-c',
      script,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  try {
    for (let i = 0; i < 200 && !/ready/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /ping=ok/, `${out}\n${err}`);
    const got = spawnSync(
      'nsenter',
      [`--net=${ctx.ns.procPath}`, process.execPath, '-e', "require('net').connect(8080, '10.10.10.2').on('data', (d) => process.stdout.write(d))"],
      { encoding: 'utf8', timeout: 10_000 },
    );
    assert.is(got.stdout, 'hello from svc\n', got.stderr);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
  }
});

k("without a rootfs: the host's /proc is gone, not covered; its processes and network stay out of reach; nsrun's state is hidden", (ctx) => {
  // A process of the "host" (the test's namespace) for the container to try to enter.
  const host = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'sleep', '60'], { stdio: 'ignore' });
  const mnt = mkdtempSync('/tmp/nsrun-escape-');
  writeFileSync(`${mnt}/ns`, '');
  try {
    const attack = [
      'umount -l /proc 2>/dev/null; echo umount=$?',
      'echo hostpid=$(ls /proc | grep -cx ' + host.pid + ')',
      'echo procs=$(ls /proc | grep -c "^[0-9]")',
      `nsenter -t ${host.pid} -n ip link add evil0 type bridge 2>/dev/null; echo nsenter=$?`,
      `mount --bind /proc/self/ns/net ${mnt}/ns 2>/dev/null; echo bind=$?`,
      `echo state=$(ls -A ${ctx.state} | wc -l); touch ${ctx.state}/evil 2>/dev/null; echo touch=$?`,
    ].join('; ');
    const r = ctx.run(['--net', 'none'], attack);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^umount=(?!0$)\d+$/m, 'umount of the fresh /proc refused (no CAP_SYS_ADMIN)');
    assert.match(r.stdout, /^hostpid=0$/m);
    assert.match(r.stdout, /^nsenter=(?!0$)\d+$/m);
    assert.match(r.stdout, /^bind=(?!0$)\d+$/m);
    assert.match(r.stdout, /^state=0$/m, 'the state directory looks empty inside');
    assert.match(r.stdout, /^touch=(?!0$)\d+$/m);
    assert.equal(
      ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
      ['lo'],
      "no evil0 in the host's network",
    );
    assert.not.ok(existsSync(`${ctx.state}/evil`));
    // Even privileged, umount uncovers nothing: the host's /proc was detached, not covered.
    const p = ctx.run(['--net', 'none', '--privileged'], attack);
    assert.match(p.stdout, /^umount=0$/m);
    assert.match(p.stdout, /^procs=0$/m, `nothing beneath: ${p.stdout}`);
    assert.match(p.stdout, /^hostpid=0$/m);
    assert.equal(
      ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
      ['lo'],
    );
  } finally {
    host.kill('SIGKILL');
    rmSync(mnt, { recursive: true, force: true });
  }
});

k('with a rootfs: open_by_handle_at (the "shocker" read of a host file), device nodes, /proc/sys, /sys and runc\'s masked paths', (ctx) => {
  if (busyboxSkipReason) return skip(busyboxSkipReason);
  if (!onX64) return skip("the system call numbers here are x86_64's");
  const dir = mkdtempSync('/tmp/nsrun-shocker-');
  try {
    // The secret lives outside the rootfs, on the same file system (a handle names an inode of
    // the file system the mount fd is on).
    const rootfs = `${dir}/rootfs`;
    makeBusyboxRootfs(rootfs);
    addHostProgram(rootfs, '/usr/bin/perl');
    writeFileSync(`${dir}/secret`, "the host's secret\n");
    const handle = spawnSync(
      'perl',
      [
        '-e',
        `my $h = pack('LlA128', 128, 0, ''); my $m = pack('l', 0); my $p = '${dir}/secret'; syscall(${SYSCALLS_X86_64.name_to_handle_at}, -100, $p, $h, $m, 0) == 0 or die "name_to_handle_at: $!"; my ($n) = unpack('L', $h); print unpack('H*', substr($h, 0, 8 + $n));`,
      ],
      { encoding: 'utf8' },
    );
    assert.is(handle.status, 0, handle.stderr);
    const shocker = `perl -e 'open(my $d, "<", "/") or die; my $h = pack("H*", "${handle.stdout}"); my $fd = syscall(${SYSCALLS_X86_64.open_by_handle_at}, fileno($d), $h, 0); if ($fd < 0) { print "shocker=", $!+0, "\\n" } else { open(my $f, "<&=", $fd); print "shocker=read ", scalar(<$f>) }'`;
    // A node of the host's memory devices (char 1:3 is /dev/null, harmless to open; a disk's
    // would be the real attack): made in the rootfs and in /dev, opened for writing.
    const nodes =
      'mknod /tmp/node c 1 3 && echo mknod=ok; (echo x > /tmp/node) 2>/dev/null; echo node=$?; mknod /dev/node c 1 3; (echo x > /dev/node) 2>/dev/null; echo devnode=$?';
    const script = [
      shocker,
      nodes,
      'echo hi > /dev/null && echo devnull=ok',
      'echo 1 > /proc/sys/net/ipv4/ip_forward 2>/dev/null; echo procsys=$?',
      'grep -E " /(dev|sys|proc/sys|proc/sysrq-trigger|proc/keys|proc/kcore|proc/acpi|sys/firmware) " /proc/self/mountinfo',
    ].join('; ');
    const r = ctx.run(['--rootfs', rootfs, '--net', 'none'], script);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^shocker=1$/m, `open_by_handle_at refused: ${r.stdout}`);
    assert.match(r.stdout, /^mknod=ok$/m, "CAP_MKNOD is docker's default");
    assert.match(r.stdout, /^node=1$/m, 'a node made in the rootfs opens nothing (nodev)');
    assert.match(r.stdout, /^devnode=1$/m, 'nor one made in /dev');
    assert.match(r.stdout, /^devnull=ok$/m, 'the bound devices work');
    assert.match(r.stdout, /^procsys=1$/m);
    const mounts = r.stdout
      .split('\n')
      .filter((l) => / - /.test(l))
      .map((l) => l.split(' '))
      .map((f) => ({ at: f[4], opts: f[5].split(',') }));
    const at = (p) => mounts.find((m) => m.at === p);
    assert.ok(at('/dev').opts.includes('nodev'), '/dev is nodev');
    assert.ok(at('/sys').opts.includes('ro'), '/sys is read-only');
    assert.ok(at('/proc/sys').opts.includes('ro'), '/proc/sys is read-only');
    for (const p of ['/proc/keys', '/proc/acpi', '/sys/firmware', '/proc/kcore']) if (existsSync(p)) assert.ok(at(p), `${p} masked`);
    if (existsSync('/proc/sysrq-trigger')) assert.ok(at('/proc/sysrq-trigger').opts.includes('ro'), '/proc/sysrq-trigger read-only');
    else skip('this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ): its read-only mount is not observed');
    // nsrun's old behaviour, for those who ask: every one of these goes through.
    const p = ctx.run(['--rootfs', rootfs, '--net', 'none', '--privileged'], script);
    assert.match(p.stdout, /^shocker=read the host's secret$/m, `privileged: ${p.stdout}`);
    assert.match(p.stdout, /^node=0$/m);
    assert.match(p.stdout, /^devnode=0$/m);
    assert.match(p.stdout, /^procsys=0$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

k.run();
