// The gate against what the command's own environment and the embedding program can do to it
// (a review of security/loader.ts, gate.ts, setup.ts): variables meant for the command that
// would change how perl, or the dynamic loader starting it, runs the gate; an embedding
// program's fds as it left them.
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { apiInNs, nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';
import { BUSYBOX, busyboxSkipReason, tempBusyboxRootfs } from '@nsrun/test-helpers/rootfs';
import { SYS_URL } from '@nsrun/test-helpers/child';
import { PERL, withPerlReplacedBy } from '@nsrun/test-helpers/perl-swap';

const k = kernelSuite('nsrun run: the gate, reviewed');
k.before.each((ctx) => {
  ctx.state = stateDir();
  // Files for the command (the state directory is hidden from the container).
  ctx.files = mkdtempSync('/tmp/nsrun-gate-review-');
  ctx.run = (args, cmd, opts) => nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--net', 'none', ...args, '--', ...cmd], opts);
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
  rmSync(ctx.files, { recursive: true, force: true });
});

// perl reads these at its start: PERL_UNICODE=D (or '' with a UTF-8 locale: -CSDL) and PERLIO=:utf8
// put :utf8 on the gate's pipes, where syswrite and sysread die (perl 5.30+).
const PERL_VARIABLES = [
  { PERL_UNICODE: 'SDA' },
  { PERL_UNICODE: '', LC_ALL: 'C.UTF-8' },
  { PERLIO: ':utf8' },
  { PERLIO: ':raw:crlf', PERL_HASH_SEED: '0', PERL_PERTURB_KEYS: '0' },
];
const PRINT = (vars) => ['sh', '-c', `${vars.map((v) => `printf '%s=%s|' ${v} "\${${v}-unset}"`).join('; ')}; env | grep -c '^NSRUN_SAVED_' || true`];

k(
  "Perl's variables (PERL_UNICODE, PERLIO, ...) in nsrun's environment or the command's: the gate runs as without them, the command gets them as they were",
  (ctx) => {
    if (!PERL) return skip('perl is missing: the gate is setpriv and the shell');
    for (const vars of PERL_VARIABLES) {
      const names = Object.keys(vars);
      const want = `${names.map((v) => `${v}=${vars[v]}|`).join('')}0\n`;
      for (const init of [[], ['--init']]) {
        const inherited = ctx.run(init, PRINT(names), { env: vars });
        assert.is(inherited.stderr, '', `${JSON.stringify(vars)} ${init.join(' ')} in nsrun's environment`);
        assert.is(inherited.status, 0);
        assert.is(inherited.stdout, want);
        const given = ctx.run([...init, ...names.flatMap((v) => ['--env', `${v}=${vars[v]}`])], PRINT(names));
        assert.is(given.stderr, '', `${JSON.stringify(vars)} ${init.join(' ')} by --env`);
        assert.is(given.status, 0);
        assert.is(given.stdout, want);
      }
    }
    assert.equal(records(ctx.state), []);
  },
);

k("a variable of the command named like the gate's saved ones (NSRUN_SAVED_PERL5LIB) reaches it as it is, and gives it no other", (ctx) => {
  if (!PERL) return skip('perl is missing: the gate is setpriv and the shell');
  const env = { NSRUN_SAVED_PERL5LIB: '/mine', PERL5OPT: '-w', NSRUN_SAVED_NSRUN_SAVED_X: 'y' };
  const r = ctx.run(
    Object.entries(env).flatMap(([n, v]) => ['--env', `${n}=${v}`]),
    ['sh', '-c', 'env | grep -E "^(NSRUN_SAVED_|PERL|X=)" | sort'],
  );
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'NSRUN_SAVED_NSRUN_SAVED_X=y\nNSRUN_SAVED_PERL5LIB=/mine\nPERL5OPT=-w\n');
});

k("the dynamic loader's variables of a container with a rootfs (LD_PRELOAD, a path inside it) are the command's, not the host perl's", (ctx) => {
  if (!PERL) return skip('perl is missing: the gate is setpriv and the shell');
  if (busyboxSkipReason) return skip(busyboxSkipReason);
  const rootfs = tempBusyboxRootfs();
  try {
    const r = ctx.run(
      ['--rootfs', rootfs.dir, '--env', 'LD_PRELOAD=/lib/nsrun-only-in-the-rootfs.so', '--env', 'LD_LIBRARY_PATH=/opt/nsrun-rootfs-lib'],
      ['sh', '-c', 'echo "$LD_PRELOAD|$LD_LIBRARY_PATH"'],
    );
    // The static busybox has no dynamic loader: nobody should have looked for the library.
    assert.is(r.stderr, '', 'the host ld.so did not try to preload a path of the rootfs into perl');
    assert.is(r.status, 0);
    assert.is(r.stdout, '/lib/nsrun-only-in-the-rootfs.so|/opt/nsrun-rootfs-lib\n');
  } finally {
    rootfs.remove();
  }
});

