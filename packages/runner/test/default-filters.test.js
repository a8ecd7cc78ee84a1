// The generated default seccomp filters (src/security/default-filters.ts, written by
// scripts/gen-seccomp-filters.js) are what compileSeccomp makes now from profile.ts, the
// capability defaults and the syscall tables; a default run takes them, any other capability
// set is compiled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSeccomp, nativeArches } from '@nsrun/sys';
import { defaultSeccompPolicy, resolveCapabilities, securityPlan } from '@nsrun/runner';
import { DEFAULT_FILTERS } from '../dist/security/default-filters.js';

const ARCH_SETS = ['x64', 'arm64'].map((a) => nativeArches(a));

const STALE = 'out of date: run `npm run build && node scripts/gen-seccomp-filters.js` and commit the file';
const defaults = resolveCapabilities(undefined, undefined);

test('each generated filter is the one compileSeccomp makes now', () => {
  assert.equal(Object.keys(DEFAULT_FILTERS).sort(), ARCH_SETS.map((a) => a.join(',')).sort());
  for (const arches of ARCH_SETS) {
    const fresh = compileSeccomp(defaultSeccompPolicy(defaults), arches);
    assert.is(DEFAULT_FILTERS[arches.join(',')], fresh.toString('base64'), `${arches.join(',')}: ${STALE}`);
  }
});

test('a default run gets the generated filter; another capability set its own, compiled', () => {
  const arches = nativeArches();
  const key = arches.join(',');
  // The generated filter equals the compiled one (above), so to see that a default run takes it
  // rather than compiling, the entry is swapped for a marker before the plan's first use (the
  // plan keeps a filter once made), then put back.
  const table = /** @type {Record<string, string>} */ (DEFAULT_FILTERS);
  const generated = table[key];
  const marker = Buffer.from('the generated filter').toString('base64');
  table[key] = marker;
  let plain;
  try {
    plain = securityPlan({});
  } finally {
    table[key] = generated;
  }
  assert.is(plain.seccomp?.filter.toString('base64'), marker, 'a default run compiled its filter instead of taking the generated one');
  const admin = securityPlan({ capAdd: ['NET_ADMIN', 'SYS_ADMIN'] });
  const want = compileSeccomp(defaultSeccompPolicy(resolveCapabilities(['NET_ADMIN', 'SYS_ADMIN'], undefined)), arches);
  assert.ok(admin.seccomp?.filter.equals(want));
  assert.not.ok(admin.seccomp?.filter.equals(Buffer.from(generated, 'base64')), 'SYS_ADMIN opens mount and more: the filters must differ');
});

test.run();
