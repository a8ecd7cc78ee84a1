// The socket bindings on a real AF_NETLINK socket. The first suite needs no privileges and
// creates nothing in any namespace (a netlink socket that is opened, bound and closed); the
// kernel suite talks rtnetlink inside a fresh network namespace, so its answers are known
// (only `lo`) and it skips without root.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  SysError,
  socket,
  bind,
  getsockname,
  setsockopt,
  setsockoptInt,
  getsockoptInt,
  send,
  sendto,
  recv,
  recvfrom,
  close,
  SOCK_RAW,
  SOCK_CLOEXEC,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_SNDBUF,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_TRUNC,
} from '@nsrun/sys';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

const AF_NETLINK = 16;
const NETLINK_ROUTE = 0;
const SOCKADDR_NL_LEN = 12;
const RTM_GETLINK = 18;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const RTM_NEWLINK = 16;
const IFLA_IFNAME = 3;

/** struct sockaddr_nl { sa_family_t nl_family; u16 pad; u32 nl_pid; u32 nl_groups; } */
function sockaddrNl(port = 0, groups = 0) {
  const sa = Buffer.alloc(SOCKADDR_NL_LEN);
  sa.writeUInt16LE(AF_NETLINK, 0);
  sa.writeUInt32LE(port, 4);
  sa.writeUInt32LE(groups, 8);
  return sa;
}

function netlinkSocket() {
  return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/** A netlink socket bound to a kernel-assigned port: [fd, port]. */
function boundSocket() {
  const fd = netlinkSocket();
  try {
    bind(fd, sockaddrNl(0));
    return [fd, getsockname(fd, SOCKADDR_NL_LEN).readUInt32LE(4)];
  } catch (e) {
    close(fd);
    throw e;
  }
}

/** RTM_GETLINK dump request: nlmsghdr (16) + struct ifinfomsg (16), all of it zero but the header. */
function linkDumpRequest(seq) {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(32, 0);
  b.writeUInt16LE(RTM_GETLINK, 4);
  b.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  b.writeUInt32LE(seq, 8);
  return b;
}

/** Splits a datagram into {type, flags, seq, pid, body}. */
function messages(buf) {
  const out = [];
  for (let off = 0; off + 16 <= buf.length;) {
    const len = buf.readUInt32LE(off);
    assert.ok(len >= 16 && off + len <= buf.length, `bad nlmsghdr length ${len} at ${off}`);
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      body: buf.subarray(off + 16, off + len),
    });
    off += (len + 3) & ~3;
  }
  return out;
}

/** IFLA_IFNAME of an RTM_NEWLINK body (ifinfomsg is 16 bytes, then attributes). */
function ifname(body) {
  for (let p = 16; p + 4 <= body.length;) {
    const len = body.readUInt16LE(p);
    if (len < 4) break;
    if ((body.readUInt16LE(p + 2) & 0x3fff) === IFLA_IFNAME) return body.toString('utf8', p + 4, p + len).replace(/\0+$/, '');
    p += (len + 3) & ~3;
  }
  return undefined;
}

/** Reads dump answers with MSG_DONTWAIT until NLMSG_DONE; rtnetlink queues them during the send. */
function readDump(fd, seq, rx = Buffer.alloc(64 * 1024)) {
  const names = [];
  for (let rounds = 0; rounds < 1000; rounds++) {
    const n = recv(fd, rx, MSG_DONTWAIT);
    for (const m of messages(rx.subarray(0, n))) {
      assert.is(m.seq, seq);
      if (m.type === NLMSG_DONE) return names;
      if (m.type === NLMSG_ERROR) assert.unreachable(`kernel answered the dump with error ${m.body.readInt32LE(0)}`);
      assert.is(m.type, RTM_NEWLINK);
      names.push(ifname(m.body));
    }
  }
  assert.unreachable('dump did not end');
}

const eagain = (e) => e instanceof SysError && e.code === 'EAGAIN' && e.errno === 11 && e.syscall === 'recv';

test('socket/bind/getsockname: the kernel assigns a nonzero port', () => {
  const [a, portA] = boundSocket();
  const [b, portB] = boundSocket();
  try {
    assert.ok(a >= 0 && b >= 0 && a !== b);
    const addr = getsockname(a);
    assert.is(addr.length, SOCKADDR_NL_LEN, 'getsockname trims to the address length the kernel reports');
    assert.is(addr.readUInt16LE(0), AF_NETLINK);
    assert.is(addr.readUInt32LE(8), 0, 'no multicast groups');
    assert.ok(portA !== 0 && portB !== 0, `ports ${portA}, ${portB}`);
    assert.is.not(portA, portB);
  } finally {
    close(a);
    close(b);
  }
});

test('bind to a port already taken fails with EADDRINUSE', () => {
  const [a, port] = boundSocket();
  const b = netlinkSocket();
  try {
    assert.throws(
      () => bind(b, sockaddrNl(port)),
      (e) => e instanceof SysError && e.syscall === 'bind' && e.code === 'EADDRINUSE' && e.target === `fd ${b}`,
    );
  } finally {
    close(a);
    close(b);
  }
});