k(
  "the dynamic loader's variables (and perl's) reach the command only: not the host's init shell of --init, nor setpriv and the gate shell where perl is missing; a saved-like name of the command's is its own",
  (ctx) => {
    if (busyboxSkipReason) return skip(busyboxSkipReason);
    // The static busybox has no dynamic loader: any ld.so message came from a program before it.
    const value = 'a "b" $HOME `id` \\ c\nline2';
    const env = ['LD_PRELOAD=/nonexistent/nsrun-test.so', `NSRUN_SAVED_LD_PRELOAD=${value}`, 'GLIBC_TUNABLES=glibc.malloc.check=0', 'PERL5OPT=-w'];
    const cmd = [BUSYBOX, 'sh', '-c', 'printf "%s|" "$LD_PRELOAD" "$NSRUN_SAVED_LD_PRELOAD" "$GLIBC_TUNABLES" "$PERL5OPT"; env | grep -c "^NSRUN_SAVED_"'];
    const want = `/nonexistent/nsrun-test.so|${value}|glibc.malloc.check=0|-w|1\n`;
    const args = env.flatMap((e) => ['--env', e]);
    /** @type {[string, () => { status: number | null, stdout: string, stderr: string }][]} */
    const runs = [['--init', () => ctx.run(['--init', ...args], cmd)]];
    if (PERL) {
      // The filter needs perl: without it, seccomp unconfined.
      const unconfined = ['--security-opt', 'seccomp=unconfined'];
      runs.push(['no perl', () => ctx.run([...unconfined, ...args], cmd, { via: withPerlReplacedBy('/dev/null') })]);
      runs.push(['no perl, --init', () => ctx.run([...unconfined, '--init', ...args], cmd, { via: withPerlReplacedBy('/dev/null') })]);
    }
    for (const [what, go] of runs) {
      const r = go();
      assert.is(r.stderr, '', `${what}: no program before the command tried to preload the command's library`);
      assert.is(r.status, 0, what);
      assert.is(r.stdout, want, what);
    }
    assert.equal(records(ctx.state), []);
  },
);

/** A copy of /bin/true marked as an ELF for another machine (e_machine): execve fails with ENOEXEC. */
function foreignElf(path) {
  const elf = readFileSync('/bin/true');
  elf.writeUInt16LE(elf.readUInt16LE(18) === 62 ? 183 : 62, 18); // EM_X86_64 <-> EM_AARCH64 (<linux/elf-em.h>)
  writeFileSync(path, elf, { mode: 0o755 });
}

k('a binary execve refuses (ENOEXEC: another architecture) is "Exec format error", 126, as the shell gate said; not run by /bin/sh as a script', (ctx) => {
  const bin = `${ctx.files}/foreign`;
  foreignElf(bin);
  const r = ctx.run([], [bin, 'a']);
  assert.is(r.stderr, `nsrun: ${bin}: Exec format error\n`);
  assert.is(r.status, 126);
  // Found through PATH, the same.
  const p = ctx.run(['--env', `PATH=/nonexistent:${ctx.files}`], ['foreign']);
  assert.is(p.stderr, 'nsrun: foreign: Exec format error\n');
  assert.is(p.status, 126);
});

k(
  'a text file without #! still runs as a /bin/sh script (as execvp and the shells do), with its arguments; PATH searched past a file that is not executable',
  (ctx) => {
    const dir = `${ctx.files}/bin`;
    const denied = `${ctx.files}/denied`;
    mkdirSync(dir);
    mkdirSync(denied);
    writeFileSync(`${dir}/hello`, 'echo "script $0 $*"\n', { mode: 0o755 });
    writeFileSync(`${denied}/hello`, 'echo "wrong one"\n', { mode: 0o644 }); // EACCES: the search goes on
    const r = ctx.run(['--env', `PATH=${denied}:${dir}`], ['hello', 'x', 'y z']);
    assert.is(r.stderr, '');
    assert.is(r.status, 0);
    assert.is(r.stdout, `script ${dir}/hello x y z\n`);
    // Only a file that is not executable: "Permission denied", 126.
    const only = ctx.run(['--env', `PATH=${denied}`], ['hello']);
    assert.is(only.stderr, 'nsrun: hello: Permission denied\n');
    assert.is(only.status, 126);
    // PATH unset: glibc's default (/bin:/usr/bin).
    const unset = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--net', 'none', '--', 'true'], { env: { PATH: undefined } });
    assert.is(unset.status, 0, unset.stderr);
  },
);

