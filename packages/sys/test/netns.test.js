import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NetNs, SysError, socket, close } from '@nsrun/sys';
import { kernelSuite } from '../../../test/helpers/kernel.js';

test('SysError carries the call, errno and its name', () => {
  try {
    close(987654);
    assert.unreachable('close of a bad fd succeeded');
  } catch (e) {
    assert.instance(e, SysError);
    assert.is(e.syscall, 'close');
    assert.is(e.errno, 9);
    assert.is(e.code, 'EBADF');
    assert.match(e.message, /close fd 987654: EBADF/);
  }
});

test('fromPath refuses a file that is not a network namespace', () => {
  assert.throws(() => NetNs.fromPath('/etc/hostname'), (e) => e instanceof SysError && e.code === 'EINVAL');
  assert.throws(() => NetNs.fromPath('/nonexistent/ns'), (e) => e instanceof SysError && e.code === 'ENOENT');
});

test.run();

const k = kernelSuite('netns');
k('run() enters the namespace and always comes back', (ctx) => {
  const here = NetNs.current();
  try {
    const inside = ctx.ns.run(() => NetNs.current().id);
    assert.is(inside, ctx.ns.id);
    assert.is(NetNs.current().id, here.id);
    assert.throws(() => ctx.ns.run(() => { throw new Error('boom'); }), /boom/);
    assert.is(NetNs.current().id, here.id);
    assert.throws(() => ctx.ns.run(async () => 1), /synchronous/);
    assert.is(NetNs.current().id, here.id);
  } finally {
    here.close();
  }
});
k('a socket made inside run() belongs to that namespace', (ctx) => {
  const fd = ctx.ns.run(() => socket(16, 3 | 0o2000000, 0));
  close(fd);
});
k.run();
