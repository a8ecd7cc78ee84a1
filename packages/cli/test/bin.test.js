// The `nsrun` executable, dist/bin.cjs: it runs the bundle `npm run build` makes
// (dist/nsrun.bundle.cjs) with its V8 code cache, and the unbundled main.js without a bundle.
// The other CLI tests run dist/main.js; these run the bundle itself (--version, ip link, run),
// and bin.cjs's choices on stand-in bundles in a temporary directory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

const BIN = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const { BUNDLE, CACHE, ID_LINE, wrap } = createRequire(import.meta.url)(BIN);
const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

function node(file, args, opts = {}) {
  const r = spawnSync(
    opts.netns ? 'nsenter' : process.execPath,
    opts.netns ? [`--net=${opts.netns.procPath}`, process.execPath, file, ...args] : [file, ...args],
    {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, why: `status ${r.status ?? r.signal}; stderr: ${r.stderr}` };
}

test('the build made the bundle and a code cache that names it and that V8 accepts', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: npm run build makes it`);
  const source = readFileSync(BUNDLE, 'utf8');
  const id = ID_LINE.exec(source)?.[1];
  assert.ok(id, `first line: ${source.slice(0, 80)}`);
  const file = readFileSync(CACHE);
  const nl = file.indexOf(10);
  assert.is(file.toString('latin1', 0, nl), id);
  const script = new Script(wrap(source), { filename: BUNDLE, cachedData: file.subarray(nl + 1) });
  assert.is(script.cachedDataRejected, false);
});

test('the executable npm links (bin/nsrun.cjs, committed) runs the built entry', () => {
  const linked = fileURLToPath(new URL('../bin/nsrun.cjs', import.meta.url));
  const v = node(linked, ['--version']);
  assert.is(v.status, 0, v.stderr);
  assert.match(v.stdout, /^nsrun \d+\.\d+\.\d+\n$/);
});

test('--version and help through the bundle', () => {
  const v = node(BIN, ['--version']);
  assert.is(v.status, 0, v.why);
  assert.is(v.stdout, `nsrun ${VERSION}\n`);
  const h = node(BIN, ['run', '--help']);
  assert.is(h.status, 0, h.why);
  assert.match(h.stdout, /^Usage: nsrun run /);
  const bad = node(BIN, ['frobnicate']);
  assert.is(bad.status, 2);
  assert.is(bad.stderr, 'nsrun: unknown command "frobnicate"\nTry "nsrun help".\n');
});

/** A directory holding a copy of bin.cjs and the given files. */
function standIn(files) {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-bin-'));
  copyFileSync(BIN, join(dir, 'bin.cjs'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('bin.cjs runs the bundle next to it, with a cache only when the cache names it', () => {
  const bundle = (id, word) =>
    `// nsrun bundle ${id} (stand-in)\nmodule.exports.cli = () => console.log(${JSON.stringify(word)}, __filename.endsWith('nsrun.bundle.cjs'));\n`;
  const cases = [
    { bundle: bundle('aaaa', 'plain'), cache: undefined, out: 'plain true' },
    // Another build's cache: not even handed to V8.
    { bundle: bundle('aaaa', 'other-build'), cache: 'bbbb\nnot v8 data', out: 'other-build true' },
    // This build's id but data V8 refuses: V8 compiles the source instead.
    { bundle: bundle('aaaa', 'refused'), cache: 'aaaa\nnot v8 data', out: 'refused true' },
  ];
  for (const c of cases) {
    const dir = standIn({ 'nsrun.bundle.cjs': c.bundle, ...(c.cache && { 'nsrun.bundle.cache': c.cache }) });
    try {
      const r = node(join(dir, 'bin.cjs'), []);
      assert.is(r.status, 0, r.why);
      assert.is(r.stdout, `${c.out}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('without a bundle, bin.cjs runs the unbundled main.js', () => {
  const dir = standIn({
    'package.json': '{"type":"module"}',
    'main.js': 'export function cli() { console.log("unbundled", process.argv.slice(2).join(" ")); }\n',
  });
  try {
    const r = node(join(dir, 'bin.cjs'), ['a', 'b']);
    assert.is(r.status, 0, r.why);
    assert.is(r.stdout, 'unbundled a b\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

const k = kernelSuite('nsrun through the bundle');

k('ip -j link: the same as the unbundled entry, in a fresh namespace', (ctx) => {
  ctx.ip('link', 'add', 'nsrb0', 'type', 'veth', 'peer', 'name', 'nsrb1');
  const viaBundle = node(BIN, ['ip', '-j', 'link'], { netns: ctx.ns });
  const viaMain = node(MAIN, ['ip', '-j', 'link'], { netns: ctx.ns });
  assert.is(viaBundle.status, 0, viaBundle.why);
  assert.is(viaBundle.stderr, '');
  assert.equal(JSON.parse(viaBundle.stdout), JSON.parse(viaMain.stdout));
  assert.equal(
    JSON.parse(viaBundle.stdout)
      .map((l) => l.ifname)
      .sort(),
    ['lo', 'nsrb0', 'nsrb1'],
  );
});

k('ip errors through the bundle: the same line and status as the unbundled entry', (ctx) => {
  // A NetlinkError (status 1), a ValidationError and a usage error (status 2).
  for (const args of [
    ['link', 'del', 'nsrb-none'],
    ['link', 'add', 'name', 'a b', 'type', 'dummy'],
    ['addr', 'add', '10.0.0.1/33', 'dev', 'lo'],
  ]) {
    const a = node(BIN, ['ip', ...args], { netns: ctx.ns });
    const b = node(MAIN, ['ip', ...args], { netns: ctx.ns });
    assert.ok(a.status !== 0, a.why);
    assert.equal([a.status, a.stderr], [b.status, b.stderr]);
  }
});

k('run --net none through the bundle: the command is PID 1, its status comes back', (ctx) => {
  const r = node(BIN, ['run', '--net', 'none', '--', 'sh', '-c', 'echo $$; exit 3'], { netns: ctx.ns });
  assert.is(r.status, 3, r.why);
  assert.is(r.stdout, '1\n');
});

k.run();
