// nsrun netd's policy file and request protocol, without the kernel: every refusal names the
// file and line (policy) or the field (request), in one line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetdError, parsePolicy, readPolicy, ruleFor, checkRuleAllows, parseNetdRequest, NETD_MAX_REQUEST_BYTES, parsePublish } from '@nsrun/runner';

const F = '/etc/nsrun/usernet';
const names = {
  users: new Map([
    ['alice', 1000],
    ['bob', 1001],
  ]),
  groups: new Map([['netusers', 500]]),
};
const refused = (fn, re) => assert.throws(fn, (e) => e instanceof NetdError && re.test(e.message) && !e.message.includes('\n'));

test('policy: rules by user name, uid and @group (name or gid); options; comments and blank lines', () => {
  const p = parsePolicy(
    `# who bridge max
alice brg0 4 nat publish=8000-8999   # alice
1001\tbrg1 1
@netusers brg0 2 subnet=10.20.0.1/24

@42 brg2 0
`,
    F,
  );
  assert.equal(
    p.rules.map((r) => [r.who, r.bridge, r.max, r.nat, r.publish, r.subnet, r.where]),
    [
      [{ kind: 'user', name: 'alice' }, 'brg0', 4, true, [8000, 8999], undefined, `${F}:2`],
      [{ kind: 'uid', uid: 1001 }, 'brg1', 1, false, undefined, undefined, `${F}:3`],
      [{ kind: 'group', name: 'netusers' }, 'brg0', 2, false, undefined, '10.20.0.1/24', `${F}:4`],
      [{ kind: 'gid', gid: 42 }, 'brg2', 0, false, undefined, undefined, `${F}:6`],
    ],
  );
  assert.equal(parsePolicy('', F).rules, []);
});

test('policy: each mistake is refused naming FILE:LINE', () => {
  /** @type {[string, RegExp][]} */
  const cases = [
    ['alice brg0', /usernet:1: want USER\|UID\|@GROUP BRIDGE MAX/],
    ['\n\nalice brg0 many', /usernet:3: MAX "many" is not a count/],
    ['alice brg0 -1', /MAX "-1" is not a count/],
    ['alice brg0 5000', /MAX "5000" is not a count \(0 to 4096\)/],
    ['alice this-name-is-too-long 1', /usernet:1: bridge "this-name-is-too-long": /],
    ['alice brg0 1 nat nat', /usernet:1: nat given twice/],
    ['alice brg0 1 publish=9000-8000', /"publish=9000-8000": want publish=LOW-HIGH/],
    ['alice brg0 1 publish=0-10', /"publish=0-10": want publish=LOW-HIGH, ports 1 to 65535/],
    ['alice brg0 1 publish=80', /"publish=80": want publish=LOW-HIGH/],
    ['alice brg0 1 subnet=10.0.0.0/33', /subnet "10.0.0.0\/33": /],
    ['alice brg0 1 masquerade', /unknown option "masquerade" \(nat, publish=LOW-HIGH, subnet=CIDR\)/],
    ['@ brg0 1', /usernet:1: a group after @ is missing/],
    ['99999999999 brg0 1', /"99999999999" is not a uid/],
  ];
  for (const [text, re] of cases) refused(() => parsePolicy(text, F), re);
  const e = (() => {
    try {
      parsePolicy('x y z', F);
    } catch (err) {
      return err;
    }
  })();
  assert.is(e.step, 'policy');
  assert.is(e.object, `${F}:1`);
});

test('policy: a file that cannot be read is refused naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-netd-policy-'));
  try {
    refused(
      () => readPolicy(join(dir, 'missing')),
      new RegExp(`^netd: policy: cannot read ${dir}/missing: ENOENT \\(no user may use netd until root writes it\\)$`),
    );
    writeFileSync(join(dir, 'ok'), 'alice brg0 1\n');
    assert.is(readPolicy(join(dir, 'ok')).rules.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ruleFor: the first rule naming the caller (by name, uid, group) and the bridge; none: refused naming the file', () => {
  const p = parsePolicy('alice brg0 4 nat\n@netusers brg1 2\n1001 brg2 1\n@7 brg3 1\n', F);
  const alice = { uid: 1000, gid: 1000, groups: [] };
  assert.is(ruleFor(p, alice, undefined, names).bridge, 'brg0');
  assert.is(ruleFor(p, alice, 'brg0', names).max, 4);
  refused(() => ruleFor(p, alice, 'brg1', names), /^netd: policy: \/etc\/nsrun\/usernet does not let uid 1000 \(alice\) use bridge brg1 \(only brg0\)$/);
  assert.is(ruleFor(p, { ...alice, groups: [500] }, 'brg1', names).max, 2);
  assert.is(ruleFor(p, { uid: 1001, gid: 1001, groups: [] }, undefined, names).bridge, 'brg2');
  assert.is(ruleFor(p, { uid: 3000, gid: 7, groups: [] }, undefined, names).bridge, 'brg3'); // primary group
  refused(
    () => ruleFor(p, { uid: 3000, gid: 3000, groups: [] }, undefined, names),
    /^netd: policy: \/etc\/nsrun\/usernet has no rule for uid 3000: ask root to add one/,
  );
  // A user name that is not in /etc/passwd names nobody.
  refused(() => ruleFor(parsePolicy('carol brg0 1', F), { uid: 1002, gid: 1002, groups: [] }, undefined, names), /has no rule for uid 1002/);
});

