// NLMSG_ERROR (ACKs and errors with extended-ACK attributes) and NLMSG_DONE against real kernel
// replies in ./fixtures (see capture.js there): a capped ACK, a capped error with
// NLMSGERR_ATTR_MSG, an uncapped error that echoes the request and adds NLMSGERR_ATTR_OFFS and
// NLMSGERR_ATTR_POLICY, a lone NLMSG_DONE, and a NLMSG_DONE carrying -ENOENT and a message.
// Expected values were read off the annotated fixture files, not produced by this codec.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DecodeError } from '@nsrun/netlink';
import {
  NLMSG_ERROR,
  NLMSG_DONE,
  RTM_NEWLINK,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_EXCL,
  NLM_F_CREATE,
  NLM_F_MULTI,
  NLM_F_DUMP_FILTERED,
  NLM_F_CAPPED,
  NLM_F_ACK_TLVS,
  NLMSGERR_ATTR_MSG,
  IFLA_GSO_MAX_SIZE,
} from '@nsrun/netlink/constants';
import { decodeError, encodeError, splitMessages, Writer, findAttr } from '@nsrun/netlink/wire';
import { decodeMessages, encodeMessages, decodeLink } from '@nsrun/netlink/messages';
import { decodeAs, load, list, roundTripSuite } from './fixtures/load.js';

const EOPNOTSUPP = 95;
const ERANGE = 34;
const ENOENT = 2;
const NEW_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
const hex = (b) => Buffer.from(b).toString('hex');
/** The one error message in fixture `name`. */
const only = (name) => {
  const ms = decodeAs('error', load(name));
  assert.is(ms.length, 1, `${name}: one message`);
  return ms[0];
};

// ---- decodeMessages: NLMSG_ERROR ------------------------------------------------------------

const errors = suite('decodeMessages: NLMSG_ERROR');

errors('ACK: error 0, the request header echoed, NLM_F_CAPPED (no payload)', () => {
  const m = only('ack');
  assert.is(m.kind, 'error');
  assert.equal(m.header, { type: NLMSG_ERROR, flags: NLM_F_CAPPED, seq: 0x108, pid: 1 });
  assert.equal(m.body, {
    error: 0,
    request: { len: 32, type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 0x108, pid: 0 },
    attrs: [],
  });
  assert.is('requestPayload' in m.body, false);
});

errors('unknown link kind: -EOPNOTSUPP with NLMSGERR_ATTR_MSG "Unknown device type"', () => {
  const m = only('error-unknown-kind');
  assert.is(m.kind, 'error');
  assert.equal(m.header, { type: NLMSG_ERROR, flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, seq: 0x109, pid: 1 });
  assert.is(m.body.error, -EOPNOTSUPP);
  assert.equal(m.body.request, { len: 60, type: RTM_NEWLINK, flags: NEW_FLAGS, seq: 0x109, pid: 0 });
  assert.is(m.body.requestPayload, undefined);
  assert.equal(m.body.attrs, [{ type: 'msg', value: 'Unknown device type' }]);
  assert.is(findAttr(m.body.attrs, 'offset'), undefined);
});

errors('value out of range: -ERANGE, message, offset of the bad attribute, policy', () => {
  const m = only('error-out-of-range');
  assert.equal(m.header, { type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, seq: 0x10a, pid: 1 });
  const e = m.body;
  assert.is(e.error, -ERANGE);
  assert.equal(e.request, { len: 64, type: RTM_NEWLINK, flags: NEW_FLAGS, seq: 0x10a, pid: 0 });
  assert.equal(
    e.attrs.map((a) => a.type),
    ['msg', 'offset', 'policy'],
  );
  assert.is(findAttr(e.attrs, 'msg').value, 'integer out of range');
  assert.is(findAttr(e.attrs, 'offset').value, 40);
  const policy = findAttr(e.attrs, 'policy');
  assert.is(policy.flags, 0x8000); // NLA_F_NESTED, as the kernel sets it
  // NL_POLICY_TYPE_ATTR_*: MIN_VALUE_U 193 (u64), MAX_VALUE_U 0xffffffff (u64), TYPE 4 (NL_ATTR_TYPE_U32)
  assert.equal(
    policy.value.map((a) => [a.type, a.code, hex(a.data)]),
    [
      ['unknown', 4, 'c100000000000000'],
      ['unknown', 5, 'ffffffff00000000'],
      ['unknown', 1, '04000000'],
    ],
  );
});

errors('the echoed request decodes, and the offset points at IFLA_GSO_MAX_SIZE in it', () => {
  const e = only('error-out-of-range').body;
  const payload = e.requestPayload;
  assert.ok(Buffer.isBuffer(payload));
  assert.is(payload.length, e.request.len - 16);
  const req = decodeLink(payload, 0, payload.length);
  assert.equal(
    req.attrs.map((a) => a.type),
    ['ifname', 'gsoMaxSize', 'linkinfo'],
  );
  assert.is(findAttr(req.attrs, 'ifname').value, 'x3');
  assert.is(findAttr(req.attrs, 'gsoMaxSize').value, 1);
  assert.equal(findAttr(req.attrs, 'linkinfo').value, [{ type: 'kind', value: 'bridge' }]);
  // NLMSGERR_ATTR_OFFS counts from the start of the request's nlmsghdr.
  const at = findAttr(e.attrs, 'offset').value - 16;
  assert.is(payload.readUInt16LE(at + 2), IFLA_GSO_MAX_SIZE);
  assert.is(payload.readUInt32LE(at + 4), 1);
});

