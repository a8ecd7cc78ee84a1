// nf_tables framing, tables and chains against the bytes of the real `nft` (nftables 1.0.6)
// and the kernel's replies to it, captured by fixtures/nf-capture.js: our messages must be
// byte-for-byte what nft sends, and what the kernel sends must decode to the values read off the
// annotated fixture files (not produced by this codec) and re-encode to the same bytes. The
// client's error attribution runs here too, over a stand-in socket that answers with the
// kernel's captured replies. No root needed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError, NetlinkError, NetlinkTimeoutError } from '@nsrun/netlink';
import { NLM_F_REQUEST, NLM_F_DUMP, NLM_F_MULTI, NLM_F_ACK_TLVS, NLMSG_DONE } from '@nsrun/netlink/constants';
import { Writer, splitMessages, decodeError, findAttr } from '@nsrun/netlink/wire';
import {
  NftClient,
  encodeBatch,
  writeNftRequest,
  locateAttr,
  readNfGenMsg,
  writeNfGenMsg,
  nftType,
  nfSubsys,
  nfMsg,
  nftFamilyName,
  nftHookName,
  u64be,
  s32be,
  NFT_MSG_NEWTABLE,
  NFT_MSG_GETTABLE,
  NFT_MSG_NEWCHAIN,
  NFT_MSG_GETCHAIN,
  NFNL_SUBSYS_NFTABLES,
  NFPROTO_INET,
  NFPROTO_IPV4,
  NFPROTO_UNSPEC,
  NFT_TABLE_F_DORMANT,
  NFT_CHAIN_BASE,
  NF_IP_PRI_NAT_SRC,
  NF_IP_PRI_NAT_DST,
  NF_IP_PRI_FILTER,
  nftTableAddRequest,
  nftTableDelRequest,
  nftChainAddRequest,
  nftChainDelRequest,
  decodeTable,
  decodeChain,
  decodeTableMessage,
  encodeTableMessage,
  decodeChainMessage,
  encodeChainMessage,
  udataComment,
  commentUdata,
  parseUdata,
} from '@nsrun/netlink/nf';
import { load } from './fixtures/load.js';

const hex = (b) => Buffer.from(b).toString('hex');
/** Our batch for `msgs`, laid out as nft lays out its own: sequence numbers from 0, no NLM_F_ACK. */
const asNft = (msgs) => encodeBatch(msgs, 0, { ack: 'none' }).bytes;
const same = (ours, name) => assert.is(hex(ours), hex(load(name)), `${name}: byte-for-byte nft's`);
/** The body (nfgenmsg + attributes) of every message of a fixture. */
const messages = (name) => splitMessages(load(name));
const reencode = (enc, decode, m) => {
  const w = new Writer();
  enc(w, decode(m.buf, m.start, m.end));
  return hex(w.view());
};

// ---- framing ------------------------------------------------------------------------------------

const framing = suite('nf framing: nfgenmsg, message types');

framing('nfgenmsg: family u8, version NFNETLINK_V0, res_id big-endian', () => {
  const w = new Writer();
  writeNfGenMsg(w, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES);
  assert.is(hex(w.view()), '0000000a'); // as in every BATCH_BEGIN of the fixtures
  assert.equal(readNfGenMsg(Buffer.from('01000007', 'hex'), 0, 4), { family: NFPROTO_INET, version: 0, resId: 7 });
  assert.throws(() => readNfGenMsg(Buffer.alloc(3), 0, 3), /too short for struct nfgenmsg/);
});

framing('message type: subsystem in the high byte', () => {
  assert.is(nftType(NFT_MSG_NEWCHAIN), 0xa03);
  assert.is(nfSubsys(0xa03), NFNL_SUBSYS_NFTABLES);
  assert.is(nfMsg(0xa03), NFT_MSG_NEWCHAIN);
});

framing('big-endian codecs: u64 handles and signed priorities', () => {
  const w = new Writer();
  u64be.encode(w, 0x0102030405060708n);
  s32be.encode(w, -100);
  assert.is(hex(w.view()), '0102030405060708ffffff9c');
  assert.is(u64be.decode(w.view(), 0, 8), 0x0102030405060708n);
  assert.is(s32be.decode(w.view(), 8, 4), -100);
  assert.is(u64be.decode(w.view(), 0, 4), undefined);
});

