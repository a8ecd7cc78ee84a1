// Link codec against real bytes: iproute2 RTM_NEWLINK requests (strace) and a kernel link dump
// (lo, bridge br0, veth v0/v1 with v0 a port of br0), all in ./fixtures (see capture.js there).
// Every fixture is decoded and checked field by field, and must re-encode to the same bytes.
// Expected values were read off the annotated fixture files, not produced by this codec.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  RTM_NEWLINK,
  NLMSG_DONE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_EXCL,
  NLM_F_CREATE,
  NLM_F_MULTI,
  IFLA_IFNAME,
  IFLA_LINKINFO,
  IFLA_INFO_KIND,
  IFLA_INFO_DATA,
  VETH_INFO_PEER,
  IFLA_MASTER,
  IFF_UP,
  IFF_BROADCAST,
  IFF_LOOPBACK,
  IFF_RUNNING,
  IFF_MULTICAST,
  IFF_LOWER_UP,
  ARPHRD_LOOPBACK,
  ARPHRD_ETHER,
  IF_OPER_UP,
  IF_OPER_DOWN,
  MACVLAN_MODE_BRIDGE,
  BR_STATE_FORWARDING,
} from '@nsrun/netlink/constants';
import { Writer, findAttr } from '@nsrun/netlink/wire';
import { decodeMessages, encodeMessages, decodeLink, encodeLink, linkSchema, bridgeSchema, brportSchema } from '@nsrun/netlink/messages';
import { attrAt, decodeAs, load, roundTripSuite } from './fixtures/load.js';

const NEW_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE; // 0x605, as `ip link add` sends
const REQ_SEQ = 1795943684; // iproute2's sequence number (the time) in these captures
const DUMP = { type: RTM_NEWLINK, flags: NLM_F_MULTI, seq: 0x101, pid: 1 };

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
/** Attributes that fell back to `unknown` although the schema knows their code. */
function knownButUnknown(schema, attrs) {
  return attrs.filter((a) => a.type === 'unknown' && schema.byCode[a.code] !== undefined).map((a) => a.code);
}
const one = (name) => {
  const ms = decodeAs('link', load(name));
  assert.is(ms.length, 1, `${name}: one message`);
  return ms[0];
};
const hex = (b) => Buffer.from(b).toString('hex');

// ---- decodeMessages: iproute2 requests ------------------------------------------------------

const requests = suite('decodeMessages: iproute2 link requests');

