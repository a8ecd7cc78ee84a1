#!/usr/bin/env node
// The `nsrun` executable as npm links it: committed (npm links bins at install time, before
// the build exists), it runs the built entry, dist/bin.cjs (see src/bin.cts).
require('../dist/bin.cjs').start();