test('setsockopt/getsockopt int: SO_RCVBUF and SO_SNDBUF read back doubled', () => {
  const fd = netlinkSocket();
  try {
    setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, 65536);
    assert.is(getsockoptInt(fd, SOL_SOCKET, SO_RCVBUF), 131072);
    // The raw form, same option.
    const v = Buffer.alloc(4);
    v.writeInt32LE(32768);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, v);
    assert.is(getsockoptInt(fd, SOL_SOCKET, SO_RCVBUF), 65536);
    setsockoptInt(fd, SOL_SOCKET, SO_SNDBUF, 40000);
    assert.is(getsockoptInt(fd, SOL_SOCKET, SO_SNDBUF), 80000);
    // An option that does not exist at this level.
    assert.throws(
      () => getsockoptInt(fd, SOL_SOCKET, 9999),
      (e) => e instanceof SysError && e.syscall === 'getsockopt' && e.code === 'ENOPROTOOPT' && /option 9999/.test(e.message),
    );
  } finally {
    close(fd);
  }
});

test('recv with MSG_DONTWAIT on an empty socket is SysError EAGAIN, not a hang', () => {
  const [fd] = boundSocket();
  try {
    assert.throws(() => recv(fd, Buffer.alloc(256), MSG_DONTWAIT), eagain);
    assert.throws(
      () => recvfrom(fd, Buffer.alloc(256), MSG_DONTWAIT, Buffer.alloc(SOCKADDR_NL_LEN)),
      (e) => e instanceof SysError && e.code === 'EAGAIN' && e.syscall === 'recvfrom',
    );
  } finally {
    close(fd);
  }
});

test('a closed fd is EBADF for every call', () => {
  const fd = netlinkSocket();
  close(fd);
  const ebadf = (call) => (e) => e instanceof SysError && e.code === 'EBADF' && e.syscall === call && e.target?.startsWith(`fd ${fd}`);
  assert.throws(() => close(fd), ebadf('close'));
  assert.throws(() => bind(fd, sockaddrNl()), ebadf('bind'));
  assert.throws(() => getsockname(fd), ebadf('getsockname'));
  assert.throws(() => getsockoptInt(fd, SOL_SOCKET, SO_RCVBUF), ebadf('getsockopt'));
  assert.throws(() => send(fd, linkDumpRequest(1)), ebadf('send'));
  assert.throws(() => recv(fd, Buffer.alloc(16), MSG_DONTWAIT), ebadf('recv'));
});

test('socket() with an unknown netlink protocol fails with EPROTONOSUPPORT', () => {
  assert.throws(
    () => socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 9999),
    (e) => e instanceof SysError && e.syscall === 'socket' && e.code === 'EPROTONOSUPPORT',
  );
});

test.run();

const k = kernelSuite('socket (rtnetlink in a fresh netns)');

k('send + recv: an RTM_GETLINK dump lists lo, then recv is EAGAIN', (ctx) => {
  const fd = ctx.ns.run(netlinkSocket);
  try {
    bind(fd, sockaddrNl(0));
    assert.throws(() => recv(fd, Buffer.alloc(256), MSG_DONTWAIT), eagain, 'nothing queued before the request');
    const req = linkDumpRequest(42);
    assert.is(send(fd, req, 0), req.length);
    assert.equal(readDump(fd, 42), ['lo']);
    assert.throws(() => recv(fd, Buffer.alloc(256), MSG_DONTWAIT), eagain, 'nothing left after NLMSG_DONE');
  } finally {
    close(fd);
  }
});

k('recvfrom names the kernel as sender (port 0); replies carry our port', (ctx) => {
  const fd = ctx.ns.run(netlinkSocket);
  try {
    bind(fd, sockaddrNl(0));
    const port = getsockname(fd).readUInt32LE(4);
    // sendto with an explicit kernel address (nl_pid 0) this time.
    const req = linkDumpRequest(7);
    assert.is(sendto(fd, req, 0, sockaddrNl(0)), req.length);
    const rx = Buffer.alloc(64 * 1024);
    const from = Buffer.alloc(SOCKADDR_NL_LEN, 0xff);
    const [n, fromLen] = recvfrom(fd, rx, MSG_DONTWAIT, from);
    assert.ok(n > 16, `datagram of ${n} bytes`);
    assert.is(fromLen, SOCKADDR_NL_LEN);
    assert.is(from.readUInt16LE(0), AF_NETLINK);
    assert.is(from.readUInt32LE(4), 0, 'sender port: the kernel');
    assert.is(from.readUInt32LE(8), 0, 'unicast, no groups');
    const [first] = messages(rx.subarray(0, n));
    assert.is(first.seq, 7);
    assert.is(first.pid, port);
    readDump(fd, 7, rx); // drain the rest
  } finally {
    close(fd);
  }
});

k('recv with MSG_PEEK|MSG_TRUNC reports the whole datagram length and leaves it queued', (ctx) => {
  const fd = ctx.ns.run(netlinkSocket);
  try {
    bind(fd, sockaddrNl(0));
    send(fd, linkDumpRequest(9));
    const small = Buffer.alloc(8);
    const real = recv(fd, small, MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC);
    assert.ok(real > small.length, `real length ${real}`);
    const rx = Buffer.alloc(64 * 1024);
    assert.is(recv(fd, rx, MSG_DONTWAIT), real, 'the peeked datagram is still there, whole');
    const [m] = messages(rx.subarray(0, real));
    assert.is(m.type, RTM_NEWLINK);
    assert.is(ifname(m.body), 'lo');
  } finally {
    close(fd);
  }
});

k.run();
