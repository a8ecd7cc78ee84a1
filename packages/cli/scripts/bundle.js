#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the built CLI (dist/main.js and everything it
// imports from @nsrun/*, ip-address included) into dist/nsrun.bundle.cjs, one CommonJS file
// that dist/bin.cjs runs, and writes its V8 code cache to dist/nsrun.bundle.cache. Both are
// build output (dist/ is not committed). Why: see src/bin.cts.
//
// Left outside the bundle: the packages with native code, which must load from node_modules
// (ffi-rs and its per-platform binaries; netlink, required only by `ip monitor`); @nsrun/cli
// depends on both itself, so they resolve from dist/ wherever it is installed.
//
// The bundle is minified (names kept, for stack traces) and ASCII only: V8 holds a source with
// one non-ASCII character as two-byte text, which costs reading and compiling it, and bin.cjs
// reads it as latin1 (no UTF-8 decoding). The cache is written by a Node process of the
// machine's own (V8 refuses a cache stamped with other flags or another version) after it has
// run the bundle's module initialisation and a few commands that need no privileges (WARM):
// it holds the bytecode of what a start really runs, not of every function (--no-lazy). That
// cache starts `--version` 14% faster than the eager one and `run --net none` 4% faster, the
// bridged `run` the same (2026-12-05: 30-40 interleaved runs, 2-core machine).
// (In 2026-11, before the bundle was minified, the eager one had measured better for `run`.)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = fileURLToPath(new URL('..', import.meta.url));
const { BUNDLE, CACHE, ID_LINE, wrap } = createRequire(import.meta.url)('../dist/bin.cjs');

const out = await build({
  stdin: { contents: "export { cli } from './dist/main.js';", resolveDir: cli, sourcefile: 'nsrun-entry.js' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['ffi-rs', '@yuuang/*', 'netlink'],
  // The sources find files next to themselves through import.meta.url (package.json, ffi-rs,
  // netlink); in the bundle that is the bundle's own URL.
  define: { 'import.meta.url': '__nsrunUrl' },
  banner: { js: "var __nsrunUrl = require('node:url').pathToFileURL(__filename).href;" },
  minify: true,
  keepNames: true,
  charset: 'ascii',
  legalComments: 'none',
  write: false,
  logLevel: 'warning',
});
const code = out.outputFiles[0].text;
if (/\bimport\(/.test(code)) throw new Error('bundle: a dynamic import() is left in the bundle (bin.cjs runs it without a module loader)');

const id = createHash('sha256').update(code).digest('hex').slice(0, 32);
const source = `// nsrun bundle ${id} (made by packages/cli/scripts/bundle.js; do not edit: its code cache is keyed on the id)\n${code}`;
if (ID_LINE.exec(source)?.[1] !== id) throw new Error('bundle: the id line does not match bin.cjs');
if (/[^\x00-\x7f]/.test(source)) throw new Error('bundle: a non-ASCII character is left in the bundle (bin.cjs reads it as latin1)');
rmSync(CACHE, { force: true });
writeFileSync(BUNDLE, source);

// Commands run to warm the cache: none needs root, none changes anything.
const WARM = [['--version'], ['--help'], ['run', '--help'], ['ps', '--help'], ['ip', '-j', 'link', 'show', 'lo'], ['ip', 'route', 'help']];
const warmer = `
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { Script } = require('node:vm');
const [bin, warm] = process.argv.slice(1);
const { BUNDLE, CACHE, ID_LINE, wrap } = require(bin);
const source = readFileSync(BUNDLE, 'latin1');
const script = new Script(wrap(source), { filename: BUNDLE });
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, require('node:path').dirname(BUNDLE));
process.stdout.write = process.stderr.write = () => true;
process.on('exit', () => {
  writeFileSync(CACHE, Buffer.concat([Buffer.from(ID_LINE.exec(source)[1] + '\\n', 'latin1'), script.createCachedData()]));
  process.exitCode = 0;
});
for (const argv of JSON.parse(warm)) mod.exports.cli(argv);
`;
const w = spawnSync(process.execPath, ['-e', warmer, fileURLToPath(new URL('../dist/bin.cjs', import.meta.url)), JSON.stringify(WARM)], {
  encoding: 'utf8',
  env: { ...process.env, NODE_OPTIONS: '' },
});
if (w.status !== 0 || !existsSync(CACHE)) throw new Error(`bundle: writing the code cache failed (exit ${w.status}): ${w.stderr}`);
const kb = (f) => `${(readFileSync(f).length / 1024).toFixed(0)} KiB`;
if (process.argv.includes('--verbose')) console.error(`bundle: ${BUNDLE} ${kb(BUNDLE)}, cache ${kb(CACHE)}`);
