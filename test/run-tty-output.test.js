// `nsrun run --tty` into a pipe that fills: the container's output is copied through Node's
// stream, and nsrun (which exits as soon as its command is done) exits only once all of it is
// written. Node writes a pipe synchronously unless the pipe is non-blocking (set so by a process
// sharing it): then the writes wait in the stream.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { existsSync } from 'node:fs';
import { MAIN, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';

const k = kernelSuite('nsrun run --tty: output into a full pipe');
k.before.each((ctx) => {
  ctx.state = stateDir();
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
});

k('all of it arrives, however late the reader starts', async (ctx) => {
  if (!existsSync('/usr/bin/python3')) return skip('python3 is missing: it makes the pipe non-blocking');
  // 400,000 bytes of lines, more than the pipe and the reader's buffer hold while nobody reads.
  const cmd = 'yes 0123456789abcdef | head -c 400000';
  const child = spawn(
    'nsenter',
    [`--net=${ctx.ns.procPath}`, process.execPath, MAIN, 'run', '--state-dir', ctx.state, '--net', 'none', '--tty', '--', 'sh', '-c', cmd],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pause();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const chunks = [];
  const status = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? signal)));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  child.stdout.on('data', (d) => chunks.push(d));
  child.stdout.resume();
  assert.is(await status, 0, stderr);
  // The terminal turns each \n into \r\n.
  const out = Buffer.concat(chunks).toString().replaceAll('\r\n', '\n');
  assert.is(out.length, 400_000, `${out.length} bytes arrived`);
});

k.run();
