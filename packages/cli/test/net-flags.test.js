// `nsrun net attach` takes six of `nsrun run`'s network options, with the same meaning: the same
// spellings are accepted and refused with the same messages, and its usage says of each what
// run's says. Nothing runs or is attached here: given no command (run) and no --pid (attach),
// an accepted command line ends at that usage error, after every option was read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { skip } from '@nsrun/test-helpers/kernel';
import { RUN_USAGE, parseRun } from '../dist/run.js';
import { NET_USAGE, runNet } from '../dist/containers.js';
import { FlagError } from '../dist/flags.js';

/** The network options of run that net attach takes. */
const SHARED = ['--bridge', '--subnet', '--ip', '--nat', '--publish', '--publish-force'];

const io = { stdout: () => {}, stderr: () => {} };
/** Where a message sends for help names its own command: the rest must be the same. */
const help = (m) => m.replace(/\(try "nsrun (run|net attach) --help"\)/, '(try "COMMAND --help")');

/** What `nsrun run ARGV` says of its options: 'ok' (no command: after every option was read), or the usage error's message. */
function run(argv) {
  try {
    parseRun(argv);
  } catch (e) {
    assert.ok(e instanceof FlagError, String(e));
    return e.message === 'missing command (try "nsrun run --help")' ? 'ok' : e.message;
  }
  throw new Error(`run ${argv.join(' ')}: no error`);
}

/** The same for `nsrun net attach ARGV` (as root: without --pid, after the options were read). */
async function attach(argv) {
  try {
    await runNet(['attach', ...argv], io);
  } catch (e) {
    assert.ok(e instanceof FlagError, String(e));
    return e.message === 'attach needs --pid PID' ? 'ok' : e.message;
  }
  throw new Error(`net attach ${argv.join(' ')}: ran`);
}

const asRoot = process.getuid?.() === 0;

test('net attach accepts and refuses the spellings of run network options as run does, with the same messages', async () => {
  if (!asRoot) return skip('a user other than root goes through netd, which refuses --subnet and --publish-force');
  const cases = [
    ['--bridge', 'br7'],
    ['--bridge=br7'],
    ['--bridge'],
    ['--bridge', 'a', '--bridge', 'b'],
    ['--bridge', 'a', '--bridge=b'],
    ['--subnet', '10.9.0.1/24'],
    ['--subnet=10.9.0.1/24', '--subnet', '10.8.0.1/24'],
    ['--subnet'],
    ['--ip', '10.10.10.9'],
    ['--ip=10.10.10.9/24'],
    ['--ip'],
    ['--ip', '10.10.10.9', '--ip', '10.10.10.8'],
    ['--nat'],
    ['--nat', '--nat'],
    ['--nat=1'],
    ['--publish', '8080:80'],
    ['-p', '8080:80', '--publish=53:53/udp', '-p', '1:1'],
    ['-p'],
    ['--publish'],
    ['-p=80:80'],
    ['--publish-force'],
    ['--publish-force', '-p', '80:80'],
    ['-p', '80:80', '--publish-force', '--publish-force'],
    ['--publish-force=yes', '-p', '80:80'],
    ['--bridge', 'br7', '--subnet', '10.9.0.1/24', '--ip', '10.9.0.5', '--nat', '-p', '80:80', '--publish-force'],
  ];
  const seen = new Set();
  for (const argv of cases) {
    const r = help(run(argv));
    assert.is(help(await attach(argv)), r, argv.join(' '));
    seen.add(r === 'ok');
  }
  assert.equal([...seen].sort(), [false, true], 'accepted and refused lines both');
  // Run's other options are not net attach's.
  for (const other of [
    ['--net', 'none'],
    ['--dns', '10.0.0.53'],
    ['--rootfs', '/'],
  ]) {
    assert.is(run(other), 'ok');
    assert.is(await attach(other), `unknown option ${JSON.stringify(other[0])} (try "nsrun net attach --help")`);
  }
});

test("net attach's usage says of each shared option what run's says", () => {
  /** An option's lines in a usage: its own and the help lines under it. */
  const linesOf = (usage, flag) => {
    const lines = usage.split('\n');
    const at = lines.findIndex((l) => l.startsWith(`  ${flag} `) || l === `  ${flag}` || l.startsWith(`  ${flag},`));
    if (at === -1) return undefined;
    let end = at + 1;
    while (end < lines.length && /^ {22}\S/.test(lines[end])) end++;
    return lines.slice(at, end);
  };
  for (const flag of SHARED) {
    const inRun = linesOf(RUN_USAGE, flag);
    assert.ok(inRun, `${flag} in run's usage`);
    assert.equal(linesOf(NET_USAGE, flag), inRun, flag);
  }
});

test.run();