framing('dump request: as nft asks for tables and chains', () => {
  /** @type {[number, string][]} */
  const dumps = [
    [NFT_MSG_GETTABLE, 'nf-req-table-dump'],
    [NFT_MSG_GETCHAIN, 'nf-req-chain-dump'],
  ];
  for (const [type, name] of dumps) {
    const w = new Writer();
    writeNftRequest(w, { type, family: NFPROTO_UNSPEC, flags: NLM_F_DUMP, what: 'dump', body: () => {} }, 0, NLM_F_REQUEST);
    same(w.view(), name);
  }
});

framing('batch: BEGIN, the messages, END; sequence numbers consecutive; NLM_F_ACK on the last message', () => {
  const msgs = [nftTableAddRequest({ family: 'inet', name: 'nsrun' }), nftChainAddRequest({ family: 'inet', table: 'nsrun', name: 'a' })];
  const b = encodeBatch(msgs, 41);
  const ms = splitMessages(b.bytes);
  const NLM_F_ACK = 4,
    NLM_F_CREATE = 0x400;
  assert.equal(
    ms.map((m) => [m.type, m.flags, m.seq]),
    [
      [0x10, NLM_F_REQUEST, 41],
      [0xa00, NLM_F_REQUEST, 42],
      [0xa03, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK, 43],
      [0x11, NLM_F_REQUEST, 44],
    ],
  );
  assert.equal(b.offsets, [20, ms[2].start - 16]);
  assert.is(b.beginSeq, 41);
  assert.equal(
    splitMessages(encodeBatch(msgs, 0, { ack: 'every' }).bytes).map((m) => m.flags & NLM_F_ACK),
    [0, NLM_F_ACK, NLM_F_ACK, 0],
  );
  // Sequence numbers wrap.
  assert.equal(
    splitMessages(encodeBatch(msgs, 0xffffffff).bytes).map((m) => m.seq),
    [0xffffffff, 0, 1, 2],
  );
});

// ---- requests: byte-for-byte nft's --------------------------------------------------------------

const requests = suite('nf requests: tables and chains as nft sends them');

requests('add table inet nsrun', () => same(asNft([nftTableAddRequest({ family: 'inet', name: 'nsrun' })]), 'nf-req-table-add'));

requests('add table ip nsrun2 { flags dormant; comment "made by nsrun"; }', () => {
  same(asNft([nftTableAddRequest({ family: 'ip', name: 'nsrun2', dormant: true, comment: 'made by nsrun' })]), 'nf-req-table-add-flags');
});

requests('create table inet nsrun (NLM_F_EXCL)', () => {
  same(asNft([nftTableAddRequest({ family: 'inet', name: 'nsrun', exclusive: true })]), 'nf-req-table-create');
});

requests('add chain: nat postrouting priority srcnat, policy accept', () => {
  same(
    asNft([
      nftChainAddRequest({
        family: 'inet',
        table: 'nsrun',
        name: 'postrouting',
        type: 'nat',
        hook: 'postrouting',
        priority: NF_IP_PRI_NAT_SRC,
        policy: 'accept',
      }),
    ]),
    'nf-req-chain-add-nat',
  );
});

requests('add chain: nat prerouting priority dstnat (negative), no policy', () => {
  same(
    asNft([nftChainAddRequest({ family: 'inet', table: 'nsrun', name: 'prerouting', type: 'nat', hook: 'prerouting', priority: NF_IP_PRI_NAT_DST })]),
    'nf-req-chain-add-dstnat',
  );
});

requests('add chain: filter forward, policy drop, comment', () => {
  same(
    asNft([
      nftChainAddRequest({
        family: 'inet',
        table: 'nsrun',
        name: 'forward',
        type: 'filter',
        hook: 'forward',
        priority: NF_IP_PRI_FILTER,
        policy: 'drop',
        comment: 'nsrun forward',
      }),
    ]),
    'nf-req-chain-add-filter',
  );
});

requests('add chain: a regular chain', () => {
  same(asNft([nftChainAddRequest({ family: 'inet', table: 'nsrun', name: 'regular' })]), 'nf-req-chain-add-regular');
});

requests('delete chain by name, table by name and by handle', () => {
  same(asNft([nftChainDelRequest({ family: 'inet', table: 'nsrun', name: 'regular' })]), 'nf-req-chain-del');
  same(asNft([nftTableDelRequest({ family: 'ip', name: 'nsrun2' })]), 'nf-req-table-del');
  same(asNft([nftTableDelRequest({ family: 'inet', handle: 1 })]), 'nf-req-table-del-handle');
});

