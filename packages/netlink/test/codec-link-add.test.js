// linkAddRequest against iproute2: for every link kind, with every option linkAddRequest writes,
// the request it builds carries the same attributes, byte for byte, as `ip link add` sent for the
// same link (fixtures/req-link-add-*.txt, captured with strace by capture.js).
//
// Two differences are by design and normalised here, by a walker of its own (not the codec
// under test): iproute2 sends IFLA_INFO_KIND without its NUL (we send one, as the kernel's
// policy allows both), and iproute2 orders attributes as its arguments came (we write a fixed
// order). So attributes are compared sorted by type at every level, the kind's trailing NUL
// dropped, and our order is pinned separately: together that fixes our bytes exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linkAddRequest } from '@nsrun/netlink';
import { Writer } from '@nsrun/netlink/wire';
import {
  RTM_NEWLINK,
  NLM_F_REQUEST,
  NLM_F_ACK,
  IFLA_IFNAME,
  IFLA_MTU,
  IFLA_ADDRESS,
  IFLA_GROUP,
  IFLA_TXQLEN,
  IFLA_MASTER,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_INFO_KIND,
  IFLA_INFO_DATA,
  VETH_INFO_PEER,
} from '@nsrun/netlink/constants';
import { load } from './fixtures/load.js';

const hex = (b) => Buffer.from(b).toString('hex');

/** The request as RtnlClient sends it, with the fixture's sequence number. */
function build(spec, seq) {
  const req = linkAddRequest(spec);
  const w = new Writer();
  const at = w.beginMessage(req.type, NLM_F_REQUEST | NLM_F_ACK | (req.flags ?? 0), seq, 0);
  req.body(w);
  w.endMessage(at);
  return Buffer.from(w.toBuffer());
}

/** The attributes in b[start, end) as [type, payload]. */
function attrs(b, start, end) {
  const out = [];
  for (let p = start; p + 4 <= end;) {
    const len = b.readUInt16LE(p);
    assert.ok(len >= 4 && p + len <= end, `attribute at ${p}: bad length ${len}`);
    out.push([b.readUInt16LE(p + 2), b.subarray(p + 4, p + len)]);
    p += (len + 3) & ~3;
  }
  return out;
}

const tlv = (type, payload) => {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(4 + payload.length, 0);
  h.writeUInt16LE(type, 2);
  return Buffer.concat([h, payload, Buffer.alloc((4 - (payload.length & 3)) & 3)]);
};
const sorted = (list) => Buffer.concat([...list].sort((x, y) => x[0] - y[0]).map(([t, p]) => tlv(t, p)));

/** Link attributes, sorted at every level; the kind without a NUL; an empty IFLA_INFO_DATA dropped. */
function canonLink(b) {
  return sorted(attrs(b, 0, b.length).map(([t, p]) => [t, t === IFLA_LINKINFO ? canonInfo(p) : p]));
}
function canonInfo(b) {
  const list = attrs(b, 0, b.length);
  const kindAttr = list.find(([t]) => t === IFLA_INFO_KIND);
  const kind = kindAttr && kindAttr[1].toString('latin1').replace(/\0$/, '');
  const out = [];
  for (const [t, p] of list) {
    if (t === IFLA_INFO_KIND) out.push([t, Buffer.from(kind, 'latin1')]);
    else if (t === IFLA_INFO_DATA && p.length === 0) continue;
    else if (t === IFLA_INFO_DATA) out.push([t, canonData(kind, p)]);
    else out.push([t, p]);
  }
  return sorted(out);
}
function canonData(kind, b) {
  // veth's peer is a struct ifinfomsg and link attributes again.
  return sorted(
    attrs(b, 0, b.length).map(([t, p]) => [t, kind === 'veth' && t === VETH_INFO_PEER ? Buffer.concat([p.subarray(0, 16), canonLink(p.subarray(16))]) : p]),
  );
}

/** Attribute types in order: the top level, then IFLA_INFO_DATA's (veth: its peer's top level). */
function order(b, kind) {
  const top = attrs(b, 32, b.length);
  const linkinfo = top.find(([t]) => t === IFLA_LINKINFO)[1];
  const info = attrs(linkinfo, 0, linkinfo.length);
  const data = info.find(([t]) => t === IFLA_INFO_DATA)?.[1];
  const inner = data ? attrs(data, 0, data.length) : [];
  const peer = kind === 'veth' && inner.find(([t]) => t === VETH_INFO_PEER);
  return {
    top: top.map(([t]) => t),
    info: info.map(([t]) => t),
    data: peer ? attrs(peer[1], 16, peer[1].length).map(([t]) => t) : inner.map(([t]) => t),
  };
}