test('checkRuleAllows: --nat only with nat; published host ports only inside publish=LOW-HIGH', () => {
  /** @param {string} text */
  const publish = (text) => {
    const p = parsePublish(text);
    if (typeof p === 'string') throw new Error(`${text}: ${p}`);
    return p;
  };
  const [with_, without] = parsePolicy('alice brg0 4 nat publish=80-90\nbob brg0 1\n', F).rules;
  checkRuleAllows(with_, true, [publish('80:8080'), publish('90:1/udp')]);
  refused(() => checkRuleAllows(with_, false, [publish('91:80')]), /host port 91\/tcp is outside 80-90, the range \/etc\/nsrun\/usernet:1 allows/);
  refused(() => checkRuleAllows(without, true, []), /--nat is not allowed by \/etc\/nsrun\/usernet:2/);
  refused(
    () => checkRuleAllows(without, false, [publish('8080:80')]),
    /publishing host port 8080\/tcp is not allowed by \/etc\/nsrun\/usernet:2 \(the rule has no publish=LOW-HIGH\)/,
  );
});

test('requests: attach, detach, list, cni parsed strictly; who asks is never a field', () => {
  assert.equal(parseNetdRequest('{"op":"attach"}'), { op: 'attach', nat: false, publish: [], publishText: [] });
  const a = parseNetdRequest('{"op":"attach","pid":42,"bridge":"brg0","ip":"10.10.10.9","nat":true,"publish":["8080:80"]}');
  assert.equal(a, { op: 'attach', nat: true, publish: [parsePublish('8080:80')], publishText: ['8080:80'], pid: 42, bridge: 'brg0', ip: '10.10.10.9' });
  assert.equal(parseNetdRequest('{"op":"detach","id":"0123456789ab"}'), { op: 'detach', id: '0123456789ab' });
  assert.equal(parseNetdRequest('{"op":"detach","pid":7}'), { op: 'detach', pid: 7 });
  assert.equal(parseNetdRequest('{"op":"list"}'), { op: 'list' });
  assert.equal(parseNetdRequest('{"op":"cni","env":{"CNI_COMMAND":"VERSION"},"stdin":"{}"}'), { op: 'cni', env: { CNI_COMMAND: 'VERSION' }, stdin: '{}' });
  /** @type {[string, RegExp][]} */
  const cases = [
    ['', /^netd: request: not a JSON object/],
    ['null', /not a JSON object$/],
    ['"attach"', /not a JSON object$/],
    ['{"op":"exec","argv":["sh"]}', /op: must be attach, detach, list or cni, got "exec"/],
    ['{"op":"cni","env":{"CNI_COMMAND":1},"stdin":""}', /env: must be an object of strings/],
    ['{"op":"cni","env":{}}', /stdin: must be a string/],
    ['{"op":"cni","env":{},"stdin":"","uid":0}', /uid: unknown field for op cni/],
    ['{"op":"attach","uid":0}', /uid: unknown field for op attach/],
    ['{"op":"attach","pid":0}', /pid: must be a process id, got 0/],
    ['{"op":"attach","pid":"1"}', /pid: must be a process id, got "1"/],
    ['{"op":"attach","nat":"yes"}', /nat: must be true or false/],
    ['{"op":"attach","publish":"80:80"}', /publish: must be a list/],
    ['{"op":"attach","publish":["80"]}', /publish: /],
    ['{"op":"detach"}', /id: give either id or pid/],
    ['{"op":"detach","id":"../../etc"}', /id: must be a container id/],
    ['{"op":"detach","id":"0123456789ab","pid":1}', /give either id or pid/],
    ['{"op":"list","all":true}', /all: unknown field for op list/],
  ];
  for (const [line, re] of cases) refused(() => parseNetdRequest(line), re);
  assert.is(NETD_MAX_REQUEST_BYTES, 16384);
});

test('NetdError: step, object, errno and kernel text travel in a reply and come back as one line', () => {
  const e = new NetdError('owner', 'the network namespace of process 5 belongs to uid 0\nsecond line', {
    object: 'pid 5',
    code: 'EPERM',
    errno: 1,
    kernel: 'text',
  });
  assert.is(e.message, 'netd: owner: the network namespace of process 5 belongs to uid 0');
  assert.equal(e.toWire(), {
    step: 'owner',
    message: 'the network namespace of process 5 belongs to uid 0',
    object: 'pid 5',
    code: 'EPERM',
    errno: 1,
    kernel: 'text',
  });
});

test.run();
