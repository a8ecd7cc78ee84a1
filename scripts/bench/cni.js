#!/usr/bin/env node
// ADD+DEL latency of nsrun's CNI plugin against the reference Go plugins (containernetworking-
// plugins' `bridge` with `host-local`), on the same configuration but for the type: what an
// engine waits for on every pod start and stop. The CNI section of `npm run bench`; alone:
// `node scripts/bench/cni.js [--quick] [--rounds K]` (K >= 20; BENCH_CNI_ROUNDS). Needs root.
//
// All samples of a run share one sandbox (new net, mount and pid namespaces, a tmpfs on /run,
// lo up), as the attachments of one node do: each subject first does one untimed ADD+DEL (it
// creates its bridge), then every round times, for each subject in an order that rotates, one
// ADD and one DEL of the same container namespace, by bash around the plugin's exec (fork to
// exit). Subjects: reference bridge + host-local; nsrun + host-local (the same IPAM exec'd from
// CNI_PATH); nsrun + its own IPAM (no second process); the same through nsrun netd (the
// launcher's Perl shim hands the call to netd, started in the sandbox: no Node start per call);
// and `node -e 0`, the floor of any Node plugin. Each on its own bridge and subnet. Medians in ms; ratios are over the reference.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, median, ratio } from './report.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const MAIN = here('../../packages/cli/dist/main.js');
const REF = '/usr/lib/cni';

const SUBJECTS = [
  { key: 'ref', label: 'reference bridge + host-local', type: 'bridge', bridge: 'cni-ref', subnet: '10.30.0.0/24', ipam: 'host-local' },
  { key: 'nsrunHl', label: 'nsrun + host-local (exec)', type: 'nsrun', bridge: 'cni-nh', subnet: '10.31.0.0/24', ipam: 'host-local' },
  { key: 'nsrun', label: 'nsrun + nsrun IPAM', type: 'nsrun', bridge: 'cni-ns', subnet: '10.32.0.0/24', ipam: 'nsrun' },
  { key: 'nsrunNetd', label: 'nsrun + nsrun IPAM, through netd', type: 'nsrun', bridge: 'cni-nd', subnet: '10.33.0.0/24', ipam: 'nsrun' },
];

// Inside the sandbox. $@: rounds, then the subject keys in order per round ("k1,k2,k3;...").
const SETUP = `
set -e
mount -t tmpfs -o mode=0755 nsrun-bench-run /run; ip link set lo up
BIN=$(mktemp -d /run/cni-bin-XXXX)
node "$MAIN" cni install --dir "$BIN" >/dev/null
for p in "$REF"/*; do ln -s "$p" "$BIN/"; done
ip netns add bench
# nsrun netd, for the subject that goes through it (the others find no socket at its path)
mkdir -p /run/nd; : > /run/nd/usernet
node "$MAIN" netd --socket /run/nd/netd.sock --policy /run/nd/usernet --state-dir /run/nd/state 2>/run/nd/log &
for i in $(seq 200); do [ -S /run/nd/netd.sock ] && break; sleep 0.02; done
set +e
conf() { printf '{"cniVersion":"1.0.0","name":"bench-%s","type":"%s","bridge":"%s","isGateway":true,"ipMasq":false,"stateDir":"/run/nsrun-bench","ipam":{"type":"%s","ranges":[[{"subnet":"%s"}]],"routes":[{"dst":"0.0.0.0/0"}],"dataDir":"%s"}}' "$1" "$2" "$3" "$4" "$5" "$([ "$4" = nsrun ] && echo /run/nsrun-bench || echo "/run/ipam-$1")"; }
one() { # key type bridge ipam subnet command
  local c; c=$(conf "$1" "$2" "$3" "$4" "$5")
  local sock=/run/nd/absent.sock; [ "$1" = nsrunNetd ] && sock=/run/nd/netd.sock
  NSRUN_NETD_SOCKET=$sock CNI_COMMAND=$6 CNI_CONTAINERID=bench-$1 CNI_NETNS=/run/netns/bench CNI_IFNAME=eth0 CNI_PATH=$BIN "$BIN/$2" <<<"$c" >/tmp/cni-bench-out 2>&1
}
declare -A SPEC
${SUBJECTS.map((s) => `SPEC[${s.key}]="${s.key} ${s.type} ${s.bridge} ${s.ipam} ${s.subnet}"`).join('\n')}
for k in ${SUBJECTS.map((s) => s.key).join(' ')}; do one \${SPEC[$k]} ADD && one \${SPEC[$k]} DEL || { echo "#fail $k warmup $(head -c 300 /tmp/cni-bench-out)"; exit 1; }; done
for order in "$@"; do
  for k in \${order//,/ }; do
    if [ "$k" = floor ]; then
      t0=$EPOCHREALTIME; node -e 0; t1=$EPOCHREALTIME; echo "#t floor node $(( \${t1/./} - \${t0/./} ))"; continue
    fi
    for cmd in ADD DEL; do
      t0=$EPOCHREALTIME; one \${SPEC[$k]} $cmd; rc=$?; t1=$EPOCHREALTIME
      [ $rc = 0 ] || echo "#fail $k $cmd $(head -c 300 /tmp/cni-bench-out)"
      echo "#t $k $cmd $(( \${t1/./} - \${t0/./} ))"
    done
  done
done
ip netns del bench`;