requests('a batch of four messages (nft -f)', () => {
  same(
    asNft([
      nftTableAddRequest({ family: 'inet', name: 't3' }),
      nftChainAddRequest({ family: 'inet', table: 't3', name: 'a' }),
      nftChainAddRequest({ family: 'inet', table: 't3', name: 'b', type: 'nat', hook: 'forward', priority: 0 }),
      nftChainAddRequest({ family: 'inet', table: 't3', name: 'c' }),
    ]),
    'nf-req-batch-third-fails',
  );
});

requests('what names the operation and the object', () => {
  assert.is(
    nftChainAddRequest({ family: 'inet', table: 'nsrun', name: 'postrouting', type: 'nat', hook: 'postrouting', priority: 100, policy: 'accept' }).what,
    'nftChainAdd inet nsrun postrouting (nat hook postrouting priority 100 policy accept)',
  );
  assert.is(nftTableDelRequest({ family: 'inet', handle: 7 }).what, 'nftTableDel inet handle 7');
});

requests('validation: refused before anything is sent', () => {
  // (the @ts-expect-error lines: values the types already refuse, refused at run time too)
  const bad = [
    // @ts-expect-error: no family 'ipv4'
    () => nftTableAddRequest({ family: 'ipv4', name: 'x' }),
    () => nftTableAddRequest({ family: 'inet', name: '' }),
    () => nftTableAddRequest({ family: 'inet', name: 'x'.repeat(256) }),
    () => nftTableAddRequest({ family: 'inet', name: 'x', comment: 'c', userdata: new Uint8Array(1) }),
    () => nftTableAddRequest({ family: 'inet', name: 'x', userdata: new Uint8Array(257) }),
    () => nftTableDelRequest({ family: 'inet', handle: 0 }),
    () => nftChainAddRequest({ family: 'inet', table: 't', name: 'c', type: 'nat', priority: 0 }), // no hook
    () => nftChainAddRequest({ family: 'inet', table: 't', name: 'c', hook: 'postrouting', priority: 0 }), // no type
    () => nftChainAddRequest({ family: 'inet', table: 't', name: 'c', type: 'nat', hook: 'postrouting' }), // no priority
    () => nftChainAddRequest({ family: 'inet', table: 't', name: 'c', type: 'nat', hook: 'postrouting', priority: 2 ** 31 }),
    () => nftChainAddRequest({ family: 'inet', table: 't', name: 'c', type: 'filter', hook: 'egress', priority: 0 }), // netdev only
    // @ts-expect-error: no policy 'reject'
    () => nftChainAddRequest({ family: 'inet', table: 't', name: 'c', type: 'filter', hook: 'input', priority: 0, policy: 'reject' }),
    // @ts-expect-error: no chain type 'mangle'
    () => nftChainAddRequest({ family: 'inet', table: 't', name: 'c', type: 'mangle', hook: 'input', priority: 0 }),
  ];
  for (const f of bad) assert.throws(f, (e) => e instanceof ValidationError, f.toString());
  assert.is(nftChainAddRequest({ family: 'netdev', table: 't', name: 'c', type: 'filter', hook: 'egress', priority: 0, device: 'lo' }).type, NFT_MSG_NEWCHAIN);
});

// ---- replies: the kernel's dumps ----------------------------------------------------------------

const replies = suite('nf replies: table and chain dumps decode and re-encode');

replies('tables: inet nsrun and ip nsrun2 (dormant, commented)', () => {
  const ms = messages('nf-dump-table-1');
  assert.equal(
    ms.map((m) => [m.type, m.flags, m.seq, m.pid]),
    [
      [0xa00, NLM_F_MULTI, 0, 42],
      [0xa00, NLM_F_MULTI, 0, 42],
    ],
  );
  const [a, b] = ms.map(decodeTable).map(({ message, ...t }) => t);
  assert.equal(a, { family: 'inet', name: 'nsrun', handle: 1, flags: 0, flagNames: [], use: 4, owner: undefined, comment: undefined, userdata: undefined });
  assert.equal(
    { ...b, userdata: hex(b.userdata) },
    {
      family: 'ip',
      name: 'nsrun2',
      handle: 2,
      flags: NFT_TABLE_F_DORMANT,
      flagNames: ['dormant'],
      use: 0,
      owner: undefined,
      comment: 'made by nsrun',
      userdata: '000e6d616465206279206e7372756e00',
    },
  );
  const m = decodeTableMessage(ms[0].buf, ms[0].start, ms[0].end);
  assert.equal({ family: m.family, version: m.version, resId: m.resId }, { family: NFPROTO_INET, version: 0, resId: 7 });
  assert.equal(
    m.attrs.map((x) => x.type),
    ['name', 'use', 'handle', 'flags'],
  );
  assert.is(findAttr(m.attrs, 'handle').value, 1n);
  for (const x of ms) assert.is(reencode(encodeTableMessage, decodeTableMessage, x), hex(x.buf.subarray(x.start, x.end)));
});