k("the command's environment in the order it was given, the gate's moved-aside variables in their places", (ctx) => {
  // Not with --init: bash exports its variables in an order of its own.
  const names = ['NSRUN_Z1', 'PERL5OPT', 'NSRUN_A1', 'LD_NSRUN_X', 'NSRUN_M1', 'NSRUN_SAVED_Q'];
  const r = ctx.run(
    names.flatMap((n, i) => ['--env', `${n}=${i}`]),
    ['sh', '-c', 'tr "\\0" "\\n" < /proc/$$/environ'],
  );
  assert.is(r.status, 0, r.stderr);
  const order = r.stdout
    .split('\n')
    .map((l) => l.slice(0, l.indexOf('=')))
    .filter((n) => names.includes(n));
  assert.equal(order, names);
  // Names adding up to more than one argument may hold (128 KiB): all of them arrive.
  const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`NSRUN_MANY_${'N'.repeat(40)}_${i}`, String(i)]));
  const m = ctx.run([], ['sh', '-c', 'env | grep -c ^NSRUN_MANY_'], { env: many });
  assert.is(m.status, 0, m.stderr);
  assert.is(m.stdout, '3000\n');
});

k("a relative --workdir without a rootfs: PWD is the directory the command runs in (joined to nsrun's own), as the shell gate said", (ctx) => {
  const dir = mkdtempSync('/tmp/nsrun-workdir-');
  try {
    mkdirSync(`${dir}/sub`);
    // printenv, not a shell: sh would put a PWD that is not its directory right itself.
    const r = ctx.run(['--workdir', 'sub'], ['printenv', 'PWD'], { cwd: dir });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, `${dir}/sub\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

k('a workdir the rootfs lacks: the step, the path and the errno (name and text), exit 125', (ctx) => {
  if (!PERL) return skip('perl is missing: the gate is setpriv and the shell (which cannot say the errno)');
  if (busyboxSkipReason) return skip(busyboxSkipReason);
  const rootfs = tempBusyboxRootfs();
  try {
    const r = ctx.run(['--rootfs', rootfs.dir, '--workdir', '/nonexistent'], ['true']);
    assert.is(r.stderr, 'nsrun: workdir /nonexistent: cannot enter it inside the rootfs: ENOENT (No such file or directory)\n');
    assert.is(r.status, 125);
  } finally {
    rootfs.remove();
  }
});

k(
  "an embedding program's fd without close-on-exec: it does not reach the container, and is still without close-on-exec after the run (its own later children get it)",
  (ctx) => {
    const r = apiInNs(
      ctx.ns,
      `
const sys = await import(${JSON.stringify(SYS_URL)});
const fd = fs.openSync('/dev/null', 'r'); // Node opens it close-on-exec
sys.setCloexec(fd, false); // as an fd inherited from the program's parent (a jobserver's, LISTEN_FDS)
const h = await runner.run({ command: ['sh', '-c', 'test ! -e /proc/$$/fd/' + fd], net: 'none', stateDir: ${JSON.stringify(ctx.state)} });
const status = await h.wait();
const { spawnSync } = await import('node:child_process');
const child = spawnSync('sh', ['-c', 'test -e /proc/$$/fd/' + fd]).status;
out({ status, flags: sys.fcntl(fd, sys.F_GETFD), child });
`,
    );
    assert.is(r.status, 0, 'the container had the fd');
    assert.is(r.flags, 0, 'the fd is close-on-exec after the run');
    assert.is(r.child, 0, "the program's next child did not get the fd");
    assert.equal(records(ctx.state), []);
  },
);

k('a command named -x or --: run as it is named, with --init too (bash takes exec -x as an option, and skips a --), and by the gate shell', (ctx) => {
  writeFileSync(`${ctx.files}/-x`, '#!/bin/sh\necho "-x: $*"\n', { mode: 0o755 });
  writeFileSync(`${ctx.files}/--`, '#!/bin/sh\necho "--: $*"\n', { mode: 0o755 });
  const path = ['--env', `PATH=${ctx.files}:/usr/bin:/bin`];
  // Perl (the gate, or before the init shell); without it setpriv and the gate (or init) shell.
  /** @type {[string, (args: string[], cmd: string[]) => { status: number | null, stdout: string, stderr: string }][]} */
  const ways = [['', (args, cmd) => ctx.run(args, cmd)]];
  if (PERL) ways.push(['no perl', (args, cmd) => ctx.run(['--security-opt', 'seccomp=unconfined', ...args], cmd, { via: withPerlReplacedBy('/dev/null') })]);
  for (const [how, run] of ways) {
    for (const init of [[], ['--init']]) {
      /** @type {[string[], string][]} */
      const cases = [
        [['-x', 'a'], '-x: a\n'],
        [['--', 'echo', 'b'], '--: echo b\n'],
      ];
      for (const [cmd, want] of cases) {
        const r = run([...init, ...path], cmd);
        const what = `${how} ${init.join(' ')} ${cmd.join(' ')}`;
        assert.is(r.stderr, '', what);
        assert.is(r.status, 0, what);
        assert.is(r.stdout, want, what);
      }
    }
  }
  // Not found: as any other name.
  const missing = ctx.run(['--init'], ['-nsrun-missing']);
  assert.is(missing.status, 127, missing.stderr);
  assert.equal(records(ctx.state), []);
});

k(
  "--init: the host's bash reads no ~/.bashrc (nor /etc/bash.bashrc), even where it takes itself for one started by sshd (SSH_CLIENT, or a socket as stdin, with no SHLVL)",
  (ctx) => {
    writeFileSync(`${ctx.files}/.bashrc`, 'echo "nsrun-test: .bashrc read" >&2\n');
    const env = ['--env', `HOME=${ctx.files}`];
    // nsrun's own environment (the command's) without SHLVL: bash's heuristic wants a level below 2.
    const ssh = ctx.run(['--init', ...env, '--env', 'SSH_CLIENT=192.0.2.1 50000 22'], ['true'], { env: { SHLVL: undefined } });
    assert.is(ssh.stderr, '', 'SSH_CLIENT');
    assert.is(ssh.status, 0);
    // The container's stdin a socket (as a program's child with its stdio as pipes: Node's are socketpairs).
    const sock = ctx.run(['--init', ...env], ['true'], { env: { SHLVL: undefined } });
    assert.is(sock.stderr, '', 'a socket as stdin');
    assert.is(sock.status, 0);
    assert.equal(records(ctx.state), []);
  },
);

k(
  "--init: the command's TMOUT does not time out the host bash's wait for the release (bash's read takes it as its timeout; the init then exited 125)",
  (ctx) => {
    // Setup held after loopback (its last step before the release) for longer than TMOUT.
    const r = apiInNs(
      ctx.ns,
      `
const nap = new Int32Array(new SharedArrayBuffer(4));
const log = (step) => { if (step === 'loopback') Atomics.wait(nap, 0, 0, 500); };
const h = await runner.run({ command: ['sh', '-c', 'echo "$TMOUT" > ${ctx.files}/tmout'], net: 'none', init: true, env: { TMOUT: '0.1' }, log, stateDir: ${JSON.stringify(ctx.state)} });
const status = await h.wait();
out({ status, tmout: fs.existsSync(${JSON.stringify(`${ctx.files}/tmout`)}) ? fs.readFileSync(${JSON.stringify(`${ctx.files}/tmout`)}, 'utf8') : 'the command did not run' });
`,
    );
    assert.equal(r, { status: 0, tmout: '0.1\n' });
    assert.equal(records(ctx.state), []);
  },
);

k("--init: the command's variables named like the init's own (early, child) are the command's alone: they neither signal it nor reach it changed", (ctx) => {
  // The init kept the signals that came before the command started in `early`, then sent them:
  // early=KILL from the environment killed the command at once (137).
  const r = ctx.run(
    ['--init', '--env', 'early=KILL', '--env', 'child=1', '--env', 'NSRUN_SAVED_early=x'],
    ['sh', '-c', 'echo "$early|$child|$NSRUN_SAVED_early"; exit 3'],
  );
  assert.is(r.stderr, '');
  assert.is(r.status, 3);
  assert.is(r.stdout, 'KILL|1|x\n');
});

k("--init: POSIXLY_CORRECT in the command's environment (bash's posix mode) still gives the command's exit status, and reaches it", (ctx) => {
  // In posix mode bash forgets a child's status once a wait has reported it: the init's last
  // wait said "pid 2 is not a child of this shell" and the run exited 127.
  const r = ctx.run(['--init', '--env', 'POSIXLY_CORRECT=1'], ['sh', '-c', 'echo "$POSIXLY_CORRECT"; exit 7']);
  assert.is(r.stderr, '');
  assert.is(r.status, 7);
  assert.is(r.stdout, '1\n');
});

k.run();
