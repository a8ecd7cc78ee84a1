// Which host sockets a --publish shadows, against the DNAT rules nsrun installs (nat/rules.ts):
// from outside `fib daddr type local` or `ip daddr HOSTIP`, from the host the same with 127/8
// left out. Pure: sockets as inetSockList returns them. No privileges needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const { shadows } = await import(new URL('./nat/host.js', import.meta.resolve('@nsrun/runner')).href);
const { describeOwners } = await import(new URL('./nat/owners.js', import.meta.resolve('@nsrun/runner')).href);

const sock = (family, src, sport = 8080, v6only) => ({ family, src, sport, v6only });
const any = { hostPort: 8080, containerPort: 80, proto: 'tcp' };
const on1 = { ...any, hostIp: '192.0.2.1' };

test('shadows: the wildcard, HOSTIP, every non-loopback address without one; IPv6 for the IPv4 it takes', () => {
  /** @type {[ReturnType<typeof sock>, boolean, boolean][]} */
  const cases = [
    // socket, shadowed by a publish without HOSTIP, by one on 192.0.2.1
    [sock(4, '0.0.0.0'), true, true],
    [sock(4, '192.0.2.1'), true, true],
    [sock(4, '192.0.2.2'), true, false],
    [sock(4, '127.0.0.1'), false, false],
    [sock(4, '127.1.2.3'), false, false],
    [sock(6, '::', 8080, false), true, true],
    [sock(6, '::', 8080, undefined), true, true], // a kernel that does not say: assume it takes IPv4
    [sock(6, '::', 8080, true), false, false],
    [sock(6, '::ffff:192.0.2.1', 8080, false), true, true],
    [sock(6, '::ffff:127.0.0.1', 8080, false), false, false],
    [sock(6, '2001:db8::1', 8080, false), false, false],
    [sock(6, '::1', 8080, false), false, false],
    [sock(4, '0.0.0.0', 8081), false, false], // another port
  ];
  for (const [s, byAny, byOne] of cases) {
    assert.is(shadows(any, s), byAny, `${s.src}:${s.sport} v6only ${s.v6only}, no HOSTIP`);
    assert.is(shadows(on1, s), byOne, `${s.src}:${s.sport} v6only ${s.v6only}, HOSTIP 192.0.2.1`);
  }
});

test('describeOwners: names and pids, as ss -p would', () => {
  assert.is(describeOwners([{ pid: 12, name: 'node' }], 1), 'node (pid 12)');
  assert.is(
    describeOwners(
      [
        { pid: 10, name: 'nginx' },
        { pid: 11, name: 'nginx' },
        { pid: 3, name: 'init' },
      ],
      1,
    ),
    'nginx (pids 10, 11), init (pid 3)',
  );
  assert.is(describeOwners([], 4242), 'a socket (inode 4242) of a process nsrun cannot see');
});

test.run();
