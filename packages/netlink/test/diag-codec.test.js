// sock_diag (NETLINK_SOCK_DIAG, inet sockets) against the bytes of the real `ss` (iproute2 6.1)
// and the kernel's replies to it, captured by fixtures/diag-capture.js: our requests must be
// byte for byte what ss sends, and what the kernel sends must decode to the values read off
// the annotated fixture files (not produced by this codec) and re-encode to the same bytes.
// The client's dump loop and its errors run here too, over a stand-in socket that answers with
// the captured datagrams. No root needed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NetlinkError, ValidationError, DecodeError } from '@nsrun/netlink';
import { AF_INET, AF_INET6 } from '@nsrun/netlink/constants';
import { Writer, splitMessages, findAttr } from '@nsrun/netlink/wire';
import { IPPROTO_TCP, IPPROTO_UDP } from '@nsrun/netlink/nf';
import {
  SockDiagClient,
  writeDiagRequest,
  inetSockListRequest,
  inetSockFromMessage,
  bytecodeSport,
  decodeInetDiagReq,
  encodeInetDiagReq,
  decodeInetDiagMsg,
  encodeInetDiagMsg,
  sockopt,
  SOCK_DIAG_BY_FAMILY,
  TCP_LISTEN,
  TCP_CLOSE,
  INET_DIAG_MSG_LEN,
} from '@nsrun/netlink/diag';
import { load } from './fixtures/load.js';

const hex = (b) => Buffer.from(b).toString('hex');
const SS_SEQ = 123456; // ss numbers every request so
/** Our request for `filter`, framed as ss frames its own. */
function asSs(filter) {
  const w = new Writer();
  writeDiagRequest(w, inetSockListRequest(filter), SS_SEQ);
  return w.view();
}
const same = (ours, name) => assert.is(hex(ours), hex(load(name)), `${name}: byte for byte ss's`);
const reencode = (enc, dec, m) => {
  const w = new Writer();
  enc(w, dec(m.buf, m.start, m.end));
  return hex(w.view());
};
const body = (m) => hex(m.buf.subarray(m.start, m.end));

// ---- requests -------------------------------------------------------------------------------

const req = suite('sock_diag requests: struct inet_diag_req_v2 as ss sends it');

req('listeners: the dump request of `ss -ltn` (TCP, AF_INET) and `ss -lun` (UDP, AF_INET6)', () => {
  same(asSs({ family: 4, protocol: 'tcp', states: ['CLOSE', 'LISTEN'] }), 'diag-req-tcp4-listen');
  same(asSs({ family: 6, protocol: 'udp', states: ['LISTEN', 'CLOSE'] }), 'diag-req-udp6-listen');
});

req('a local port: `ss -ltn sport = :8080` sends one INET_DIAG_BC_S_COND', () => {
  same(asSs({ family: 4, protocol: 'tcp', states: ['CLOSE', 'LISTEN'], sport: 8080 }), 'diag-req-tcp4-sport');
  assert.is(hex(bytecodeSport(8080)), '07101400' + '00000000' + '901f0000' + '00000000');
});

req('decoded: the values of the annotated files; encoded back: the same bytes', () => {
  const [m] = splitMessages(load('diag-req-tcp4-sport'));
  assert.equal([m.type, m.flags, m.seq], [SOCK_DIAG_BY_FAMILY, 0x301, SS_SEQ]);
  const r = decodeInetDiagReq(m.buf, m.start, m.end);
  assert.equal(r, {
    family: AF_INET,
    protocol: IPPROTO_TCP,
    ext: 0,
    pad: 0,
    states: (1 << TCP_CLOSE) | (1 << TCP_LISTEN),
    id: { sport: 0, dport: 0, src: '0.0.0.0', dst: '0.0.0.0', ifindex: 0, cookie: 0n },
    attrs: [{ type: 'bytecode', value: Buffer.from('0710140000000000901f000000000000', 'hex') }],
  });
  for (const name of ['diag-req-tcp4-listen', 'diag-req-udp6-listen', 'diag-req-tcp4-sport']) {
    const [x] = splitMessages(load(name));
    assert.is(reencode(encodeInetDiagReq, decodeInetDiagReq, x), body(x), name);
  }
  const [u] = splitMessages(load('diag-req-udp6-listen'));
  const ur = decodeInetDiagReq(u.buf, u.start, u.end);
  assert.equal([ur.family, ur.protocol, ur.id.src, ur.id.dst], [AF_INET6, IPPROTO_UDP, '::', '::']);
});

