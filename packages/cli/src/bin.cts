#!/usr/bin/env node
// The `nsrun` executable. Its start-up time is mostly spent loading and compiling JavaScript,
// so it runs the one-file bundle that `npm run build` makes next to it (every package in one
// CommonJS file: no module resolution, no ESM loader; see ../scripts/bundle.js) with the V8
// code cache made for that bundle at the same time (no compiling either). The cache is used
// only when it names the bundle's build id (V8 itself checks little more than the source's
// length) and V8 accepts it (same V8 version and flags); otherwise the bundle is compiled as
// usual. Without a bundle, the unbundled entry main.js runs. CommonJS itself: a CommonJS main
// module starts without the ESM loader.
const { readFileSync } = require('node:fs') as typeof import('node:fs');
const { createRequire } = require('node:module') as typeof import('node:module');
const { join } = require('node:path') as typeof import('node:path');
const { Script } = require('node:vm') as typeof import('node:vm');

const BUNDLE = join(__dirname, 'nsrun.bundle.cjs');
const CACHE = join(__dirname, 'nsrun.bundle.cache');

/** The bundle's first line: `// nsrun bundle ID ...`. */
const ID_LINE = /^\/\/ nsrun bundle ([0-9a-f]+) /;

/** The bundle's source as one function of CommonJS's five parameters (the cache is for this text). */
const wrap = (source: string): string => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

/** The cache file: the build id, a newline, V8's data. */
function cachedData(id: string | undefined): Buffer | undefined {
  if (!id) return undefined;
  try {
    const file = readFileSync(CACHE);
    const nl = file.indexOf(10);
    return nl > 0 && file.toString('latin1', 0, nl) === id ? file.subarray(nl + 1) : undefined;
  } catch {
    return undefined;
  }
}

type Cli = { cli: () => void };

function start(): void {
  let source: string;
  try {
    // The build makes it ASCII only (bundle.js): latin1 reads it without decoding UTF-8.
    source = readFileSync(BUNDLE, 'latin1');
  } catch {
    void (import('./main.js') as Promise<Cli>).then((m) => m.cli());
    return;
  }
  const script = new Script(wrap(source), { filename: BUNDLE, cachedData: cachedData(ID_LINE.exec(source)?.[1]) });
  const mod = { exports: {} as Partial<Cli> };
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, __dirname);
  mod.exports.cli!();
}

// For the build, which writes the bundle and its cache.
module.exports = { BUNDLE, CACHE, ID_LINE, wrap, start };
if (require.main === module) start();
