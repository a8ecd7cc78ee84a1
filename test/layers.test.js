// The layering, checked on every import of the sources (CI runs it with the tests): each
// package may import only the packages below it — sys → netlink → runner → cli — and only
// @nsrun/sys touches ffi-rs; a relative import never leaves its package's src. The tests and
// scripts keep to their package too: a package's tests reach the shared helpers by name
// (@nsrun/test-helpers, test/helpers), never by a path into another package.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What each package may import besides node:* and its own files. */
const ALLOWED = {
  sys: ['ffi-rs'],
  netlink: ['@nsrun/sys', 'netlink'],
  runner: ['@nsrun/sys', '@nsrun/netlink'],
  cli: ['@nsrun/sys', '@nsrun/netlink', '@nsrun/runner'],
};

function sources(dir, out = []) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(c|m)?ts$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/g;

test('every package imports only what its layer may', () => {
  const problems = [];
  for (const [pkg, allowed] of Object.entries(ALLOWED)) {
    const src = join(root, 'packages', pkg, 'src');
    for (const file of sources(src)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3];
        const where = `${relative(root, file)}: '${spec}'`;
        if (spec.startsWith('node:')) continue;
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(`${src}/`)) problems.push(`${where} leaves packages/${pkg}/src`);
          continue;
        }
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!allowed.includes(name)) problems.push(`${where} is not allowed in @nsrun/${pkg} (may import: ${allowed.join(', ')})`);
      }
    }
  }
  assert.equal(problems, []);
});

/** Every file that may import an @nsrun package: sources, tests, test helpers, scripts. */
function importers() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir)) {
      if (e === 'node_modules' || e === 'dist') continue;
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(c|m)?(ts|js)$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const pkg of readdirSync(join(root, 'packages')))
    for (const d of ['src', 'test', 'scripts']) if (existsSync(join(root, 'packages', pkg, d))) walk(join(root, 'packages', pkg, d));
  for (const d of ['test', 'scripts']) walk(join(root, d));
  return out;
}

test('an @nsrun package is imported only through an entry point its package.json exports', () => {
  const exported = {};
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const json = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
    if (json.exports) exported[json.name] = Object.keys(json.exports).map((k) => (k === '.' ? json.name : `${json.name}/${k.slice(2)}`));
  }
  assert.ok(exported['@nsrun/netlink'].includes('@nsrun/netlink/wire'), 'the check knows the subpaths');
  const problems = [];
  for (const file of importers()) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const name = spec.split('/').slice(0, 2).join('/');
      if (exported[name] && !exported[name].includes(spec)) problems.push(`${relative(root, file)}: '${spec}' (${name} exports ${exported[name].join(', ')})`);
    }
  }
  assert.equal(problems, []);
});

/** The JS files of tests and scripts: each package's own, the helpers package, and the root's. */
function scripts(dir, out = []) {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) scripts(p, out);
    else if (/\.(c|m)?js$/.test(e)) out.push(p);
  }
  return out;
}

/** The folder of the package that owns `file`: packages/<name>, test/helpers, or the root. */
function packageOf(file) {
  const rel = relative(root, file).split('/');
  if (rel[0] === 'packages') return join(root, 'packages', rel[1]);
  if (rel[0] === 'test' && rel[1] === 'helpers') return join(root, 'test', 'helpers');
  return root;
}

/** The relative imports in `text` (the source of `file`) that leave the package holding it. */
function leavingImports(file, text) {
  const own = packageOf(file);
  const problems = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (relative(root, target).startsWith('..') || packageOf(target) !== own) {
      problems.push(`${relative(root, file)}: '${spec}' leaves ${relative(root, own) || 'the root'} (import the package by name)`);
    }
  }
  return problems;
}

test('tests and scripts import other packages by name, never by a relative path', () => {
  const dirs = [
    ...readdirSync(join(root, 'packages')).flatMap((p) => ['test', 'scripts', 'bin'].map((d) => join(root, 'packages', p, d))),
    join(root, 'test'),
    join(root, 'scripts'),
  ];
  const files = dirs.filter((d) => existsSync(d)).flatMap((d) => scripts(d));
  assert.ok(files.length > 100, `found only ${files.length} test and script files`);
  assert.equal(
    files.flatMap((f) => leavingImports(f, readFileSync(f, 'utf8'))),
    [],
  );
});

test('the checker sees imports (a check that could not fail would prove nothing)', () => {
  const sample = "import { a } from '@nsrun/runner';\nexport { b } from './x.js';\nconst c = require('ffi-rs');";
  assert.equal(
    [...sample.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]),
    ['@nsrun/runner', './x.js', 'ffi-rs'],
  );
  // and a path out of a package, in either direction (the files need not exist)
  /** @type {[string, string, boolean][]} */
  const cases = [
    ['packages/sys/test/x.test.js', '../../../test/helpers/kernel.js', false],
    ['packages/runner/test/x.test.js', '../../sys/test/helpers/child.js', false],
    ['test/x.test.js', './helpers/nsrun.js', false],
    ['test/helpers/x.js', '../x.test.js', false],
    ['scripts/x.js', '../../outside.js', false],
    ['packages/sys/test/x.test.js', './helpers/fds.js', true],
    ['test/helpers/x.js', './kernel.js', true],
    ['scripts/x.js', './bench/report.js', true],
  ];
  for (const [file, spec, stays] of cases) {
    const found = leavingImports(join(root, file), `import { x } from '${spec}';`);
    assert.equal(found.length, stays ? 0 : 1, `${file}: '${spec}'`);
  }
});

test.run();
