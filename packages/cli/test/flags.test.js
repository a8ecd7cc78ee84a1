// The option parser of the container commands (run, ps, gc, net): an option that takes one
// value, given twice under any of its spellings, is bad usage naming it (never the last value
// silently); repeatable options collect every value; flags without a value may repeat. All
// in-process and refused while parsing: nothing is created, no root needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '@nsrun/cli';
import { parseFlags, FlagError } from '../dist/flags.js';

async function run(...argv) {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { status, stdout, stderr };
}

/** `argv` is refused with exit `status` and exactly the line `line`. */
async function refused(argv, status, line) {
  const r = await run(...argv);
  assert.is(r.status, status, `${argv.join(' ')}: ${r.stderr}`);
  assert.is(r.stderr, `${line}\n`, argv.join(' '));
  assert.is(r.stdout, '');
}

test('run: a single-value option given twice is exit 125 naming it and both values', async () => {
  await refused(['run', '--net', 'none', '--net', 'host', 'true'], 125, 'nsrun: run: usage: --net given twice ("none", then "host"); it takes one value');
  await refused(['run', '--hostname', 'a', '--hostname=b', 'true'], 125, 'nsrun: run: usage: --hostname given twice ("a", then "b"); it takes one value');
  await refused(
    ['run', '--state-dir=/run/x', '--state-dir=/run/x', 'true'],
    125,
    'nsrun: run: usage: --state-dir given twice ("/run/x", then "/run/x"); it takes one value',
  );
  for (const opt of ['--bridge', '--subnet', '--ip', '--rootfs', '--workdir', '--stop-timeout', '--json-fd']) {
    const r = await run('run', opt, '2', `${opt}=2`, 'true');
    assert.is(r.status, 125, opt);
    assert.match(r.stderr, new RegExp(`^nsrun: run: usage: ${opt} given twice \\("2", then "2"\\); it takes one value\\n$`));
  }
});

test('run: repeatable options (--env, --dns, --publish/-p) and repeated flags are accepted', async () => {
  const r = await run(
    'run',
    '--env',
    'A=1',
    '--env=B=2',
    '--dns',
    '192.0.2.1',
    '--dns',
    '192.0.2.2',
    '-p',
    '8080:80',
    '--publish',
    '8081:81',
    '--init',
    '--init',
    '-v',
    '--verbose',
    '--nat',
    '--nat',
    '--help',
    '-h',
  );
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: nsrun run/);
});

test('ps, gc, net attach, net detach: a single-value option given twice is exit 2 naming it', async () => {
  await refused(
    ['ps', '--state-dir', '/run/a', '--state-dir', '/run/b'],
    2,
    'nsrun: ps: usage: --state-dir given twice ("/run/a", then "/run/b"); it takes one value',
  );
  await refused(
    ['gc', '--state-dir', '/run/a', '--state-dir=/run/b'],
    2,
    'nsrun: gc: usage: --state-dir given twice ("/run/a", then "/run/b"); it takes one value',
  );
  await refused(['net', 'attach', '--pid', '1', '--pid', '2'], 2, 'nsrun: net: usage: --pid given twice ("1", then "2"); it takes one value');
  await refused(
    ['net', 'attach', '--pid', '1', '--bridge', 'a', '--bridge', 'b'],
    2,
    'nsrun: net: usage: --bridge given twice ("a", then "b"); it takes one value',
  );
  await refused(['net', 'detach', '--pid=1', '--pid=1'], 2, 'nsrun: net: usage: --pid given twice ("1", then "1"); it takes one value');
  // Flags without a value may repeat.
  const r = await run('ps', '--json', '--json', '--help', '-h');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: nsrun ps/);
});

test('parseFlags: aliases are the same option; the error shows both spellings', () => {
  const spec = { '--name': { value: true, alias: ['-n'] }, '--tag': { value: true, repeat: true, alias: ['-t'] }, '--quiet': { alias: ['-q'] } };
  let err;
  try {
    parseFlags(['-n', 'a', '--name=b'], spec, 'x', false);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof FlagError);
  assert.is(err.message, '--name given twice (-n "a", then --name "b"); it takes one value');
  const p = parseFlags(['-t', 'a', '--tag', 'b', '-q', '--quiet', '--name', 'c'], spec, 'x', false);
  assert.equal(
    [...p.flags],
    [
      ['--tag', ['a', 'b']],
      ['--quiet', true],
      ['--name', 'c'],
    ],
  );
});

test.run();
