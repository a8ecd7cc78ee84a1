// Neighbour codec against real bytes: the iproute2 RTM_NEWNEIGH request and a kernel neighbour
// dump whose NLMSG_DONE shares the datagram, both in ./fixtures (see capture.js there). Every
// fixture is decoded and checked field by field, and must re-encode to the same bytes.
// Expected values were read off the annotated fixture files, not produced by this codec.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  RTM_NEWNEIGH,
  NLMSG_DONE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_EXCL,
  NLM_F_CREATE,
  NLM_F_MULTI,
  NDA_DST,
  NDA_LLADDR,
  AF_INET,
  NUD_PERMANENT,
  NUD_NOARP,
  RTN_UNICAST,
  RTN_MULTICAST,
} from '@nsrun/netlink/constants';
import { Writer, findAttr } from '@nsrun/netlink/wire';
import { decodeMessages, encodeMessages, decodeNeigh, encodeNeigh } from '@nsrun/netlink/messages';
import { decodeAs, load, roundTripSuite } from './fixtures/load.js';

const NEW_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
const hex = (b) => Buffer.from(b).toString('hex');
/**
 * The value of the first attribute of `type`; fails when there is none.
 * @template {{ type: string }} A
 * @template {A['type']} N
 * @param {readonly A[]} attrs
 * @param {N} type
 * @returns {Extract<A, { type: N }> extends { value: infer V } ? V : never}
 */
function val(attrs, type) {
  const a = findAttr(attrs, type);
  assert.ok(a, `no ${type} attribute`);
  return /** @type {any} */ (a).value;
}

// ---- decodeMessages -------------------------------------------------------------------------

const decode = suite('decodeMessages: neighbours');

decode('ip neigh add 10.1.2.9 lladdr 02:00:00:00:00:09 dev v0', () => {
  const ms = decodeAs('neigh', load('req-neigh-add'));
  assert.equal(ms, [
    {
      kind: 'neigh',
      header: { type: RTM_NEWNEIGH, flags: NEW_FLAGS, seq: 1795943685, pid: 0 },
      body: {
        family: AF_INET,
        index: 4,
        state: NUD_PERMANENT,
        flags: 0,
        type: 0,
        attrs: [
          { type: 'dst', value: '10.1.2.9' },
          { type: 'lladdr', value: '02:00:00:00:00:09' },
        ],
      },
    },
  ]);
  assert.is(NUD_PERMANENT, 0x80);
});

decode('dump: the permanent entry, a multicast entry, and NLMSG_DONE in the same datagram', () => {
  const ms = decodeMessages(load('dump-neigh'));
  assert.equal(
    ms.map((m) => m.kind),
    ['neigh', 'neigh', 'done'],
  );
  for (const m of ms) assert.equal({ ...m.header, type: 0 }, { type: 0, flags: NLM_F_MULTI, seq: 0x104, pid: 1 });
  assert.is(ms[0].header.type, RTM_NEWNEIGH);
  assert.is(ms[2].header.type, NLMSG_DONE);
  assert.equal(ms[2].body, { error: 0, attrs: [] });

  const [perm, mc] = ms.filter((m) => m.kind === 'neigh').map((m) => m.body);
  assert.equal({ ...perm, attrs: undefined }, { family: AF_INET, index: 3, state: NUD_PERMANENT, flags: 0, type: RTN_UNICAST, attrs: undefined });
  assert.equal(
    perm.attrs.map((a) => a.type),
    ['dst', 'lladdr', 'probes', 'cacheinfo'],
  );
  assert.is(val(perm.attrs, 'dst'), '10.1.2.9');
  assert.is(val(perm.attrs, 'lladdr'), '02:00:00:00:00:09');
  assert.is(val(perm.attrs, 'probes'), 0);
  assert.equal(val(perm.attrs, 'cacheinfo'), { confirmed: 3, used: 3, updated: 3, refcnt: 0 });

  // mc: IGMPv3 224.0.0.22 on br0, resolved without ARP
  assert.equal({ ...mc, attrs: undefined }, { family: AF_INET, index: 2, state: NUD_NOARP, flags: 0, type: RTN_MULTICAST, attrs: undefined });
  assert.is(val(mc.attrs, 'dst'), '224.0.0.22');
  assert.is(val(mc.attrs, 'lladdr'), '01:00:5e:00:00:16');
  assert.equal(val(mc.attrs, 'cacheinfo'), { confirmed: 6004, used: 4, updated: 4, refcnt: 0 });
});

decode.run();

// ---- round trip -----------------------------------------------------------------------------

roundTripSuite('neighbour', /^(req-neigh-|dump-neigh)/, 2);

// ---- decodeNeigh / encodeNeigh --------------------------------------------------------------

const body = suite('decodeNeigh / encodeNeigh');

body('a dumped entry, decoded in place and re-encoded alone', () => {
  const bytes = load('dump-neigh');
  const len = bytes.readUInt32LE(0);
  const n = decodeNeigh(bytes, 16, len);
  assert.is(val(n.attrs, 'dst'), '10.1.2.9');
  const w = new Writer();
  encodeNeigh(w, n);
  assert.is(hex(w.toBuffer()), hex(bytes.subarray(16, len)));
});

body('a payload shorter than struct ndmsg is a DecodeError', () => {
  assert.throws(
    () => decodeNeigh(load('req-neigh-add'), 16, 27),
    (e) => e.name === 'DecodeError' && e.offset === 16,
  );
});

body.run();

// ---- building the request -------------------------------------------------------------------

const build = suite("Writer / encodeMessages: the request built from scratch equals iproute2's bytes");

build('encodeMessages', () => {
  const expected = load('req-neigh-add');
  const out = encodeMessages([
    {
      kind: 'neigh',
      header: { type: RTM_NEWNEIGH, flags: NEW_FLAGS, seq: expected.readUInt32LE(8), pid: 0 },
      body: {
        family: AF_INET,
        index: 4,
        state: NUD_PERMANENT,
        flags: 0,
        type: 0,
        attrs: [
          { type: 'dst', value: '10.1.2.9' },
          { type: 'lladdr', value: '02:00:00:00:00:09' },
        ],
      },
    },
  ]);
  assert.is(hex(out), hex(expected));
});

build('Writer', () => {
  const expected = load('req-neigh-add');
  const w = new Writer();
  const at = w.beginMessage(RTM_NEWNEIGH, NEW_FLAGS, expected.readUInt32LE(8), 0);
  w.u8(AF_INET).u8(0).u16(0).i32(4).u16(NUD_PERMANENT).u8(0).u8(0); // struct ndmsg
  w.attrBytes(NDA_DST, Buffer.from([10, 1, 2, 9]));
  w.attrBytes(NDA_LLADDR, Buffer.from([2, 0, 0, 0, 0, 9]));
  w.endMessage(at);
  assert.is(hex(w.toBuffer()), hex(expected));
});

build.run();
