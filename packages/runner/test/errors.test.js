// RunnerError carries its parts as data: the step, the reason (the one line after the step),
// the refused field, and what a rollback could not undo. Nothing that reads it has to cut the
// message apart again (the rollback, netd's error, the CNI plugin's).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SysError } from '@nsrun/sys';
import { NetlinkError } from '@nsrun/netlink';
import { RunnerError, NetdError } from '@nsrun/runner';
import { Rollback } from '../dist/rollback.js';

const request = { type: 16, typeName: 'RTM_NEWLINK', seq: 1, what: 'linkAdd veth0 (veth)' };

test('reason is a field: the message is "<step>: <reason>"', () => {
  const e = new RunnerError('validate', 'hostname: "bad_name" is not a valid host name', { field: 'hostname' });
  assert.is(e.step, 'validate');
  assert.is(e.reason, 'hostname: "bad_name" is not a valid host name');
  assert.is(e.field, 'hostname');
  assert.equal(e.notUndone, []);
  assert.is(e.message, `${e.step}: ${e.reason}`);
});

test('wrap keeps a SysError or NetlinkError whole, cuts another error to its first line', () => {
  const sys = new SysError('mount', 1, '/proc');
  const w1 = RunnerError.wrap('mount-proc', sys);
  assert.is(w1.reason, sys.message);
  assert.is(w1.cause, sys);
  const nl = new NetlinkError(17, request, 'File exists');
  assert.is(RunnerError.wrap('veth', nl).reason, 'linkAdd veth0 (veth): EEXIST (File exists): File exists');
  const plain = RunnerError.wrap('spawn', new Error('first line\n    at somewhere'));
  assert.is(plain.reason, 'first line');
  assert.is(plain.message, 'spawn: first line');
  assert.is(RunnerError.wrap('spawn', 'a string').reason, 'a string');
});

test('a rollback that cannot undo everything: the reason keeps the failure, notUndone lists what is left', async () => {
  const rb = new Rollback();
  rb.push('bridge', async () => {
    throw new SysError('ioctl', 16, 'brg9');
  });
  rb.push('lease', async () => {});
  rb.push('veth', async () => {
    throw new Error('gone\nsecond line');
  });
  const cause = new NetlinkError(1, request);
  const e = await rb.undo(new RunnerError('address', 'addrAdd 10.0.0.2/24 dev veth0: EPERM', { cause, field: 'ip' }), 'validate');
  assert.is(e.step, 'address');
  assert.is(e.field, 'ip');
  assert.is(e.cause, cause);
  assert.equal(e.notUndone, ['veth: gone', 'bridge: ioctl brg9: EBUSY (Device or resource busy)']);
  assert.is(e.reason, 'addrAdd 10.0.0.2/24 dev veth0: EPERM; could not undo veth: gone; bridge: ioctl brg9: EBUSY (Device or resource busy)');
  assert.is(e.message, `address: ${e.reason}`);
});

test("netd's error takes a RunnerError's step, reason and field as they are", () => {
  const r = new RunnerError('validate', 'publish: not an address of this host: 1.2.3.4', { field: 'publish' });
  const n = NetdError.from('request', r);
  assert.is(n.step, 'validate');
  assert.is(n.reason, r.reason);
  assert.is(n.field, 'publish');
  assert.is(n.message, 'netd: validate: publish: not an address of this host: 1.2.3.4');
});

test.run();