requests('ip link add br0 type bridge', () => {
  const m = one('req-link-add-bridge');
  assert.equal(m.header, { type: RTM_NEWLINK, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  assert.equal({ ...m.body, attrs: undefined }, { family: 0, type: 0, index: 0, flags: 0, change: 0, attrs: undefined });
  assert.equal(
    m.body.attrs.map((a) => a.type),
    ['ifname', 'linkinfo'],
  );
  assert.is(val(m.body.attrs, 'ifname'), 'br0');
  // iproute2 writes IFLA_INFO_KIND without a NUL (addattr_l(..., strlen(type))); the string codec
  // requires one, so the kind stays an `unknown` attribute holding the bare bytes.
  const info = val(m.body.attrs, 'linkinfo');
  assert.is(info.length, 1);
  assert.is(info[0].type, 'unknown');
  assert.is(attrAt(info, 0, 'unknown').code, IFLA_INFO_KIND);
  assert.is(attrAt(info, 0, 'unknown').data.toString('latin1'), 'bridge');
});

requests('ip link add v0 type veth peer name v1: the peer is a nested ifinfomsg', () => {
  const m = one('req-link-add-veth');
  assert.equal(m.header, { type: RTM_NEWLINK, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  assert.is(val(m.body.attrs, 'ifname'), 'v0');
  const info = val(m.body.attrs, 'linkinfo');
  assert.equal(
    info.map((a) => a.type),
    ['unknown', 'data'],
  );
  assert.is(attrAt(info, 0, 'unknown').data.toString('latin1'), 'veth');
  const data = attrAt(info, 1, 'data');
  assert.is(data.kind, 'veth');
  if (data.kind !== 'veth') return;
  assert.is(data.value.length, 1);
  const peer = attrAt(data.value, 0, 'peer').value;
  assert.equal(
    { family: peer.family, type: peer.type, index: peer.index, flags: peer.flags, change: peer.change },
    { family: 0, type: 0, index: 0, flags: 0, change: 0 },
  );
  assert.equal(peer.attrs, [{ type: 'ifname', value: 'v1' }]);
});

requests('ip link add mv0 link v0 type macvlan mode bridge', () => {
  const m = one('req-link-add-macvlan');
  assert.equal(m.header, { type: RTM_NEWLINK, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  assert.equal(
    m.body.attrs.map((a) => a.type),
    ['link', 'ifname', 'linkinfo'],
  );
  assert.is(val(m.body.attrs, 'link'), 4); // v0's index in the capture sandbox
  assert.is(val(m.body.attrs, 'ifname'), 'mv0');
  const info = val(m.body.attrs, 'linkinfo');
  assert.is(attrAt(info, 0, 'unknown').data.toString('latin1'), 'macvlan');
  assert.is(info[1].type, 'data');
  assert.is(attrAt(info, 1, 'data').kind, 'macvlan');
  assert.equal(attrAt(info, 1, 'data').value, [{ type: 'mode', value: MACVLAN_MODE_BRIDGE }]);
  assert.is(MACVLAN_MODE_BRIDGE, 4);
});

requests('ip link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1', () => {
  const m = one('req-link-add-vxlan');
  assert.equal(m.header, { type: RTM_NEWLINK, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  assert.is(val(m.body.attrs, 'ifname'), 'vx0');
  const info = val(m.body.attrs, 'linkinfo');
  assert.is(attrAt(info, 0, 'unknown').data.toString('latin1'), 'vxlan');
  assert.is(attrAt(info, 1, 'data').kind, 'vxlan');
  // The port is big-endian on the wire (12 b5), learning is iproute2's default.
  assert.equal(attrAt(info, 1, 'data').value, [
    { type: 'id', value: 42 },
    { type: 'local', value: '10.0.0.1' },
    { type: 'learning', value: 1 },
    { type: 'port', value: 4789 },
  ]);
});

requests('ip link add link v0 name v0.10 type vlan id 10 (the kernel here refused it; the bytes are real)', () => {
  const m = one('req-link-add-vlan');
  assert.equal(m.header, { type: RTM_NEWLINK, flags: NEW_FLAGS, seq: REQ_SEQ, pid: 0 });
  assert.equal(
    m.body.attrs.map((a) => a.type),
    ['link', 'ifname', 'linkinfo'],
  );
  assert.is(val(m.body.attrs, 'link'), 4);
  assert.is(val(m.body.attrs, 'ifname'), 'v0.10');
  const info = val(m.body.attrs, 'linkinfo');
  assert.is(attrAt(info, 0, 'unknown').data.toString('latin1'), 'vlan');
  assert.is(attrAt(info, 1, 'data').kind, 'vlan');
  assert.equal(attrAt(info, 1, 'data').value, [{ type: 'id', value: 10 }]);
});

requests('ip link set v0 up: flags and change mask, no attributes', () => {
  const m = one('req-link-set-up');
  assert.equal(m.header, { type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq: REQ_SEQ, pid: 0 });
  assert.equal(m.body, { family: 0, type: 0, index: 4, flags: IFF_UP, change: IFF_UP, attrs: [] });
});

requests('ip link set v0 master br0', () => {
  const m = one('req-link-set-master');
  assert.equal(m.header, { type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq: REQ_SEQ, pid: 0 });
  assert.equal(m.body, { family: 0, type: 0, index: 4, flags: 0, change: 0, attrs: [{ type: 'master', value: 2 }] });
});

requests.run();

// ---- decodeMessages: the kernel's link dump -------------------------------------------------

const dump = suite('decodeMessages: kernel link dump');

dump('datagram 1 holds lo, br0 and v1, each a NLM_F_MULTI RTM_NEWLINK', () => {
  const ms = decodeAs('link', load('dump-link-1'));
  assert.equal(
    ms.map((m) => m.kind),
    ['link', 'link', 'link'],
  );
  for (const m of ms) assert.equal(m.header, DUMP);
  assert.equal(
    ms.map((m) => val(m.body.attrs, 'ifname')),
    ['lo', 'br0', 'v1'],
  );
  assert.equal(
    ms.map((m) => m.body.index),
    [1, 2, 3],
  );
  for (const m of ms) assert.equal(knownButUnknown(linkSchema, m.body.attrs), [], `${val(m.body.attrs, 'ifname')}: attributes the schema knows stayed unknown`);
});

dump('lo', () => {
  const lo = decodeAs('link', load('dump-link-1'))[0].body;
  assert.is(lo.family, 0);
  assert.is(lo.type, ARPHRD_LOOPBACK);
  assert.is(lo.type, 772);
  assert.is(lo.index, 1);
  assert.is(lo.flags, IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP);
  assert.is(lo.flags, 0x10049);
  assert.is(lo.change, 0);
  assert.is(val(lo.attrs, 'mtu'), 65536);
  assert.is(val(lo.attrs, 'txqlen'), 1000);
  assert.is(val(lo.attrs, 'operstate'), 0); // IF_OPER_UNKNOWN
  assert.is(val(lo.attrs, 'address'), '00:00:00:00:00:00');
  assert.is(val(lo.attrs, 'qdisc'), 'noqueue');
  assert.is(val(lo.attrs, 'numTxQueues'), 1);
  assert.is(findAttr(lo.attrs, 'linkinfo'), undefined);
  assert.is(val(lo.attrs, 'stats64').length, 200); // struct rtnl_link_stats64 as this kernel sends it
  assert.is(val(lo.attrs, 'stats').length, 96);
});

dump('br0: kind bridge and its IFLA_BR_* attributes', () => {
  const br = decodeAs('link', load('dump-link-1'))[1].body;
  assert.is(br.type, ARPHRD_ETHER);
  assert.is(br.index, 2);
  assert.is(br.flags, IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_LOWER_UP);
  assert.is(val(br.attrs, 'ifname'), 'br0');
  assert.is(val(br.attrs, 'mtu'), 1500);
  assert.is(val(br.attrs, 'minMtu'), 68);
  assert.is(val(br.attrs, 'maxMtu'), 65535);
  assert.is(val(br.attrs, 'operstate'), IF_OPER_DOWN);
  assert.is(val(br.attrs, 'address'), '02:79:53:e3:02:9b');
  assert.is(val(br.attrs, 'broadcast'), 'ff:ff:ff:ff:ff:ff');
  const info = val(br.attrs, 'linkinfo');
  assert.equal(
    info.map((a) => a.type),
    ['kind', 'data'],
  );
  assert.is(attrAt(info, 0, 'kind').value, 'bridge');
  const data = attrAt(info, 1, 'data');
  assert.is(data.kind, 'bridge');
  if (data.kind !== 'bridge') return;
  const d = data.value;
  assert.equal(knownButUnknown(bridgeSchema, d), []);
  assert.is(val(d, 'forwardDelay'), 1500);
  assert.is(val(d, 'helloTime'), 200);
  assert.is(val(d, 'maxAge'), 2000);
  assert.is(val(d, 'ageingTime'), 30000);
  assert.is(val(d, 'stpState'), 0);
  assert.is(val(d, 'priority'), 32768);
  assert.is(val(d, 'vlanFiltering'), 0);
  assert.is(val(d, 'groupAddr'), '01:80:c2:00:00:00');
  assert.is(hex(val(d, 'bridgeId')), '8000027953e3029b'); // priority 0x8000 + the bridge's MAC
  assert.is(hex(val(d, 'rootId')), '8000027953e3029b');
  assert.is(val(d, 'mcastSnooping'), 1);
  assert.is(val(d, 'mcastHashMax'), 4096);
  assert.is(val(d, 'helloTimer'), 0n); // u64 attributes decode to bigint
  assert.is(val(d, 'mcastQueryIntvl'), 12500n);
  assert.is(val(d, 'mcastIgmpVersion'), 2);
  assert.is(val(d, 'mcastMldVersion'), 1);
});

dump('v1 and v0 form the veth pair; v0 is a bridge port with IFLA_INFO_SLAVE_DATA', () => {
  const v1 = decodeAs('link', load('dump-link-1'))[2].body;
  const [m0] = decodeAs('link', load('dump-link-2'));
  assert.equal(m0.header, DUMP);
  const v0 = m0.body;
  assert.is(val(v1.attrs, 'ifname'), 'v1');
  assert.is(val(v0.attrs, 'ifname'), 'v0');
  assert.is(v1.index, 3);
  assert.is(v0.index, 4);
  assert.is(val(v1.attrs, 'link'), v0.index); // IFLA_LINK: the peer
  assert.is(val(v0.attrs, 'link'), v1.index);
  for (const l of [v0, v1]) {
    assert.is(l.type, ARPHRD_ETHER);
    assert.is(l.flags, IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP);
    assert.is(val(l.attrs, 'operstate'), IF_OPER_UP);
    assert.is(val(l.attrs, 'mtu'), 1500);
    assert.is(val(l.attrs, 'numTxQueues'), 2);
    assert.equal(knownButUnknown(linkSchema, l.attrs), []);
  }
  assert.is(val(v1.attrs, 'address'), 'ee:0d:9e:d7:a3:07');
  assert.is(val(v0.attrs, 'address'), '02:79:53:e3:02:9b'); // br0 took its first port's address
  assert.equal(val(v1.attrs, 'linkinfo'), [{ type: 'kind', value: 'veth' }]); // veth reports no INFO_DATA
  assert.is(findAttr(v1.attrs, 'master'), undefined);

  assert.is(val(v0.attrs, 'master'), 2); // br0
  assert.is(val(v0.attrs, 'promiscuity'), 1);
  const info = val(v0.attrs, 'linkinfo');
  assert.equal(
    info.map((a) => a.type),
    ['kind', 'slaveKind', 'slaveData'],
  );
  assert.is(attrAt(info, 0, 'kind').value, 'veth');
  assert.is(attrAt(info, 1, 'slaveKind').value, 'bridge');
  assert.is(attrAt(info, 2, 'slaveData').kind, 'bridge');
  const port = attrAt(info, 2, 'slaveData').value;
  assert.equal(knownButUnknown(brportSchema, port), []);
  assert.is(val(port, 'state'), BR_STATE_FORWARDING);
  assert.is(val(port, 'priority'), 32);
  assert.is(val(port, 'cost'), 2);
  assert.is(val(port, 'learning'), 1);
  assert.is(val(port, 'unicastFlood'), 1);
  assert.is(val(port, 'id'), 0x8001);
  assert.is(val(port, 'no'), 1);
  assert.is(hex(val(port, 'bridgeId')), '8000027953e3029b');
});

dump('the dump spans three datagrams: 3 + 1 links, then NLMSG_DONE alone', () => {
  const all = ['dump-link-1', 'dump-link-2', 'dump-link-3'].map((f) => decodeMessages(load(f)));
  assert.equal(
    all.map((ms) => ms.length),
    [3, 1, 1],
  );
  const [done] = all[2];
  assert.is(done.kind, 'done');
  assert.equal(done.header, { type: NLMSG_DONE, flags: NLM_F_MULTI, seq: 0x101, pid: 1 });
  assert.equal(done.body, { error: 0, attrs: [] });
  const links = all.flat().filter((m) => m.kind === 'link');
  assert.equal(
    links.map((m) => val(m.body.attrs, 'ifname')),
    ['lo', 'br0', 'v1', 'v0'],
  );
  assert.equal(
    links.map((m) => m.body.index),
    [1, 2, 3, 4],
  );
});

dump.run();

// ---- encodeMessages: byte-exact round trip --------------------------------------------------

roundTripSuite('link', /^(req-link-|dump-link-)/, 10);

// ---- decodeLink / encodeLink on a message payload -------------------------------------------

const body = suite('decodeLink / encodeLink');

body('decodeLink reads a payload in place (offsets into a larger buffer)', () => {
  const bytes = load('dump-link-1');
  const len = bytes.readUInt32LE(0);
  const l = decodeLink(bytes, 16, len);
  assert.is(l.index, 1);
  assert.is(val(l.attrs, 'ifname'), 'lo');
  assert.equal(l, decodeMessages(bytes)[0].body);
});

body('encodeLink writes the payload back byte for byte', () => {
  for (const f of ['req-link-add-veth', 'req-link-add-vxlan', 'dump-link-2']) {
    const bytes = load(f);
    const len = bytes.readUInt32LE(0);
    const w = new Writer();
    encodeLink(w, decodeLink(bytes, 16, len));
    assert.is(hex(w.toBuffer()), hex(bytes.subarray(16, len)), f);
  }
});

body('decodeLink: a payload shorter than struct ifinfomsg is a DecodeError', () => {
  assert.throws(
    () => decodeLink(load('req-link-set-up'), 16, 31),
    (e) => e.name === 'DecodeError' && e.offset === 16,
  );
});

body.run();

// ---- building requests from scratch ---------------------------------------------------------

const build = suite("Writer / encodeMessages: requests built from scratch equal iproute2's bytes");

build('Writer: ip link add br0 type bridge', () => {
  const expected = load('req-link-add-bridge');
  const w = new Writer();
  const at = w.beginMessage(RTM_NEWLINK, NEW_FLAGS, expected.readUInt32LE(8), 0);
  w.u8(0).u8(0).u16(0).i32(0).u32(0).u32(0); // struct ifinfomsg
  w.attrString(IFLA_IFNAME, 'br0');
  const info = w.beginNest(IFLA_LINKINFO);
  w.attrBytes(IFLA_INFO_KIND, Buffer.from('bridge')); // no NUL, as iproute2 sends it
  w.endAttr(info);
  w.endMessage(at);
  assert.is(hex(w.toBuffer()), hex(expected));
});

build('Writer: ip link add v0 type veth peer name v1 (nested ifinfomsg)', () => {
  const expected = load('req-link-add-veth');
  const w = new Writer();
  const at = w.beginMessage(RTM_NEWLINK, NEW_FLAGS, expected.readUInt32LE(8), 0);
  w.zeros(16);
  w.attrString(IFLA_IFNAME, 'v0');
  const info = w.beginNest(IFLA_LINKINFO);
  w.attrBytes(IFLA_INFO_KIND, Buffer.from('veth'));
  const data = w.beginNest(IFLA_INFO_DATA);
  const peer = w.beginNest(VETH_INFO_PEER);
  w.zeros(16);
  w.attrString(IFLA_IFNAME, 'v1');
  w.endAttr(peer);
  w.endAttr(data);
  w.endAttr(info);
  w.endMessage(at);
  assert.is(hex(w.toBuffer()), hex(expected));
});

build('encodeMessages: ip link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1', () => {
  const expected = load('req-link-add-vxlan');
  const out = encodeMessages([
    {
      kind: 'link',
      header: { type: RTM_NEWLINK, flags: NEW_FLAGS, seq: expected.readUInt32LE(8), pid: 0 },
      body: {
        family: 0,
        type: 0,
        index: 0,
        flags: 0,
        change: 0,
        attrs: [
          { type: 'ifname', value: 'vx0' },
          {
            type: 'linkinfo',
            value: [
              { type: 'unknown', code: IFLA_INFO_KIND, data: Buffer.from('vxlan') },
              {
                type: 'data',
                kind: 'vxlan',
                value: [
                  { type: 'id', value: 42 },
                  { type: 'local', value: '10.0.0.1' },
                  { type: 'learning', value: 1 },
                  { type: 'port', value: 4789 },
                ],
              },
            ],
          },
        ],
      },
    },
  ]);
  assert.is(hex(out), hex(expected));
});

build('encodeMessages: ip link set v0 up / ip link set v0 master br0', () => {
  const up = load('req-link-set-up');
  const master = load('req-link-set-master');
  const header = (seq) => ({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid: 0 });
  assert.is(
    hex(
      encodeMessages([{ kind: 'link', header: header(up.readUInt32LE(8)), body: { family: 0, type: 0, index: 4, flags: IFF_UP, change: IFF_UP, attrs: [] } }]),
    ),
    hex(up),
  );
  assert.is(
    hex(
      encodeMessages([
        {
          kind: 'link',
          header: header(master.readUInt32LE(8)),
          body: { family: 0, type: 0, index: 4, flags: 0, change: 0, attrs: [{ type: 'master', value: 2 }] },
        },
      ]),
    ),
    hex(master),
  );
  const w = new Writer();
  const at = w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, master.readUInt32LE(8));
  w.u8(0).u8(0).u16(0).i32(4).u32(0).u32(0).attrU32(IFLA_MASTER, 2);
  w.endMessage(at);
  assert.is(hex(w.toBuffer()), hex(master));
});

build.run();
