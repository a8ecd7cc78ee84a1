#!/usr/bin/env node
// Rootless start-up (issue 9): `nsrun run -- true` by a user who is not root — `--net none`,
// user-mode networking (slirp4netns, pasta) and the bridge through nsrun netd (started in the
// sandbox, its bridge made by the first run) — next to root's `nsrun run` (none, and bridged with the bridge present) and to
// util-linux `unshare --user --map-root-user --net --mount --pid --fork true` (the floor of any
// rootless container), with `node -e 0` as Node's floor. The rootless section of `npm run
// bench`; alone: `node scripts/bench/rootless.js [--quick] [--rounds K]`. Needs root (to make
// the sandbox and the user's files in it).
//
// Each round is one fresh sandbox (new net, mount and pid namespaces; a tmpfs on /run; lo up;
// an uplink veth with a default route, which pasta needs; a 0666 /dev/net/tun of its own; a
// private /etc/subuid and /etc/subgid giving the user a range) in which every subject runs
// twice, in an order that rotates from round to round, timed by bash from fork to exit; the
// second run is reported (the first makes root's bridge). The user is uid 4243, through
// setpriv, with XDG_RUNTIME_DIR under the sandbox's /run. Medians; ratios against root's run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, median, ratio } from './report.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const BIN = here('../../packages/cli/bin/nsrun');
const ENTRY = here('../../packages/cli/bin/nsrun.cjs');
const UID = 4243;

const SETUP = `
set -e
mount --make-rprivate /
mount -t tmpfs -o mode=0755 nsrun-bench-run /run
ip link set lo up
ip link add up0 type veth peer name up1
ip addr add 192.168.77.2/24 dev up0; ip link set up0 up; ip link set up1 up
ip route add default via 192.168.77.1
mknod -m 666 /run/tun c 10 200; mount --bind /run/tun /dev/net/tun
cp /etc/passwd /run/passwd; echo "nsrunbench:x:${UID}:${UID}::/nonexistent:/usr/sbin/nologin" >> /run/passwd; mount --bind /run/passwd /etc/passwd
echo "${UID}:400000:65536" > /run/subid; mount --bind /run/subid /etc/subuid; mount --bind /run/subid /etc/subgid
mkdir -m 0700 /run/user; chown ${UID}:${UID} /run/user
mkdir -p /run/netd; echo "${UID} brg0 4" > /run/netd/usernet
node "$ENTRY" netd --socket /run/netd/netd.sock --policy /run/netd/usernet --state-dir /run/nsrun 2>/run/netd/log &
for i in $(seq 100); do [ -S /run/netd/netd.sock ] && break; sleep 0.02; done
set +e
U="setpriv --reuid=${UID} --regid=${UID} --clear-groups env -i PATH=$PATH HOME=/run/user XDG_RUNTIME_DIR=/run/user"
for key in "$@"; do
  case $key in
    floor) cmd="node -e 0" ;;
    unshare) cmd="$U unshare --user --map-root-user --net --mount --pid --fork true" ;;
    rootNone) cmd="$BIN run --net none -- true" ;;
    rootBridge) cmd="$BIN run -- true" ;;
    none) cmd="$U $BIN run --net none -- true" ;;
    slirp4netns) cmd="$U $BIN run --net slirp4netns -- true" ;;
    pasta) cmd="$U $BIN run --net pasta -- true" ;;
    netd) cmd="$U NSRUN_NETD_SOCKET=/run/netd/netd.sock $BIN run --net bridge -- true" ;;
  esac
  for i in 1 2; do
    t0=$EPOCHREALTIME; $cmd >/dev/null 2>/tmp/nsrun-bench-err; rc=$?; t1=$EPOCHREALTIME
    echo "#s $key $i $(( \${t1/./} - \${t0/./} )) $rc $(tail -1 /tmp/nsrun-bench-err)"
  done
done`;

