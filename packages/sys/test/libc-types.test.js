// @nsrun/sys names ffi-rs's parameter types by value (so that importing it loads no native
// code); those values must be the loaded library's own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { T, ffiDataTypes } from '../dist/libc.js';

test('T holds the DataType values of the ffi-rs binary that is loaded', () => {
  assert.equal({ ...T }, ffiDataTypes());
});

test.run();
