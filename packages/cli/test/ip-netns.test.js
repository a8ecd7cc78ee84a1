// `nsrun ip netns` next to iproute2's `ip netns`. Each test runs its commands in a mount
// namespace of its own (inside the test's network namespace) with a fresh tmpfs on /run (and
// one on /run/netns), and /etc behind an overlay whose writes land in that /run: names made
// there are seen by no other test, /etc itself is never written, and whatever a test leaves
// behind goes with its mount namespace. (Not a tmpfs on /tmp: the checkout may be under /tmp.)
// The tests still delete what they make and check nothing is left.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { MAIN } from './helpers/ip-compare.js';

const k = kernelSuite('nsrun ip netns');

const SETUP = `set -eu
umount -R /run/netns 2>/dev/null || true  # the sandbox's names, copied here: not this test's
mount -t tmpfs nsrun-test /run
mkdir /run/netns /run/scratch /run/scratch/etc-upper /run/scratch/etc-work
mount -t tmpfs nsrun-test /run/netns
mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/scratch/etc-upper,workdir=/run/scratch/etc-work /etc
NSRUN=${JSON.stringify(`${process.execPath} ${MAIN}`)}
nsrun() { $NSRUN "$@"; }
`;

/** Runs a shell script (with `nsrun` defined) in a private mount namespace inside the test's netns. */
function script(ctx, body) {
  const r = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', SETUP + body], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The script's output split at "== NAME" markers: { NAME: text }. */
function sections(out) {
  const parts = {};
  let name = '';
  for (const line of out.replace(/\n$/, '').split('\n')) {
    const m = /^== (.+)$/.exec(line);
    if (m) {
      name = m[1];
      parts[name] = '';
    } else parts[name] = `${parts[name] ?? ''}${line}\n`;
  }
  return parts;
}

const ok = (r) => {
  if (r.status !== 0) assert.unreachable(`script exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return sections(r.stdout);
};

k('add, list, delete: names made by nsrun ip and by ip are the same objects (a bind-mounted nsfs file on a shared /run/netns), usable by both', async (ctx) => {
  const s = ok(
    script(
      ctx,
      `
nsrun ip netns add blue
ip netns add red
nsrun ip netns add green
echo "== ip list"; ip netns list
echo "== nsrun list"; nsrun ip netns list
echo "== ip -j list"; ip -j netns list; echo
echo "== nsrun -j list"; nsrun ip -j netns list
echo "== mounts"; findmnt -rn -o TARGET,FSTYPE,PROPAGATION -R /run/netns
ip -n blue link add b0 type bridge
nsrun ip -n red link add r0 type bridge
echo "== blue by nsrun"; nsrun ip -br -n blue link
echo "== red by ip"; ip -br -n red link
nsrun ip netns del red
ip netns del blue
nsrun ip netns delete green
echo "== after"; ls -A /run/netns; findmnt -rn -o TARGET,FSTYPE -R /run/netns | grep -c nsfs || true
`,
    ),
  );
  assert.is(s['ip list'], 'green\nred\nblue\n');
  assert.is(s['nsrun list'], s['ip list']);
  assert.equal(JSON.parse(s['nsrun -j list']), JSON.parse(s['ip -j list']));
  assert.equal(s.mounts.trim().split('\n').sort(), [
    '/run/netns tmpfs shared',
    '/run/netns/blue nsfs shared',
    '/run/netns/green nsfs shared',
    '/run/netns/red nsfs shared',
  ]);
  assert.match(s['blue by nsrun'], /^lo +DOWN .*\nb0 +DOWN /);
  assert.match(s['red by ip'], /^lo +DOWN .*\nr0 +DOWN /);
  assert.is(s.after, '0\n', 'no name and no mount left');
});

k('set and list-id: ids as ip sets and shows them, "auto", and the list showing "(id: N)"', async (ctx) => {
  const s = ok(
    script(
      ctx,
      `
nsrun ip netns add a
nsrun ip netns add b
ip netns add c
nsrun ip netns set a 99
ip netns set b 7
nsrun ip netns set c auto
echo "== ip list"; ip netns
echo "== nsrun list"; nsrun ip netns
echo "== ip list-id"; ip netns list-id
echo "== nsrun list-id"; nsrun ip netns list-id
echo "== ip -j list-id"; ip -j netns list-id; echo
echo "== nsrun -j list-id"; nsrun ip -j netns list-id
echo "== nsrun -j list"; nsrun ip -j netns list
echo "== again"; nsrun ip netns set a 5 2>&1 || echo "status $?"
for n in a b c; do nsrun ip netns del $n; done
`,
    ),
  );
  assert.is(s['nsrun list'], s['ip list']);
  assert.match(s['ip list'], /^c \(id: \d+\)\nb \(id: 7\)\na \(id: 99\)\n$/);
  assert.is(s['nsrun list-id'], s['ip list-id']);
  assert.match(s['nsrun list-id'], /nsid 99 \(iproute2 netns name: a\)/);
  assert.equal(JSON.parse(s['nsrun -j list-id']), JSON.parse(s['ip -j list-id']));
  assert.equal(
    JSON.parse(s['nsrun -j list']).find((x) => x.name === 'a'),
    { name: 'a', id: 99 },
  );
  assert.is(s.again, 'nsrun: nsidSet a 5: EEXIST (File exists): Peer netns already has a nsid assigned\nstatus 1\n');
});

k("exec: the namespace, its own /sys, /etc/netns/NAME files over /etc, the command's exit status; the same as ip netns exec", async (ctx) => {
  const s = ok(
    script(
      ctx,
      `
nsrun ip netns add blue
ip -n blue link add b0 type bridge
mkdir -p /etc/netns/blue
echo "192.0.2.1 nsrun-test-host" > /etc/netns/blue/hosts
for tool in ip nsrun; do
  run() { if [ $tool = ip ]; then ip netns exec "$@"; else nsrun ip netns exec "$@"; fi; }
  echo "== $tool links"; run blue ip -br link
  echo "== $tool sys"; run blue ls /sys/class/net
  echo "== $tool hosts"; run blue cat /etc/hosts
  echo "== $tool sysfs"; run blue sh -c 'grep " /sys " /proc/self/mountinfo | sed "s/.* - //"'
  echo "== $tool status"; run blue sh -c 'exit 7' || echo "status $?"
  echo "== $tool args"; run blue printf '[%s]' 'a b' "" c; echo
done
echo "== outside"; grep -c nsrun-test-host /etc/hosts || true
echo "== missing"; nsrun ip netns exec blue no-such-command-here 2>&1 || echo "status $?"
echo "== not executable"; nsrun ip netns exec blue /etc/hosts 2>&1 || echo "status $?"
echo "== no namespace"; nsrun ip netns exec grey true 2>&1 || echo "status $?"
nsrun ip netns del blue
`,
    ),
  );
  for (const part of ['links', 'sys', 'hosts', 'sysfs', 'status', 'args']) assert.is(s[`nsrun ${part}`], s[`ip ${part}`], part);
  assert.match(s['nsrun links'], /^lo +DOWN .*\nb0 +DOWN /);
  assert.is(s['nsrun sys'], 'b0\nlo\n');
  assert.is(s['nsrun hosts'], '192.0.2.1 nsrun-test-host\n');
  assert.match(s['nsrun sysfs'], /^sysfs blue rw\b/);
  assert.is(s['nsrun status'], 'status 7\n');
  assert.is(s['nsrun args'], '[a b][][c]\n');
  assert.is(s.outside, '0\n', '/etc/hosts outside the command is untouched');
  assert.is(s.missing, 'nsrun: netns exec blue: exec no-such-command-here: ENOENT (No such file or directory)\nstatus 127\n');
  assert.match(s['not executable'], /^nsrun: netns exec blue: execve \/etc\/hosts: EACCES \(Permission denied\)\nstatus 126\n$/);
  assert.match(s['no namespace'], /^nsrun: netns exec grey: open \/run\/netns\/grey: ENOENT \(No such file or directory\)\nstatus 1\n$/);
});

k('-all netns exec (each namespace in turn, as ip prints it) and -all netns delete', async (ctx) => {
  const s = ok(
    script(
      ctx,
      `
for n in one two three; do nsrun ip netns add $n; done
ip -n two link add t0 type bridge
echo "== ip"; ip -all netns exec ip -br link
echo "== nsrun"; nsrun ip -all netns exec ip -br link
nsrun ip -all netns delete
echo "== left"; ls -A /run/netns
`,
    ),
  );
  assert.is(s.nsrun, s.ip);
  assert.match(s.nsrun, /^\nnetns: three\nlo +DOWN [^\n]*\n\nnetns: two\nlo [^\n]*\nt0 [^\n]*\n\nnetns: one\nlo [^\n]*\n$/);
  assert.is(s.left, '');
});

k("pids, identify, attach: the processes in a namespace and the names of a process's namespace, as ip finds them", async (ctx) => {
  const s = ok(
    script(
      ctx,
      `
nsrun ip netns add blue
# Not the function: $! must be the process that becomes sleep.
$NSRUN ip netns exec blue sleep 60 &
pid=$!
for i in $(seq 100); do [ "$(ip netns identify $pid)" = blue ] && break; sleep 0.05; done
echo "== ip pids"; ip netns pids blue
echo "== nsrun pids"; nsrun ip netns pids blue
echo "== pid"; echo $pid
echo "== ip identify"; ip netns identify $pid
echo "== nsrun identify"; nsrun ip netns identify $pid
echo "== self"; nsrun ip netns identify
echo "== -n"; nsrun ip -n blue netns identify; ip -n blue netns identify
nsrun ip netns attach here $$
echo "== attached"; ip netns identify $$; nsrun ip netns identify $$
echo "== bad pid"; nsrun ip netns identify 4000000 2>&1 || echo "status $?"
kill $pid; wait $pid || true
nsrun ip netns del blue; nsrun ip netns del here
`,
    ),
  );
  assert.is(s['nsrun pids'], s['ip pids']);
  assert.is(s['nsrun pids'], s.pid);
  assert.is(s['nsrun identify'], 'blue\n');
  assert.is(s['nsrun identify'], s['ip identify']);
  assert.is(s.self, '\n', "the shell's namespace has no name");
  assert.is(s['-n'], 'blue\nblue\n', 'with -n, the namespace of -n (as ip, which switches to it)');
  assert.is(s.attached, 'here\nhere\n');
  assert.match(s['bad pid'], /^nsrun: netns identify 4000000: stat \/proc\/4000000\/ns\/net: ENOENT[^\n]*\nstatus 1\n$/);
});

k('failures: a name taken, a name unknown, invalid names and missing words exit 2 before anything is made', async (ctx) => {
  const s = ok(
    script(
      ctx,
      `
nsrun ip netns add blue
echo "== taken"; nsrun ip netns add blue 2>&1 || echo "status $?"
echo "== unknown"; nsrun ip netns del grey 2>&1 || echo "status $?"
echo "== unknown set"; nsrun ip netns set grey 3 2>&1 || echo "status $?"
echo "== slash"; nsrun ip netns add a/b 2>&1 || echo "status $?"
echo "== dot"; nsrun ip netns add .. 2>&1 || echo "status $?"
echo "== no command"; nsrun ip netns exec blue 2>&1 || echo "status $?"
echo "== bad nsid"; nsrun ip netns set blue -3 2>&1 || echo "status $?"
echo "== unknown command"; nsrun ip netns frob 2>&1 || echo "status $?"
echo "== left"; ls -A /run/netns
nsrun ip netns del blue
`,
    ),
  );
  assert.is(s.taken, 'nsrun: netns add blue: create /run/netns/blue: EEXIST (File exists)\nstatus 1\n');
  assert.is(s.unknown, 'nsrun: netns delete grey: unlink /run/netns/grey: ENOENT (No such file or directory)\nstatus 1\n');
  assert.match(s['unknown set'], /^nsrun: open \/run\/netns\/grey: ENOENT[^\n]*\nstatus 1\n$/);
  assert.match(s.slash, /^nsrun: ip netns add: invalid netns name "a\/b"[^\n]*\nTry "nsrun ip netns add help"\.\nstatus 2\n$/);
  assert.match(s.dot, /invalid netns name "\.\."[^\n]*\n.*\nstatus 2\n$/);
  assert.match(s['no command'], /missing command\n.*\nstatus 2\n$/);
  assert.match(s['bad nsid'], /invalid nsid "-3"[^\n]*\n.*\nstatus 2\n$/);
  assert.match(s['unknown command'], /^nsrun: ip netns: unknown command "frob"\nTry "nsrun ip netns help"\.\nstatus 2\n$/);
  assert.is(s.left, 'blue\n', 'nothing half-made');
});

k("netns lines in a batch (iproute2's set_nsid_batch.t): add, set, list-id", async (ctx) => {
  const s = ok(
    script(
      ctx,
      `
printf 'netns add testnsid\\nnetns set testnsid 99\\nnetns list-id\\n' > /run/scratch/batch
echo "== nsrun"; nsrun ip -batch /run/scratch/batch
nsrun ip netns del testnsid
# The kernel frees the namespace, and its nsid, after the last reference goes (later on a
# loaded machine): until then nsid 99 is taken ("The specified nsid is already used").
i=0; while ip netns list-id | grep -q '^nsid 99 ' && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
echo "== ip"; ip -batch /run/scratch/batch
ip netns del testnsid
`,
    ),
  );
  assert.is(s.nsrun, 'nsid 99 (iproute2 netns name: testnsid)\n');
  assert.is(s.nsrun, s.ip);
});

k.run();