req('bad filters are refused before anything is sent', () => {
  /** @type {[any, string][]} filters the types refuse too, on purpose */
  const refused = [
    [{ family: 5, protocol: 'tcp' }, 'family'],
    [{ family: 4, protocol: 'sctp' }, 'protocol'],
    [{ family: 4, protocol: 'tcp', states: ['LISTENING'] }, 'states'],
    [{ family: 4, protocol: 'tcp', states: [] }, 'states'],
    [{ family: 4, protocol: 'tcp', sport: 0 }, 'sport'],
    [{ family: 4, protocol: 'tcp', sport: 65536 }, 'sport'],
  ];
  for (const [f, field] of refused) {
    try {
      inetSockListRequest(f);
      assert.unreachable(JSON.stringify(f));
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      assert.is(e.field, field, JSON.stringify(f));
    }
  }
  // Every state when none is named.
  const [m] = splitMessages(asSs({ family: 4, protocol: 'tcp' }));
  assert.is(decodeInetDiagReq(m.buf, m.start, m.end).states, 0xffffffff);
});

req.run();

// ---- answers --------------------------------------------------------------------------------

const ans = suite('sock_diag answers: struct inet_diag_msg and INET_DIAG_* attributes');

const socks = (name, protocol) => splitMessages(load(name)).map((m) => inetSockFromMessage(decodeInetDiagMsg(m.buf, m.start, m.end), protocol));
const brief = (s) => [s.family, s.protocol, s.state, s.src, s.sport, s.dst, s.dport, s.inode, s.cookie, s.v6only];

ans('TCP listeners, AF_INET: 127.0.0.1:8081 and 0.0.0.0:8080', () => {
  assert.equal(socks('diag-dump-tcp4', 'tcp').map(brief), [
    [4, 'tcp', 'LISTEN', '127.0.0.1', 8081, '0.0.0.0', 0, 24254, 0x2en, undefined],
    [4, 'tcp', 'LISTEN', '0.0.0.0', 8080, '0.0.0.0', 0, 24253, 0x2fn, undefined],
  ]);
  const [m] = splitMessages(load('diag-dump-tcp4'));
  const d = decodeInetDiagMsg(m.buf, m.start, m.end);
  assert.equal(
    { ...d, id: undefined, attrs: undefined },
    {
      family: AF_INET,
      state: TCP_LISTEN,
      timer: 0,
      retrans: 0,
      id: undefined,
      expires: 0,
      rqueue: 0,
      wqueue: 511,
      uid: 0,
      inode: 24254,
      attrs: undefined,
    },
  );
  assert.equal(
    d.attrs.map((a) => [a.type, 'value' in a ? a.value : undefined]),
    [
      ['shutdown', 0],
      ['mark', 0],
      ['cgroupId', 1n],
      [
        'sockopt',
        {
          recverr: false,
          isIcsk: true,
          freebind: false,
          hdrincl: false,
          mcLoop: true,
          transparent: false,
          mcAll: true,
          nodefrag: false,
          bindAddressNoPort: false,
          recverrRfc4884: false,
          deferConnect: false,
          unused: 0,
        },
      ],
    ],
  );
});

ans('TCP listeners, AF_INET6: INET_DIAG_SKV6ONLY tells [::]:8083 (IPv6 only) from [::]:8082 (IPv4 too)', () => {
  assert.equal(socks('diag-dump-tcp6', 'tcp').map(brief), [
    [6, 'tcp', 'LISTEN', '::', 8083, '::', 0, 24256, 0x30n, true],
    [6, 'tcp', 'LISTEN', '::', 8082, '::', 0, 24255, 0x31n, false],
  ]);
});

ans('UDP: unconnected sockets are CLOSE; a v4-mapped address reads ::ffff:a.b.c.d', () => {
  assert.equal(socks('diag-dump-udp4', 'udp').map(brief), [[4, 'udp', 'CLOSE', '0.0.0.0', 5353, '0.0.0.0', 0, 24257, 0x1019n, undefined]]);
  assert.equal(socks('diag-dump-udp6', 'udp').map(brief), [
    [6, 'udp', 'CLOSE', '::', 5354, '::', 0, 24258, 0x101an, true],
    [6, 'udp', 'CLOSE', '::ffff:127.0.0.1', 5355, '::', 0, 24259, 0x101bn, false],
  ]);
  assert.equal(
    socks('diag-dump-tcp4-sport', 'tcp').map((s) => [s.src, s.sport, s.inode]),
    [['0.0.0.0', 8080, 24253]],
  );
});

ans("every answer re-encodes to the kernel's bytes", () => {
  for (const name of ['diag-dump-tcp4', 'diag-dump-tcp6', 'diag-dump-udp4', 'diag-dump-udp6', 'diag-dump-tcp4-sport']) {
    for (const m of splitMessages(load(name))) assert.is(reencode(encodeInetDiagMsg, decodeInetDiagMsg, m), body(m), name);
  }
});

