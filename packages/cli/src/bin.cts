#!/usr/bin/env node
// The `nsrun` executable. Its start-up time is mostly spent loading and compiling JavaScript,
// so it runs the bundles that `npm run build` makes next to it (see ../scripts/bundle.js):
// CommonJS files, no module resolution, no ESM loader, each with the V8 code cache made for it
// at the same time (no compiling either).
//   nsrun.entry.cjs  the dispatcher, usage and --version (a few KiB)
//   nsrun.main.cjs   every command's code, loaded when the entry first asks for a command
// so `--version` and a usage error read and deserialize a few KiB, not the whole toolkit. The
// main bundle takes the entry's args module (UsageError, HelpRequest) as `nsrun:args`: one
// class each, which `instanceof` in either bundle sees.
// A cache is used only when it names its bundle's build id (V8 itself checks little more than
// the source's length) and V8 accepts it (same V8 version and flags); otherwise the bundle is
// compiled as usual. Without bundles, the unbundled entry.js runs. CommonJS itself: a CommonJS
// main module starts without the ESM loader.
const { readFileSync } = require('node:fs') as typeof import('node:fs');
const { createRequire } = require('node:module') as typeof import('node:module');
const { join } = require('node:path') as typeof import('node:path');
const { Script } = require('node:vm') as typeof import('node:vm');

interface Bundle {
  file: string;
  cache: string;
}

const BUNDLES: Readonly<Record<'entry' | 'main', Bundle>> = {
  entry: { file: join(__dirname, 'nsrun.entry.cjs'), cache: join(__dirname, 'nsrun.entry.cache') },
  main: { file: join(__dirname, 'nsrun.main.cjs'), cache: join(__dirname, 'nsrun.main.cache') },
};

/** A bundle's first line: `// nsrun bundle ID ...`. */
const ID_LINE = /^\/\/ nsrun bundle ([0-9a-f]+) /;

/**
 * The head of a bundle's code after its id line: the bundle is one function of CommonJS's five
 * parameters. The build writes it into the file (not added here) so the text V8 compiles is the
 * one string read from disk: a concatenation would be flattened into a second copy.
 */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {';
const WRAPPER_TAIL = '\n})';

/**
 * A cache file's header: the build id, padded with spaces to 63 bytes, and a newline. V8's data
 * follows at byte 64: V8 copies data that is not 8-byte aligned before it reads it.
 */
const CACHE_HEADER = 64;
const cacheHeader = (id: string): Buffer => Buffer.from(`${id.padEnd(CACHE_HEADER - 1)}\n`, 'latin1');

/** The V8 data of a cache file, if its header names this build id. */
function cachedData(cache: string, id: string | undefined): Buffer | undefined {
  if (!id) return undefined;
  try {
    const file = readFileSync(cache);
    return file.length > CACHE_HEADER && file.toString('latin1', 0, CACHE_HEADER).trimEnd() === id ? file.subarray(CACHE_HEADER) : undefined;
  } catch {
    return undefined;
  }
}

type Exports = Record<string, unknown>;

/** The compiled bundles, by name (the build's warmer writes their caches from these). */
const scripts: Partial<Record<keyof typeof BUNDLES, InstanceType<typeof Script>>> = {};
let entry: Exports | undefined;
let main: Exports | undefined;

/** Compiles and runs one bundle (its source must exist); its module.exports. */
function load(name: keyof typeof BUNDLES, source?: string): Exports {
  const { file, cache } = BUNDLES[name];
  // The build makes the bundles ASCII only (bundle.js): latin1 reads them without decoding UTF-8.
  source ??= readFileSync(file, 'latin1');
  const script = new Script(source, { filename: file, cachedData: cachedData(cache, ID_LINE.exec(source)?.[1]) });
  scripts[name] = script;
  const mod = { exports: {} as Exports };
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, bundleRequire, mod, file, __dirname);
  return mod.exports;
}

const nodeRequire = createRequire(BUNDLES.entry.file);

/** `require` inside the bundles: the two names that join them, then Node's own. */
function bundleRequire(id: string): unknown {
  if (id === 'nsrun:main') return (main ??= load('main'));
  if (id === 'nsrun:args') return entry!.args;
  return nodeRequire(id);
}

type Cli = { cli: (argv?: readonly string[]) => void };

/** Runs nsrun with these arguments (the process's own when none are given). */
function start(argv?: readonly string[]): void {
  let source: string;
  try {
    source = readFileSync(BUNDLES.entry.file, 'latin1');
  } catch {
    void (import('./entry.js') as Promise<Cli>).then((m) => m.cli(argv));
    return;
  }
  entry = load('entry', source);
  (entry as Cli).cli(argv);
}

// For the build, which writes the bundles and their caches, and for tests and benches.
module.exports = { BUNDLES, ID_LINE, WRAPPER_HEAD, WRAPPER_TAIL, cacheHeader, cachedData, scripts, start };
if (require.main === module) start();
