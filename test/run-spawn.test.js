// How nsrun starts the container's first process (posix_spawn through @nsrun/sys, not
// node:child_process): what the command inherits (no signal ignored or blocked, only fds 0-2),
// that a run loads neither child_process nor the stream modules it brings, and that an embedding program's own
// child_process children and the container are each reaped by their owner with their own
// status. Each test in a network namespace and state directory of its own.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { apiInNs, nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';

const BIN = fileURLToPath(new URL('../packages/cli/bin/nsrun.cjs', import.meta.url));

const k = kernelSuite('nsrun run: the first process');
k.before.each((ctx) => {
  ctx.state = stateDir();
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
});

k('the command inherits no ignored or blocked signal (Node ignores SIGPIPE and SIGXFSZ) and no fd but 0-2', (ctx) => {
  // The command reads its own status (a shell waiting for a child would show dash's own mask).
  const sig = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--net', 'none', '--', 'grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status']);
  assert.is(sig.status, 0, sig.stderr);
  // glibc's posix_spawn would also leave its signals 32 and 33 ignored (0x180000000) unless reset.
  assert.is(sig.stdout, 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  const fds = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--net', 'none', '--', 'sh', '-c', 'ls /proc/$$/fd']);
  assert.is(fds.status, 0, fds.stderr);
  assert.is(fds.stdout, '0\n1\n2\n', 'neither of the gate pipes, nor anything of nsrun');
});

k("a run loads none of Node's stream machinery: child_process, dgram, net, tty, streams (process.moduleLoadList of the bundle)", (ctx) => {
  const preload = `${ctx.state}/module-list.cjs`;
  const list = `${ctx.state}/modules.txt`;
  writeFileSync(
    preload,
    `const before = new Set(process.moduleLoadList); // Node's own start (which has internal/streams/utils)
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13)).join('\\n')));`,
  );
  const r = spawnSync(
    'nsenter',
    [`--net=${ctx.ns.procPath}`, process.execPath, '-r', preload, BIN, 'run', '--state-dir', ctx.state, '--net', 'none', '--', 'true'],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  assert.is(r.status, 0, r.stderr);
  const loaded = readFileSync(list, 'utf8').split('\n');
  assert.ok(loaded.includes('vm'), `the list is read: ${loaded.join(' ')}`);
  const heavy = loaded.filter((m) => /^(child_process|internal\/child_process|dgram|net|tty|stream|internal\/streams\/.*)$/.test(m));
  assert.equal(heavy, [], 'none of them is loaded');
  assert.equal(records(ctx.state), []);
});

k("beside the embedding program's own child_process children: each exit reaped by its owner, with its status", (ctx) => {
  const r = apiInNs(
    ctx.ns,
    `
const { spawn } = await import('node:child_process');
const theirs = new Promise((resolve) => spawn('/bin/sh', ['-c', 'sleep 0.3; exit 5']).on('exit', (code, signal) => resolve({ code, signal })));
const statuses = [];
for (const script of ['exit 7', 'sleep 0.3; exit 9', 'kill -TERM $$; exit 3']) {
  const h = await runner.run({ command: ['sh', '-c', script], net: 'none', init: true, stateDir: ${JSON.stringify(ctx.state)} });
  statuses.push(await h.wait());
}
const long = await runner.run({ command: ['sleep', '30'], net: 'none', stateDir: ${JSON.stringify(ctx.state)} });
const killed = long.kill('SIGKILL');
out({ statuses, theirs: await theirs, killed, longStatus: await long.wait(), killAfter: long.kill('SIGKILL') });
`,
  );
  // With --init the command is PID 2, so its own SIGTERM ends it: 128+15.
  assert.equal(r.statuses, [7, 9, 143]);
  assert.equal(r.theirs, { code: 5, signal: null });
  assert.is(r.killed, true);
  assert.is(r.longStatus, 137);
  assert.is(r.killAfter, false, 'a container that has exited is not signalled');
  assert.equal(records(ctx.state), []);
});

k.run();
