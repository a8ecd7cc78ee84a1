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
// reads it as latin1 (no UTF-8 decoding). The cache holds bytecode for every function, not only
// those V8 compiles up front: the script is compiled with V8's --no-lazy, and the flag is
// turned back before the cache is written, because V8 stamps the cache with the flags in force
// when it is written and refuses a cache stamped with other flags than its own. (A cache
// written after running --version and --help, smaller, starts those 3% faster but `nsrun run`
// 12% slower: measured, 60 runs each.)
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
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

setFlagsFromString('--no-lazy');
let script;
try {
  script = new Script(wrap(source), { filename: BUNDLE });
} finally {
  setFlagsFromString('--lazy');
}
writeFileSync(CACHE, Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]));
const kb = (f) => `${(readFileSync(f).length / 1024).toFixed(0)} KiB`;
if (process.argv.includes('--verbose')) console.error(`bundle: ${BUNDLE} ${kb(BUNDLE)}, cache ${kb(CACHE)}`);
