// The public surface's types: surface.test.js checks the names an entry point holds at run
// time; this reads the built declarations (.d.ts) of each entry point, so that a type too
// (an interface, a `type`, a class's) has exactly one home, as the README's "Public API" says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkDelRequest } from '@nsrun/netlink';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

/** The names a declaration file exports, its `export * from` and `export { ... } from` followed. */
function exported(file, seen = new Set()) {
  const names = new Set();
  if (seen.has(file)) return names;
  seen.add(file);
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const target = (spec) => join(dirname(file), spec.replace(/\.js$/, '.d.ts'));
  for (const m of text.matchAll(/^export \* from '([^']+)';/gm)) for (const n of exported(target(m[1]), seen)) names.add(n);
  for (const m of text.matchAll(/^export \* as (\w+) from/gm)) names.add(m[1]);
  for (const m of text.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    for (const item of m[1].split(',')) {
      const words = item
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/);
      if (words[0]) names.add(words.at(-1));
    }
  }
  for (const m of text.matchAll(/^export (?:declare )?(?:abstract )?(?:const|let|var|function|class|enum|namespace|interface|type) (\w+)/gm)) names.add(m[1]);
  return names;
}

const entries = Object.fromEntries(Object.entries(pkg.exports).map(([e, t]) => [e, exported(join(pkgDir, t.types))]));

test('the declarations are read: the root has its client, operations and types, the codec its schemas', () => {
  for (const n of ['RtnlClient', 'linkAdd', 'Link', 'LinkAddSpec', 'RouteSpec', 'RtnlRequest']) assert.ok(entries['.'].has(n), n);
  for (const n of ['decodeRoute', 'RouteMessage', 'NeighAttr', 'linkSchema']) assert.ok(entries['./messages'].has(n), n);
  assert.ok(entries['./wire'].has('Writer') && entries['./transport'].has('NetlinkSocket'));
});

test('the declarations hold every name each entry point has at run time (this reader misses none)', async () => {
  for (const [e, names] of Object.entries(entries)) {
    const mod = await import(e === '.' ? '@nsrun/netlink' : `@nsrun/netlink/${e.slice(2)}`);
    assert.equal(
      Object.keys(mod).filter((n) => !names.has(n)),
      [],
      e,
    );
  }
});

test('every name, types included, is exported by exactly one entry point', () => {
  const where = new Map();
  for (const [e, names] of Object.entries(entries)) for (const n of names) where.set(n, [...(where.get(n) ?? []), e]);
  assert.equal(
    [...where].filter(([, es]) => es.length > 1).map(([n, es]) => `${n}: ${es.join(' ')}`),
    [],
  );
});

test("rtnetlink's request type is RtnlRequest (not the fetch API's name); Request stays, a deprecated alias of it", () => {
  // Type-checked with the tests (tsconfig.test.json): a builder's result is an RtnlRequest, and
  // the 0.1.0 name still names the same type.
  /** @type {import('@nsrun/netlink').RtnlRequest} */
  const req = linkDelRequest('d0');
  /** @type {import('@nsrun/netlink').Request} */
  const old = req;
  /** @type {import('@nsrun/netlink').RtnlRequest} */
  const back = old;
  assert.is(back.what, 'linkDel d0');
  const client = readFileSync(join(pkgDir, 'dist/client.d.ts'), 'utf8');
  assert.match(client, /@deprecated[^\n]*RtnlRequest[^]*?\*\/\nexport type Request = RtnlRequest;/);
  assert.ok(entries['.'].has('RtnlRequest') && entries['.'].has('Request'));
});

test.run();
