// The formatter's verdict, as CI sees it: every source and test file is as `npm run format`
// leaves it (prettier, .prettierrc.json). A file that is not fails the run, naming it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { skip } from '@nsrun/test-helpers/kernel';

const root = fileURLToPath(new URL('..', import.meta.url));
const PRETTIER = `${root}node_modules/prettier/bin/prettier.cjs`;

test('every source and test file is formatted (npm run format)', () => {
  if (!existsSync(PRETTIER)) return skip('prettier is not installed (npm ci installs the dev dependencies)');
  const globs = /prettier --check (.*)$/
    .exec(JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts['format:check'])[1]
    .match(/"[^"]+"/g)
    .map((g) => g.slice(1, -1));
  const r = spawnSync(process.execPath, [PRETTIER, '--list-different', ...globs], { cwd: root, encoding: 'utf8' });
  assert.is(r.stderr, '');
  assert.is(r.stdout, '', `not formatted (run npm run format):\n${r.stdout}`);
  assert.is(r.status, 0);
});

test.run();