export function cniOptions(argv = [], env = process.env) {
  const o = { rounds: Number(env.BENCH_CNI_ROUNDS || (argv.includes('--quick') ? 20 : 40)) };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') o.rounds = Number(argv[++i]);
    else if (argv[i] !== '--quick') throw new Error(`bench cni: unknown argument ${argv[i]} (usage: cni.js [--quick] [--rounds K])`);
  }
  if (!(Number.isInteger(o.rounds) && o.rounds >= 20)) throw new Error('bench cni: --rounds needs an integer of 20 or more (medians of at least 20)');
  return o;
}

const rotate = (list, k) => [...list.slice(k % list.length), ...list.slice(0, k % list.length)];

export async function cniBench(o = cniOptions()) {
  const say = (s) => process.stderr.write(`${s}\n`);
  if (!existsSync(`${REF}/bridge`) || !existsSync(`${REF}/host-local`)) {
    return {
      text: `CNI plugin: skipped: the reference plugins are not installed (${REF}/bridge, host-local: Debian package containernetworking-plugins)`,
      ok: true,
    };
  }
  const keys = [...SUBJECTS.map((s) => s.key), 'floor'];
  const orders = Array.from({ length: o.rounds }, (_, i) => rotate(keys, i).join(','));
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, MAIN, REF, PATH: `${process.execPath.replace(/\/[^/]+$/, '')}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin` };
  delete env.NODE_EXTRA_CA_CERTS; // (every Node start would parse it: not the plugin's cost)
  say(`bench cni: ${o.rounds} rounds of ADD and DEL by ${SUBJECTS.map((s) => s.key).join(', ')}, and node -e 0, in one sandbox`);
  const r = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--', 'bash', '-c', SETUP, 'nsrun-bench', ...orders], {
    env,
    encoding: 'utf8',
    timeout: 15 * 60 * 1000,
  });
  const t = {};
  for (const m of r.stdout.matchAll(/^#t (\S+) (\S+) (\d+)$/gm)) (t[`${m[1]} ${m[2]}`] ??= []).push(Number(m[3]) / 1000);
  const problems = [...r.stdout.matchAll(/^#fail (.*)$/gm)].map((m) => m[1]);
  if (r.status !== 0) problems.push(`sandbox exit ${r.status}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  const sum = (k) => (t[`${k} ADD`] ?? []).map((a, i) => a + (t[`${k} DEL`]?.[i] ?? NaN));
  const med = (k, cmd) => median(cmd === 'both' ? sum(k) : (t[`${k} ${cmd}`] ?? []));
  const lines = [
    `CNI plugin: one ADD and one DEL of a container namespace, fork to exit, ${o.rounds} rounds in one sandbox (bridge present); medians in ms`,
    '',
    `${'subject'.padEnd(34)}${'ADD'.padStart(8)}${'DEL'.padStart(8)}${'ADD+DEL'.padStart(9)}${'/ reference'.padStart(13)}`,
  ];
  for (const s of SUBJECTS)
    lines.push(
      `${s.label.padEnd(34)}${fmt(med(s.key, 'ADD')).padStart(8)}${fmt(med(s.key, 'DEL')).padStart(8)}${fmt(med(s.key, 'both')).padStart(9)}${ratio(med(s.key, 'both'), med('ref', 'both')).padStart(13)}`,
    );
  lines.push(`${"node -e 0 (a Node plugin's floor)".padEnd(34)}${fmt(med('floor', 'node')).padStart(8)}`);
  lines.push('', problems.length ? `problems:\n  ${problems.join('\n  ')}` : 'no problems: every ADD and DEL exited 0');
  return { text: lines.join('\n'), ok: problems.length === 0 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.getuid?.() !== 0) {
    console.error('bench cni: needs root (it runs in its own unshare sandbox)');
    process.exit(2);
  }
  const { text, ok } = await cniBench(cniOptions(process.argv.slice(2)));
  console.log(text);
  process.exit(ok ? 0 : 1);
}