const SUBJECTS = [
  { key: 'floor', label: 'node -e 0 (floor)' },
  { key: 'unshare', label: 'unshare --user --map-root-user ... true' },
  { key: 'rootNone', label: 'root: nsrun run --net none' },
  { key: 'rootBridge', label: 'root: nsrun run (bridge present)' },
  { key: 'none', label: 'rootless: --net none' },
  { key: 'slirp4netns', label: 'rootless: --net slirp4netns' },
  { key: 'pasta', label: 'rootless: --net pasta' },
  { key: 'netd', label: 'rootless: --net bridge (netd)' },
];

export function rootlessOptions(argv = []) {
  const o = { rounds: argv.includes('--quick') ? 5 : 15 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') o.rounds = Number(argv[++i]);
    else if (argv[i] !== '--quick') throw new Error(`bench rootless: unknown argument ${argv[i]} (usage: rootless.js [--quick] [--rounds K])`);
  }
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('bench rootless: --rounds needs a positive integer');
  return o;
}

const rotate = (list, k) => [...list.slice(k % list.length), ...list.slice(0, k % list.length)];

export async function rootlessBench(o = rootlessOptions()) {
  const say = (s) => process.stderr.write(`${s}\n`);
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, BIN, ENTRY, PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' };
  delete env.NODE_EXTRA_CA_CERTS;
  const times = Object.fromEntries(SUBJECTS.map((s) => [s.key, []]));
  const problems = [];
  say(`bench rootless: ${o.rounds} round(s) of ${SUBJECTS.map((s) => s.key).join(', ')} (2 runs per fresh sandbox, the 2nd timed)`);
  for (let round = 1; round <= o.rounds; round++) {
    const order = rotate(SUBJECTS, round - 1).map((s) => s.key);
    const r = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--', 'bash', '-c', SETUP, 'nsrun-bench', ...order], {
      env,
      encoding: 'utf8',
      timeout: 5 * 60 * 1000,
    });
    const line = [];
    for (const m of r.stdout.matchAll(/^#s (\S+) (\d) (\d+) (\d+) ?(.*)$/gm)) {
      const [, key, i, us, rc, err] = m;
      if (Number(rc) !== 0) problems.push(`${key} round ${round} run ${i}: exit ${rc}${err ? `: ${err}` : ''}`);
      else if (i === '2') times[key].push(Number(us) / 1000);
      if (i === '2') line.push(`${key} ${Number(rc) === 0 ? (Number(us) / 1000).toFixed(0) : 'FAILED'}`);
    }
    if (r.status !== 0 || line.length === 0) problems.push(`round ${round}: sandbox exit ${r.status}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
    say(`  round ${round}: ${line.join(', ')} ms`);
  }
  const med = (k) => median(times[k]);
  const lines = [
    `rootless start-up: \`nsrun run -- true\` by a user who is not root (uid ${UID}), from start to exit; ${o.rounds} round(s), each a fresh sandbox, 2nd run timed; medians in ms`,
    '',
    `${'subject'.padEnd(44)}${'ms'.padStart(8)}${'/ root none'.padStart(13)}${'/ node -e 0'.padStart(13)}`,
  ];
  for (const s of SUBJECTS)
    lines.push(
      `${s.label.padEnd(44)}${fmt(med(s.key)).padStart(8)}${ratio(med(s.key), med('rootNone')).padStart(13)}${ratio(med(s.key), med('floor')).padStart(13)}`,
    );
  lines.push(`${'rootless bridge (netd) / root bridged'.padEnd(44)}${''.padStart(8)}${ratio(med('netd'), med('rootBridge')).padStart(13)}`);
  lines.push(`${'rootless slirp4netns / root bridged'.padEnd(44)}${''.padStart(8)}${ratio(med('slirp4netns'), med('rootBridge')).padStart(13)}`);
  lines.push('', problems.length ? `problems:\n  ${problems.join('\n  ')}` : 'no problems: every run exited 0');
  return { text: lines.join('\n'), ok: problems.length === 0 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.getuid?.() !== 0) {
    console.error('bench rootless: needs root (every round runs in its own unshare sandbox)');
    process.exit(2);
  }
  const { text, ok } = await rootlessBench(rootlessOptions(process.argv.slice(2)));
  console.log(text);
  process.exit(ok ? 0 : 1);
}