/** @type {[string, import('@nsrun/netlink').LinkAddSpec, number[], number[]][]} */
const CASES = [
  // [fixture, spec, our order: top level, IFLA_INFO_DATA (veth: the peer's attributes)]
  ['req-link-add-bridge', { name: 'br0', kind: 'bridge' }, [IFLA_IFNAME, IFLA_LINKINFO], []],
  [
    'req-link-add-bridge-opts',
    { name: 'br1', kind: 'bridge', up: true, forwardDelay: 1500, ageingTime: 30000, stp: true, vlanFiltering: true },
    [IFLA_IFNAME, IFLA_LINKINFO],
    [1, 4, 5, 7], // IFLA_BR_FORWARD_DELAY, _AGEING_TIME, _STP_STATE, _VLAN_FILTERING
  ],
  ['req-link-add-veth', { name: 'v0', kind: 'veth', peer: { name: 'v1' } }, [IFLA_IFNAME, IFLA_LINKINFO], [IFLA_IFNAME]],
  [
    'req-link-add-veth-opts',
    {
      name: 'v2',
      kind: 'veth',
      mtu: 1400,
      address: '02:00:00:00:00:02',
      group: 3,
      txqlen: 500,
      master: 2,
      peer: { name: 'v3', mtu: 1300, address: '02:00:00:00:00:03', group: 4 },
    },
    [IFLA_IFNAME, IFLA_MTU, IFLA_ADDRESS, IFLA_GROUP, IFLA_TXQLEN, IFLA_MASTER, IFLA_LINKINFO],
    [IFLA_IFNAME, IFLA_MTU, IFLA_ADDRESS, IFLA_GROUP],
  ],
  ['req-link-add-vlan', { name: 'v0.10', kind: 'vlan', link: 4, id: 10 }, [IFLA_IFNAME, IFLA_LINK, IFLA_LINKINFO], [1]],
  [
    'req-link-add-vlan-opts',
    { name: 'v0.20', kind: 'vlan', mtu: 1400, link: 4, id: 20, protocol: '802.1ad' },
    [IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_LINKINFO],
    [1, 5], // IFLA_VLAN_ID, IFLA_VLAN_PROTOCOL
  ],
  ['req-link-add-macvlan', { name: 'mv0', kind: 'macvlan', link: 4, mode: 'bridge' }, [IFLA_IFNAME, IFLA_LINK, IFLA_LINKINFO], [1]],
  [
    'req-link-add-macvtap',
    { name: 'mvt0', kind: 'macvtap', address: '02:00:00:00:00:04', link: 4, mode: 'vepa' },
    [IFLA_IFNAME, IFLA_ADDRESS, IFLA_LINK, IFLA_LINKINFO],
    [1],
  ],
  [
    'req-link-add-vxlan',
    { name: 'vx0', kind: 'vxlan', id: 42, port: 4789, local: '10.0.0.1', learning: true },
    [IFLA_IFNAME, IFLA_LINKINFO],
    [1, 4, 7, 15], // IFLA_VXLAN_ID, _LOCAL, _LEARNING, _PORT
  ],
  [
    'req-link-add-vxlan-opts',
    { name: 'vx1', kind: 'vxlan', id: 43, remote: '10.0.0.2', local: '10.0.0.1', link: 4, ttl: 5, learning: false, port: 4790 },
    [IFLA_IFNAME, IFLA_LINKINFO],
    [1, 2, 4, 3, 5, 7, 15], // _ID, _GROUP, _LOCAL, _LINK, _TTL, _LEARNING, _PORT
  ],
  [
    'req-link-add-vxlan-v6',
    { name: 'vx2', kind: 'vxlan', id: 44, remote: 'ff05::100', local: '2001:db8::1', link: 4, learning: true, port: 4789 },
    [IFLA_IFNAME, IFLA_LINKINFO],
    [1, 16, 17, 3, 7, 15], // _ID, _GROUP6, _LOCAL6, _LINK, _LEARNING, _PORT
  ],
];

for (const [name, spec, top, data] of CASES) {
  test(`linkAddRequest ${spec.kind} (${name}): iproute2's attributes, in our order`, () => {
    const want = load(name);
    const got = build(spec, want.readUInt32LE(8));
    assert.is(got.readUInt16LE(4), RTM_NEWLINK);
    assert.is(hex(got.subarray(4, 16)), hex(want.subarray(4, 16)), 'nlmsghdr: type, flags, seq, pid');
    assert.is(hex(got.subarray(16, 32)), hex(want.subarray(16, 32)), 'struct ifinfomsg');
    assert.is(hex(canonLink(got.subarray(32))), hex(canonLink(want.subarray(32))), 'attributes');
    assert.equal(order(got, spec.kind), { top, info: [IFLA_INFO_KIND, IFLA_INFO_DATA], data });
    assert.is(got.readUInt32LE(0), got.length, 'nlmsg_len');
  });
}

test.run();