replies('chains: nat postrouting/prerouting, filter forward, a regular chain', () => {
  const ms = messages('nf-dump-chain-1');
  assert.is(ms.length, 4);
  const chains = ms.map(decodeChain).map(({ message, userdata, ...c }) => c);
  const base = { family: 'inet', table: 'nsrun', base: true, device: undefined, flags: NFT_CHAIN_BASE, use: 0, comment: undefined };
  assert.equal(chains[0], { ...base, name: 'postrouting', handle: 1, type: 'nat', hook: 'postrouting', priority: 100, policy: 'accept' });
  assert.equal(chains[1], { ...base, name: 'prerouting', handle: 2, type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' });
  assert.equal(chains[2], { ...base, name: 'forward', handle: 3, type: 'filter', hook: 'forward', priority: 0, policy: 'drop', comment: 'nsrun forward' });
  assert.equal(chains[3], {
    family: 'inet',
    table: 'nsrun',
    name: 'regular',
    handle: 4,
    base: false,
    type: undefined,
    hook: undefined,
    priority: undefined,
    policy: undefined,
    device: undefined,
    flags: 0,
    use: 0,
    comment: undefined,
  });
  const m = decodeChainMessage(ms[0].buf, ms[0].start, ms[0].end);
  assert.equal(
    m.attrs.map((x) => x.type),
    ['table', 'name', 'handle', 'hook', 'policy', 'type', 'flags', 'use'],
  );
  assert.equal(findAttr(m.attrs, 'hook').value, [
    { type: 'hooknum', value: 4 },
    { type: 'priority', value: 100 },
  ]);
  for (const x of ms) assert.is(reencode(encodeChainMessage, decodeChainMessage, x), hex(x.buf.subarray(x.start, x.end)));
});

replies('the dumps end with NLMSG_DONE, status 0', () => {
  for (const name of ['nf-dump-table-2', 'nf-dump-chain-2']) {
    const [m] = messages(name);
    assert.equal([m.type, m.flags, m.buf.readInt32LE(m.start)], [NLMSG_DONE, NLM_F_MULTI, 0]);
  }
});

replies('unknown attributes and misfits are kept as bytes and re-encoded', () => {
  // A chain with an attribute from a future kernel (type 99) and a hook priority of 2 bytes.
  const w = new Writer();
  writeNfGenMsg(w, NFPROTO_IPV4, 3);
  w.attrString(1, 't').attrBytes(99, Buffer.from('abcdef', 'hex'));
  const at = w.beginNest(4);
  w.attrU32be(1, 2).attrBytes(2, Buffer.from('0102', 'hex'));
  w.endAttr(at);
  const bytes = w.toBuffer();
  const m = decodeChainMessage(bytes, 0, bytes.length);
  assert.equal(m.attrs[1], { type: 'unknown', code: 99, data: Buffer.from('abcdef', 'hex') });
  assert.equal(findAttr(m.attrs, 'hook').value[1], { type: 'unknown', code: 2, data: Buffer.from('0102', 'hex') });
  const out = new Writer();
  encodeChainMessage(out, m);
  assert.is(hex(out.view()), hex(bytes));
  assert.is(nftFamilyName(99), 99);
  assert.is(nftHookName(NFPROTO_INET, 9), 9);
});

replies('userdata: libnftnl TLVs, comment type 0', () => {
  const u = commentUdata('c', 'hi');
  assert.is(hex(u), '0003686900');
  assert.is(udataComment(u), 'hi');
  assert.equal(
    parseUdata(Buffer.from('0003686900010101', 'hex')).map((t) => [t.type, hex(t.value)]),
    [
      [0, '686900'],
      [1, '01'],
    ],
  );
  assert.is(parseUdata(Buffer.from('0005', 'hex')), undefined);
  assert.is(udataComment(Buffer.from('ff', 'hex')), undefined);
});

// ---- errors -------------------------------------------------------------------------------------

const errors = suite('nf errors: attributed to the message that caused them');

errors('EEXIST to `nft create table`: the kernel points at NFTA_TABLE_NAME', () => {
  const [m] = messages('nf-error-table-exists');
  assert.is(m.flags, NLM_F_ACK_TLVS);
  const e = decodeError(m);
  assert.is(e.error, -17);
  assert.equal(e.request, { len: 40, type: 0xa00, flags: NLM_F_REQUEST | 0x200, seq: 1, pid: 0 });
  assert.equal(e.attrs, [{ type: 'offset', value: 20 }]);
  // Resolved against the batch nft sent: message 1 (seq 1) starts at byte 20.
  assert.equal(locateAttr(load('nf-req-table-create'), 20, 20, NFT_MSG_NEWTABLE), { offset: 20, name: 'NFTA_TABLE_NAME' });
});

/**
 * A stand-in for NetlinkSocket that answers each batch with `answer(sentBytes)`'s datagrams.
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
/** A copy of a captured error datagram renumbered for sequence number `seq`. */
function renumber(name, seq) {
  const b = Buffer.from(load(name));
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(seq, 28);
  return b;
}
function ack(seq, type, port) {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(36, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(0x100, 6); // NLM_F_CAPPED
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(port, 12);
  b.writeUInt32LE(16, 20);
  b.writeUInt16LE(type, 24);
  b.writeUInt32LE(seq, 28);
  return b;
}
const thirdFails = [
  nftTableAddRequest({ family: 'inet', name: 't3' }),
  nftChainAddRequest({ family: 'inet', table: 't3', name: 'a' }),
  nftChainAddRequest({ family: 'inet', table: 't3', name: 'b', type: 'nat', hook: 'forward', priority: 0 }),
  nftChainAddRequest({ family: 'inet', table: 't3', name: 'c' }),
];

errors("transaction: the kernel's EOPNOTSUPP for the 3rd message names that message", async () => {
  const sock = fakeSocket(50, (sent) => [renumber('nf-error-batch-third', sent.readUInt32LE(8) + 3)]);
  const c = new NftClient(sock, 50);
  try {
    await c.transaction(thirdFails);
    assert.unreachable('the batch must fail');
  } catch (e) {
    if (!(e instanceof NetlinkError)) throw e;
    assert.is(e.code, 'EOPNOTSUPP');
    assert.is(e.request.what, 'nftChainAdd inet t3 b (nat hook forward priority 0)');
    assert.is(e.request.typeName, 'NFT_MSG_NEWCHAIN');
    assert.is(e.request.seq, sock.sent[0].readUInt32LE(8) + 3);
  }
  // One datagram: BEGIN, four messages, END.
  assert.is(sock.sent.length, 1);
  assert.equal(
    splitMessages(sock.sent[0]).map((m) => m.type),
    [0x10, 0xa00, 0xa03, 0xa03, 0xa03, 0x11],
  );
});

errors('transaction: all ACKed resolves; echoed objects go to their message', async () => {
  const echo = messages('nf-dump-chain-1')[3];
  const sock = fakeSocket(42, (sent) => {
    const s = sent.readUInt32LE(8);
    const e = Buffer.from(echo.buf.subarray(echo.start - 16, echo.end));
    e.writeUInt32LE(s + 2, 8);
    return [Buffer.concat([e, ack(s + 1, 0xa00, 42)]), ack(s + 2, 0xa03, 42)];
  });
  const out = await new NftClient(sock, 50).transaction([
    nftTableAddRequest({ family: 'inet', name: 'nsrun' }),
    { ...nftChainAddRequest({ family: 'inet', table: 'nsrun', name: 'regular' }), flags: 0x400 | 0x8 },
  ]);
  assert.is(out.length, 2);
  assert.is(out[0].length, 0);
  assert.equal(
    out[1].map(decodeChain).map((c) => [c.name, c.handle]),
    [['regular', 4]],
  );
});

errors("transaction: an error for BATCH_BEGIN is the whole batch's", async () => {
  const sock = fakeSocket(42, (sent) => {
    const b = ack(sent.readUInt32LE(8), 0x10, 42);
    b.writeInt32LE(-1, 16); // EPERM
    return [b];
  });
  await new NftClient(sock, 50).transaction(thirdFails).then(
    () => assert.unreachable(),
    (e) => {
      assert.instance(e, NetlinkError);
      assert.is(e.code, 'EPERM');
      assert.is(e.request.typeName, 'NFNL_MSG_BATCH_BEGIN');
      assert.is(e.request.what, 'nft transaction of 4 messages');
    },
  );
});

errors('transaction: silence without an answer is a timeout, not success', async () => {
  const sock = fakeSocket(42, (sent) => [ack(sent.readUInt32LE(8) + 1, 0xa00, 42)]);
  await new NftClient(sock, 10).transaction(thirdFails).then(
    () => assert.unreachable(),
    (e) => assert.instance(e, NetlinkTimeoutError),
  );
});

framing.run();
requests.run();
replies.run();
errors.run();
