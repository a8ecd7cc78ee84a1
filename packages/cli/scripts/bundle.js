#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the built CLI into two CommonJS files that
// dist/bin.cjs runs, and writes the V8 code cache of each (build output; dist/ is not
// committed). Why: see src/bin.cts.
//   dist/nsrun.entry.cjs  dist/entry.js: the dispatcher (commands.js) and args.js only. The
//                         modules its commands import are stand-ins that take the real ones
//                         from the main bundle (`require('nsrun:main').NAME`), when first used.
//   dist/nsrun.main.cjs   every command's code and everything it imports from @nsrun/* and
//                         ip-address; each command's modules are initialised when the entry
//                         first asks for that command. args.js is the entry's (`nsrun:args`).
// Left outside the bundles: the packages with native code, which must load from node_modules
// (ffi-rs and its per-platform binaries; netlink, required only by `ip monitor`); @nsrun/cli
// depends on both itself, so they resolve from dist/ wherever it is installed.
//
// The bundles are minified and ASCII only: V8 holds a source with one non-ASCII character as
// two-byte text, which costs reading and compiling it, and bin.cjs reads them as latin1 (no UTF-8
// decoding). Function names are not kept (esbuild's keepNames): its __name call per function
// allocated 330 KiB at a `run`'s module initialisation, and nsrun prints messages, never stacks;
// the error classes name themselves. Each file is its own CommonJS wrapper (bin.cjs
// WRAPPER_HEAD), so the text V8 compiles is the one string read from disk. The caches are written by a Node process of
// the machine's own (V8 refuses a cache stamped with other flags or another version) after it
// has run the bundles' module initialisation and a few commands that need no privileges (WARM):
// they hold the bytecode of what a start really runs, not of every function (--no-lazy). That
// kind of cache started `--version` 14% faster than an eager one and `run --net none` 4% faster
// (2026-12-05: 30-40 interleaved runs, 2-core machine).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const { BUNDLES, ID_LINE, WRAPPER_HEAD, WRAPPER_TAIL } = createRequire(import.meta.url)('../dist/bin.cjs');

/** What commands.js imports when a command runs, by the name the main bundle exports it under. */
const COMMAND_MODULES = {
  './run.js': 'run',
  './containers.js': 'containers',
  './netd.js': 'netd',
  './cni.js': 'cni',
  './errors.js': 'errors',
  './ip/index.js': 'ip',
  '@nsrun/runner': 'runner',
};
/** The main bundle's exports, by the same names: each module's path from the package. */
const MAIN_EXPORTS = Object.fromEntries(
  Object.entries(COMMAND_MODULES).map(([spec, name]) => [name, spec.startsWith('./') ? `./dist/${spec.slice(2)}` : spec]),
);

/** Stand-in modules: `require('nsrun:X').NAME`, resolved by bin.cjs at run time. */
const standIns = (name, resolve) => ({
  name,
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const key = resolve(args);
      return key === undefined ? undefined : { path: key, namespace: name };
    });
    b.onLoad({ filter: /.*/, namespace: name }, (args) => ({ contents: `module.exports = ${args.path};`, loader: 'js' }));
  },
});

