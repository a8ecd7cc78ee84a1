// `nsrun run`'s options come from one table (src/run-flags.ts): the usage lists exactly its
// options, one line each, under its groups; the parser accepts exactly them, under every
// spelling; and each gives RunOptions what its row says. A row added without an example here
// fails the last test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUN_FLAGS } from '../dist/run-flags.js';
import { RUN_USAGE, parseRun } from '../dist/run.js';
import { FlagError } from '../dist/flags.js';

const spellings = (f) => [f.flag, ...(f.alias ?? [])];

/** The options the usage lists: the lines that start with "  -". */
function usageOptions() {
  return RUN_USAGE.split('\n')
    .filter((l) => /^ {2}-/.test(l))
    .map((l) => l.trim().split(/ {2,}/)[0]);
}

test('the usage lists each option of the table once, in its group, with its spellings and value', () => {
  const listed = usageOptions();
  const expected = RUN_FLAGS.map((f) => `${spellings(f).join(', ')}${f.kind === 'flag' ? '' : ` ${f.value}`}`);
  assert.equal(listed, expected);
  // Each group heading comes before its options.
  for (const f of RUN_FLAGS) {
    const at = RUN_USAGE.indexOf(`\n  ${f.flag}`);
    const heading = RUN_USAGE.lastIndexOf('\n', RUN_USAGE.lastIndexOf(':\n', at));
    assert.is(RUN_USAGE.slice(heading + 1, RUN_USAGE.indexOf(':\n', heading)), f.group, f.flag);
  }
});

test('the help column is one column, and no line of the options is wider than 96', () => {
  for (const line of RUN_USAGE.split('\n').filter((l) => l.startsWith(' '))) {
    assert.ok(line.length <= 96, line);
    const m = /^( {2}-\S.*?)( {2,})(\S.*)$/.exec(line);
    if (m) assert.is(m[1].length + m[2].length, 22, line);
    else if (/^ {3,}\S/.test(line)) assert.is(/^ */.exec(line)[0].length, 22, line);
  }
});

test('the parser accepts every spelling of every option, and nothing else', () => {
  for (const f of RUN_FLAGS) {
    for (const s of spellings(f)) {
      const argv = f.kind === 'flag' ? [s] : [s, EXAMPLES[f.flag]?.[0]?.[1] ?? 'x'];
      try {
        parseRun([...argv, '--', 'true']);
      } catch (e) {
        assert.ok(e instanceof FlagError, String(e));
        assert.not.match(e.message, /unknown option/, `${s}: ${e.message}`);
      }
    }
  }
  assert.throws(() => parseRun(['--no-such', 'true']), /unknown option "--no-such"/);
});

/** For each option: argv and what parseRun makes of it (in `opts`, or the invocation's own fields). */
/** @type {Record<string, [string[], any]>} the parsed invocation each example gives (any: the fields differ per row) */
const EXAMPLES = {
  '--net': [['--net', 'none'], { opts: { net: 'none' } }],
  '--bridge': [['--bridge', 'br7'], { opts: { bridge: 'br7' } }],
  '--subnet': [['--subnet', '10.9.0.1/24'], { opts: { subnet: '10.9.0.1/24' } }],
  '--ip': [['--ip', '10.10.10.9'], { opts: { ip: '10.10.10.9' } }],
  '--nat': [['--nat'], { opts: { nat: true } }],
  '--publish': [['--publish', '8080:80', '-p', '53:53/udp'], { opts: { publish: ['8080:80', '53:53/udp'] } }],
  '--publish-force': [['-p', '80:80', '--publish-force'], { opts: { publish: ['80:80'], publishForce: true } }],
  '--dns': [['--dns', '10.0.0.53', '--dns=10.0.0.54'], { opts: { dns: ['10.0.0.53', '10.0.0.54'] } }],
  '--rootfs': [['--rootfs', '/srv/root'], { opts: { rootfs: '/srv/root' } }],
  '--cap-add': [['--cap-add', 'NET_ADMIN'], { opts: { capAdd: ['NET_ADMIN'] } }],
  '--cap-drop': [['--cap-drop', 'ALL'], { opts: { capDrop: ['ALL'] } }],
  '--security-opt': [
    ['--security-opt', 'seccomp=unconfined', '--security-opt', 'no-new-privileges=false'],
    { opts: { seccomp: 'unconfined', noNewPrivileges: false } },
  ],
  '--privileged': [['--privileged'], { opts: { privileged: true } }],
  '--hostname': [['--hostname', 'box'], { opts: { hostname: 'box' } }],
  '--tty': [['-t'], { opts: { tty: true } }],
  '--no-tty': [['--no-tty'], { opts: { tty: false } }],
  '--init': [['--init'], { opts: { init: true } }],
  '--env': [['--env', 'A=1', '--env', 'B=x=y'], { opts: { env: { A: '1', B: 'x=y' } } }],
  '--workdir': [['--workdir', '/usr'], { opts: { cwd: '/usr' } }],
  '--stop-timeout': [['--stop-timeout', '2.5'], { opts: { stopTimeout: 2.5 } }],
  '--state-dir': [['--state-dir', '/run/x'], { opts: { stateDir: '/run/x' } }],
  '--json': [['--json'], { jsonFd: 2 }],
  '--json-fd': [['--json-fd', '2'], { jsonFd: 2 }],
  '--verbose': [['-v'], { verbose: true }],
  '--help': [['-h'], { help: true }],
};

test('each option gives what its row says', () => {
  assert.equal(Object.keys(EXAMPLES).sort(), RUN_FLAGS.map((f) => f.flag).sort(), 'an example for every option');
  const base = parseRun(['--no-tty', 'true']);
  for (const [flag, [argv, want]] of Object.entries(EXAMPLES)) {
    // --no-tty everywhere (tty would follow the test's own stdin and stdout), but for the two that set it.
    const ttyFlag = flag === '--tty' || flag === '--no-tty';
    const inv = parseRun([...(ttyFlag ? [] : ['--no-tty']), ...argv, 'true']);
    const ref = ttyFlag ? { command: ['true'] } : base.opts;
    if (want.help) {
      assert.is(inv.help, true, flag);
      continue;
    }
    const { opts, ...rest } = want;
    for (const [k, v] of Object.entries(rest)) assert.equal(inv[k], v, flag);
    const added = Object.fromEntries(Object.entries(inv.opts).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(ref[k])));
    assert.equal(added, opts ?? {}, flag);
  }
});

test('rules between options stay: --net modes, --publish-force, --tty or --no-tty', () => {
  assert.throws(() => parseRun(['--net', 'none', '--ip', '10.10.10.2', 'true']), /^--ip needs --net bridge$/);
  assert.throws(() => parseRun(['--net', 'host', '-p', '80:80', 'true']), /^--publish needs --net bridge$/);
  assert.equal(parseRun(['--net', 'slirp4netns', '-p', '8080:80', 'true']).opts.publish, ['8080:80']);
  assert.throws(() => parseRun(['--publish-force', 'true']), /^--publish-force needs --publish$/);
  assert.throws(() => parseRun(['-t', '--no-tty', 'true']), /^--tty and --no-tty: choose one$/);
  assert.throws(() => parseRun(['--net', 'bridged', 'true']), /must be bridge, none, host, slirp4netns or pasta/);
});

test.run();