ans('nothing dropped: unknown attributes, odd lengths and non-zero address tails survive a round trip', () => {
  const [m] = splitMessages(load('diag-dump-tcp4'));
  const b = Buffer.from(m.buf.subarray(m.start, m.end));
  b[4 + 4 + 5] = 9; // a byte in idiag_src's tail, which the kernel zeroes for AF_INET
  const w = new Writer();
  w.bytes(b).attrU32(99, 7).attrU8(22, 1); // an attribute this codec does not know; a SOCKOPT of 1 byte
  const bytes = w.toBuffer();
  const d = decodeInetDiagMsg(bytes, 0, bytes.length);
  assert.is(d.id.src, '7f00:1:9::', 'shown as the 16 bytes it is');
  assert.equal(
    d.attrs.slice(-2).map((a) => [a.type, 'code' in a ? a.code : undefined]),
    [
      ['unknown', 99],
      ['unknown', 22],
    ],
  );
  const back = new Writer();
  encodeInetDiagMsg(back, d);
  assert.is(hex(back.view()), hex(bytes));
  assert.throws(
    () => decodeInetDiagMsg(bytes, 0, INET_DIAG_MSG_LEN - 1),
    (e) => e instanceof DecodeError,
  );
  assert.is(sockopt.decode(Buffer.from([0xff, 0xff]), 0, 2).unused, 31);
});

ans.run();

// ---- the client -----------------------------------------------------------------------------

const client = suite('SockDiagClient: dumps and errors');

/**
 * A stand-in for NetlinkSocket that answers each request with `answer(sentBytes)`'s datagrams.
 * @returns {import('@nsrun/netlink/transport').NetlinkSocket & { sent: Buffer[] }} (the methods the client calls; cast, as NetlinkSocket is a class)
 */
function fakeSocket(port, answer) {
  const queue = [];
  return /** @type {any} */ ({
    port,
    closed: false,
    sent: [],
    send(b) {
      this.sent.push(Buffer.from(b));
      queue.push(...answer(Buffer.from(b)));
    },
    receive() {
      return queue.length ? { data: queue.shift(), port: 0, groups: 0 } : undefined;
    },
    close() {},
  });
}
/** A captured datagram with every message renumbered for `seq` and port `port`. */
function renumber(name, seq, port) {
  const b = Buffer.from(load(name));
  for (const m of splitMessages(b)) {
    b.writeUInt32LE(seq, m.start - 8);
    b.writeUInt32LE(port, m.start - 4);
  }
  return b;
}

client('a dump: every socket up to NLMSG_DONE, in a datagram of its own', async () => {
  const { inetSockList } = await import('@nsrun/netlink/diag');
  const sock = fakeSocket(25, (sent) => {
    const seq = sent.readUInt32LE(8);
    return [renumber('diag-dump-tcp6', seq, 25), renumber('diag-dump-tcp4', seq + 1, 25), renumber('diag-done', seq, 25)];
  });
  const c = new SockDiagClient(sock, 50);
  const list = await inetSockList(c, { family: 6, protocol: 'tcp', states: ['LISTEN'] });
  assert.equal(
    list.map((s) => `[${s.src}]:${s.sport}`),
    ['[::]:8083', '[::]:8082'],
    'answers for another sequence number are not ours',
  );
  const [m] = splitMessages(sock.sent[0]);
  assert.equal([m.type, m.flags], [SOCK_DIAG_BY_FAMILY, 0x301]);
  assert.is(findAttr(decodeInetDiagReq(m.buf, m.start, m.end).attrs, 'bytecode'), undefined);
});

client('a failed dump (NLMSG_DONE with -ENOENT: no SCTP diagnostics) is a NetlinkError naming the request', async () => {
  const sock = fakeSocket(37, (sent) => [renumber('diag-error-sctp', sent.readUInt32LE(8), 37)]);
  const c = new SockDiagClient(sock, 50);
  try {
    await c.dump({ what: 'sctp listeners', body: (w) => w.u8(AF_INET).u8(132).u8(0).u8(0).u32(0x480).zeros(48) }, () => 1);
    assert.unreachable('must fail');
  } catch (e) {
    if (!(e instanceof NetlinkError)) throw e;
    assert.is(e.code, 'ENOENT');
    assert.is(e.request.typeName, 'SOCK_DIAG_BY_FAMILY');
    assert.is(e.message, 'sctp listeners: ENOENT (No such file or directory)');
  }
});

client.run();