errors.run();

// ---- decodeMessages: NLMSG_DONE -------------------------------------------------------------

const done = suite('decodeMessages: NLMSG_DONE');

done('a lone NLMSG_DONE datagram (an empty, filtered dump)', () => {
  const bytes = load('done');
  assert.is(bytes.length, 20);
  assert.equal(decodeMessages(bytes), [
    { kind: 'done', header: { type: NLMSG_DONE, flags: NLM_F_MULTI | NLM_F_DUMP_FILTERED, seq: 0x106, pid: 1 }, body: { error: 0, attrs: [] } },
  ]);
});

done('NLMSG_DONE carrying -ENOENT and an extended-ACK message', () => {
  const m = decodeMessages(load('done-error'));
  assert.equal(m, [
    {
      kind: 'done',
      header: { type: NLMSG_DONE, flags: NLM_F_MULTI | NLM_F_DUMP_FILTERED | NLM_F_ACK_TLVS, seq: 0x107, pid: 1 },
      body: { error: -ENOENT, attrs: [{ type: 'msg', value: 'ipv4: FIB table does not exist' }] },
    },
  ]);
});

done('every dump in the fixtures ends with a NLMSG_DONE of status 0', () => {
  const last = list()
    .filter((f) => f.startsWith('dump-'))
    .map((f) => decodeMessages(load(f)))
    .filter((ms) => ms.some((m) => m.kind === 'done'));
  assert.is(last.length, 5); // link, addr, route main, route split, neigh
  for (const ms of last) {
    const d = ms[ms.length - 1];
    assert.is(d.kind, 'done');
    assert.is(d.kind === 'done' && d.body.error, 0);
  }
});

done.run();

// ---- decodeError / encodeError --------------------------------------------------------------

const direct = suite('decodeError / encodeError');

for (const f of ['ack', 'error-unknown-kind', 'error-out-of-range']) {
  direct(`${f}: decodeError on the raw message, encodeError writes the payload back`, () => {
    const bytes = load(f);
    const [raw] = splitMessages(bytes);
    const e = decodeError(raw);
    assert.equal(e, decodeMessages(bytes)[0].body);
    const w = new Writer();
    encodeError(w, e);
    w.align();
    assert.is(hex(w.toBuffer()), hex(bytes.subarray(16)));
  });
}

direct('an echoed request longer than the message is a DecodeError at the echoed header', () => {
  const bytes = Buffer.from(load('error-out-of-range'));
  bytes.writeUInt32LE(200, 20); // nlmsgerr.msg.nlmsg_len
  assert.throws(
    () => decodeMessages(bytes),
    (e) => e instanceof DecodeError && e.offset === 20,
  );
});

direct('a payload shorter than struct nlmsgerr is a DecodeError', () => {
  const bytes = Buffer.from(load('ack').subarray(0, 32));
  bytes.writeUInt32LE(32, 0);
  assert.throws(
    () => decodeMessages(bytes),
    (e) => e instanceof DecodeError && e.offset === 16,
  );
});

direct.run();

// ---- round trip -----------------------------------------------------------------------------

roundTripSuite('ACK / error / DONE', /^(ack|done|error-)|^dump-.*-\d+\.txt$/, 5);

// ---- building replies from scratch ----------------------------------------------------------

const build = suite("Writer / encodeMessages: messages built from scratch equal the kernel's bytes");

build('encodeMessages: the capped "Unknown device type" error', () => {
  const expected = load('error-unknown-kind');
  const seq = expected.readUInt32LE(8);
  const out = encodeMessages([
    {
      kind: 'error',
      header: { type: NLMSG_ERROR, flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, seq, pid: 1 },
      body: {
        error: -EOPNOTSUPP,
        request: { len: 60, type: RTM_NEWLINK, flags: NEW_FLAGS, seq, pid: 0 },
        attrs: [{ type: 'msg', value: 'Unknown device type' }],
      },
    },
  ]);
  assert.is(hex(out), hex(expected));
});

build('Writer: the NLMSG_DONE with -ENOENT', () => {
  const expected = load('done-error');
  const w = new Writer();
  const at = w.beginMessage(NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_FILTERED | NLM_F_ACK_TLVS, expected.readUInt32LE(8), 1);
  w.i32(-ENOENT);
  w.attrString(NLMSGERR_ATTR_MSG, 'ipv4: FIB table does not exist');
  w.endMessage(at);
  assert.is(hex(w.toBuffer()), hex(expected));
});

build('encodeMessages: the ACK', () => {
  const expected = load('ack');
  const out = encodeMessages([
    {
      kind: 'error',
      header: { type: NLMSG_ERROR, flags: NLM_F_CAPPED, seq: 0x108, pid: 1 },
      body: { error: 0, request: { len: 32, type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 0x108, pid: 0 }, attrs: [] },
    },
  ]);
  assert.is(hex(out), hex(expected));
});

build.run();