/** @type {import('esbuild').BuildOptions & { write: false, metafile: true }} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['ffi-rs', '@yuuang/*', 'netlink', 'nsrun:*'],
  // The sources find files next to themselves through import.meta.url (package.json, ffi-rs,
  // netlink); in a bundle that is the bundle's own URL (both bundles lie in dist/).
  define: { 'import.meta.url': '__nsrunUrl' },
  banner: { js: "var __nsrunUrl = require('node:url').pathToFileURL(__filename).href;" },
  minify: true,
  charset: 'ascii',
  legalComments: 'none',
  write: false,
  metafile: true,
  logLevel: 'warning',
};

const entryOut = await build({
  ...common,
  stdin: { contents: "export { cli } from './dist/entry.js'; export * as args from './dist/args.js';", resolveDir: cli, sourcefile: 'nsrun-entry.js' },
  plugins: [
    standIns('nsrun-main', (a) =>
      a.importer.endsWith('/dist/commands.js') && a.path in COMMAND_MODULES ? `require('nsrun:main').${COMMAND_MODULES[a.path]}` : undefined,
    ),
  ],
});
// The main bundle's lazy exports: a getter each, so a command initialises only its own modules.
const mainOut = await build({
  ...common,
  stdin: {
    contents: `module.exports = {${Object.entries(MAIN_EXPORTS)
      .map(([k, p]) => `get ${k}() { return require(${JSON.stringify(p)}); }`)
      .join(', ')}};`,
    resolveDir: cli,
    sourcefile: 'nsrun-main.js',
    loader: 'js',
  },
  plugins: [standIns('nsrun-args', (a) => (a.importer.startsWith(dist) && /^(\.\.?\/)+args\.js$/.test(a.path) ? "require('nsrun:args')" : undefined))],
});

const inputs = (out) => Object.keys(Object.values(out.metafile.outputs)[0].inputs);
// The entry must stay small: nothing but the dispatcher and args.js of its own.
const entryFiles = inputs(entryOut).filter((f) => !f.startsWith('nsrun-main:') && !f.endsWith('nsrun-entry.js'));
const expected = ['dist/entry.js', 'dist/commands.js', 'dist/args.js', 'dist/out.js', 'dist/exit.js'];
if (entryFiles.some((f) => !expected.some((e) => f.endsWith(e))))
  throw new Error(`bundle: the entry bundle took in more than the dispatcher: ${entryFiles.join(', ')}`);
if (inputs(mainOut).some((f) => /(^|\/)dist\/args\.js$/.test(f) && !f.startsWith('nsrun-args:')))
  throw new Error('bundle: the main bundle has its own args.js (UsageError would be two classes)');

for (const [name, out] of /** @type {const} */ ([
  ['entry', entryOut],
  ['main', mainOut],
])) {
  const code = out.outputFiles[0].text;
  const { file, cache } = BUNDLES[name];
  if (/\bimport\(/.test(code)) throw new Error(`bundle: a dynamic import() is left in ${file} (bin.cjs runs it without a module loader)`);
  const id = createHash('sha256').update(code).digest('hex').slice(0, 32);
  const source = `// nsrun bundle ${id} (made by packages/cli/scripts/bundle.js; do not edit: its code cache is keyed on the id)\n${WRAPPER_HEAD}${code}${WRAPPER_TAIL}`;
  if (ID_LINE.exec(source)?.[1] !== id) throw new Error('bundle: the id line does not match bin.cjs');
  if (/[^\x00-\x7f]/.test(source)) throw new Error(`bundle: a non-ASCII character is left in ${file} (bin.cjs reads it as latin1)`);
  rmSync(cache, { force: true });
  writeFileSync(file, source);
}
// Bundles of an older build.
for (const old of ['nsrun.bundle.cjs', 'nsrun.bundle.cache']) rmSync(dist + old, { force: true });

// Commands run to warm the caches: none needs root, none changes anything.
const WARM = [['--version'], ['--help'], ['run', '--help'], ['ps', '--help'], ['ip', '-j', 'link', 'show', 'lo'], ['ip', 'route', 'help']];
const warmer = `
const { readFileSync, writeFileSync } = require('node:fs');
const [bin, warm] = process.argv.slice(1);
const { BUNDLES, ID_LINE, cacheHeader, scripts, start } = require(bin);
process.stdout.write = process.stderr.write = () => true;
process.on('exit', () => {
  for (const [name, script] of Object.entries(scripts)) {
    const { file, cache } = BUNDLES[name];
    const id = ID_LINE.exec(readFileSync(file, 'latin1'))[1];
    writeFileSync(cache, Buffer.concat([cacheHeader(id), script.createCachedData()]));
  }
  process.exitCode = 0;
});
for (const argv of JSON.parse(warm)) start(argv);
`;
const w = spawnSync(process.execPath, ['-e', warmer, fileURLToPath(new URL('../dist/bin.cjs', import.meta.url)), JSON.stringify(WARM)], {
  encoding: 'utf8',
  env: { ...process.env, NODE_OPTIONS: '' },
});
const missing = Object.values(BUNDLES).filter((b) => !existsSync(b.cache));
if (w.status !== 0 || missing.length) throw new Error(`bundle: writing the code caches failed (exit ${w.status}): ${w.stderr}`);
const kb = (f) => `${(readFileSync(f).length / 1024).toFixed(0)} KiB`;
if (process.argv.includes('--verbose')) for (const b of Object.values(BUNDLES)) console.error(`bundle: ${b.file} ${kb(b.file)}, cache ${kb(b.cache)}`);
