// The lazy views (linkFromBytes, routeFromBytes: what linkList, routeList and events return) and
// linkIndexMap's name walk, against the captured fixtures. Each view must agree, field by field,
// with the full decoders (checked against the annotations in codec-link/codec-route), keep
// `message` identical to decodeLink/decodeRoute, and on malformed bytes throw DecodeError only.
// A few values are also written out as read off the annotated fixture files.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { linkFromBytes, routeFromBytes, linkIndexMap, RtnlClient, DecodeError } from '@nsrun/netlink';
import { RTM_NEWLINK, RTM_NEWROUTE, IFLA_INFO_KIND, IFLA_INFO_SLAVE_KIND, IFLA_IFNAME, IFLA_IFALIAS, AF_INET6 } from '@nsrun/netlink/constants';
import { splitMessages, findAttr } from '@nsrun/netlink/wire';
import { decodeLink, decodeRoute } from '@nsrun/netlink/messages';
import { load, list } from './fixtures/load.js';

const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

/** Every message of `type` in every fixture, with the fixture's name. */
function messagesOf(type) {
  const out = [];
  // rtnetlink captures only: nfnetlink's NFNL_MSG_BATCH_BEGIN is 16 too.
  for (const name of list().filter((n) => !n.startsWith('nf-') && !n.startsWith('diag-'))) {
    let ms;
    try {
      ms = splitMessages(load(name));
    } catch {
      continue; // not a run of nlmsghdrs (none today)
    }
    ms.forEach((m, i) => m.type === type && out.push({ name: `${name}#${i + 1}`, m }));
  }
  return out;
}

/**
 * What a Link's fields are, taken from the full decode.
 * @param {import('@nsrun/netlink/messages').LinkMessage} msg
 */
function linkFields(msg) {
  /** @param {(typeof msg.attrs)[number]['type']} t */
  const v = (t) => /** @type {any} */ (findAttr(msg.attrs, t))?.value;
  let kind;
  let slaveKind;
  for (const a of v('linkinfo') ?? []) {
    if (a.type === 'kind') kind = a.value;
    else if (a.type === 'slaveKind') slaveKind = a.value;
    // iproute2 sends the kind without its NUL: kept `unknown`, still the kind.
    else if (a.type === 'unknown' && a.code === IFLA_INFO_KIND) kind = a.data.toString();
    else if (a.type === 'unknown' && a.code === IFLA_INFO_SLAVE_KIND) slaveKind = a.data.toString();
  }
  const op = v('operstate') ?? 0;
  // A string sent without its NUL (iproute2 does so for the alias) stays `unknown`; the view reads its text.
  const text = (t, code) => v(t) ?? /** @type {any} */ (msg.attrs.find((a) => a.type === 'unknown' && a.code === code))?.data.toString();
  return {
    index: msg.index,
    name: text('ifname', IFLA_IFNAME) ?? '',
    type: msg.type,
    flags: msg.flags,
    up: (msg.flags & 1) !== 0,
    mtu: v('mtu'),
    operstate: OPERSTATES[op] ?? `${op}`,
    master: v('master'),
    kind,
    slaveKind,
    address: v('address'),
    broadcast: v('broadcast'),
    group: v('group') ?? 0,
    link: v('link'),
    linkNetnsid: v('linkNetnsid'),
    txqlen: v('txqlen'),
    alias: text('ifalias', IFLA_IFALIAS),
  };
}

/**
 * What a Route's fields are, taken from the full decode.
 * @param {import('@nsrun/netlink/messages').RouteMessage} msg
 */
function routeFields(msg) {
  /** @param {(typeof msg.attrs)[number]['type']} t */
  const v = (t) => /** @type {any} */ (findAttr(msg.attrs, t))?.value;
  const dst = v('dst');
  let gateway = v('gateway');
  let nexthops;
  for (const a of msg.attrs) {
    if (a.type === 'via') gateway = a.value.address;
    if (a.type === 'multipath') {
      nexthops = a.value.map((h) => ({
        gateway: findAttr(h.attrs, 'gateway')?.value ?? findAttr(h.attrs, 'via')?.value.address,
        oif: h.ifindex,
        weight: h.hops + 1,
        flags: h.flags,
      }));
    }
  }
  return {
    family: msg.family === AF_INET6 ? 6 : 4,
    dst: dst === undefined ? 'default' : `${dst}/${msg.dstLen}`,
    dstLen: msg.dstLen,
    gateway,
    oif: v('oif'),
    prefsrc: v('prefsrc'),
    metric: v('priority'),
    table: v('table') ?? msg.table,
    protocol: msg.protocol,
    scope: msg.scope,
    type: msg.type,
    flags: msg.flags,
    nexthops,
  };
}

/**
 * A view's toJSON (the view classes' method; the Link and Route types leave it out).
 * @param {any} view
 */
const toJSON = (view) => view.toJSON();
/** What toJSON makes of a decoded message: 64-bit values (bigint) as numbers, or strings past 2^53. */
const jsonOf = (v) =>
  typeof v === 'bigint'
    ? Number.isSafeInteger(Number(v))
      ? Number(v)
      : v.toString()
    : Array.isArray(v)
      ? v.map(jsonOf)
      : v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonOf(x)]))
        : v;
const pick = (o, keys) => Object.fromEntries(keys.map((k) => [k, o[k]]));

// ---- links ----------------------------------------------------------------------------------

const links = suite('linkFromBytes: the lazy link view');

links('every RTM_NEWLINK of the fixtures: the same fields as the full decode, and the same message', () => {
  const all = messagesOf(RTM_NEWLINK);
  assert.ok(all.length >= 10, `${all.length} link messages`);
  for (const { name, m } of all) {
    const full = decodeLink(m.buf, m.start, m.end);
    const want = linkFields(full);
    const view = linkFromBytes(m.buf, m.start, m.end);
    assert.equal(pick(view, Object.keys(want)), want, name);
    assert.equal(view.message, full, name);
    assert.equal(toJSON(view), { ...want, message: jsonOf(full) }, name);
  }
});

links('dump-link-1: lo, br0 and v1 as the annotations read', () => {
  const [lo, br0, v1] = splitMessages(load('dump-link-1')).map((m) => linkFromBytes(m.buf, m.start, m.end));
  assert.equal(pick(lo, ['index', 'name', 'mtu', 'kind', 'address', 'operstate']), {
    index: 1,
    name: 'lo',
    mtu: 65536,
    kind: undefined,
    address: '00:00:00:00:00:00',
    operstate: 'UNKNOWN',
  });
  assert.equal(pick(br0, ['name', 'kind', 'master']), { name: 'br0', kind: 'bridge', master: undefined });
  assert.equal(pick(v1, ['name', 'kind', 'slaveKind']), { name: 'v1', kind: 'veth', slaveKind: undefined });
});

links('every truncation of every link message: a view or DecodeError, nothing else', () => {
  for (const { name, m } of messagesOf(RTM_NEWLINK)) {
    for (let end = m.start; end < m.end; end++) {
      try {
        const l = linkFromBytes(m.buf, m.start, end);
        (void l.address, l.broadcast);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw new Error(`${name} cut at ${end - m.start}: ${e}`);
        assert.ok(e.offset >= m.start && e.offset <= end, `${name}: offset ${e.offset} outside the message`);
      }
    }
  }
});

links.run();

// ---- routes ---------------------------------------------------------------------------------

const routes = suite('routeFromBytes: the lazy route view');

routes('every RTM_NEWROUTE of the fixtures: the same fields as the full decode, and the same message', () => {
  const all = messagesOf(RTM_NEWROUTE);
  assert.ok(all.length >= 100, `${all.length} route messages`);
  for (const { name, m } of all) {
    const full = decodeRoute(m.buf, m.start, m.end);
    const want = routeFields(full);
    const view = routeFromBytes(m.buf, m.start, m.end);
    assert.equal(pick(view, Object.keys(want)), want, name);
    assert.equal(view.message, full, name);
    assert.equal(toJSON(view), { ...want, message: jsonOf(full) }, name);
  }
});

routes('dump-route-main-1: the four routes of table main as the annotations read', () => {
  const rs = splitMessages(load('dump-route-main-1')).map((m) => routeFromBytes(m.buf, m.start, m.end));
  assert.equal(
    rs.map((r) => [r.dst, r.gateway, r.oif, r.prefsrc, r.metric, r.table, r.type]),
    [
      ['10.1.2.0/24', undefined, 3, '10.1.2.3', undefined, 254, 1],
      ['10.7.0.0/16', undefined, undefined, undefined, undefined, 254, 1],
      ['10.8.0.0/16', undefined, undefined, undefined, undefined, 254, 6],
      ['10.9.0.0/16', '10.1.2.1', 3, undefined, 50, 254, 1],
    ],
  );
  assert.equal(rs[1].nexthops, [
    { gateway: '10.1.2.1', oif: 3, weight: 1, flags: 0 },
    { gateway: '10.1.2.2', oif: 3, weight: 2, flags: 0 },
  ]);
});

routes('every truncation of every route message: a view or DecodeError, nothing else', () => {
  for (const { name, m } of messagesOf(RTM_NEWROUTE).slice(0, 40)) {
    for (let end = m.start; end < m.end; end++) {
      try {
        const r = routeFromBytes(m.buf, m.start, end);
        (void r.dst, r.gateway, r.prefsrc);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw new Error(`${name} cut at ${end - m.start}: ${e}`);
        assert.ok(e.offset >= m.start && e.offset <= end, `${name}: offset ${e.offset} outside the message`);
      }
    }
  }
});

routes.run();

// ---- linkIndexMap ---------------------------------------------------------------------------

const names = suite('linkIndexMap: names from a link dump');

/**
 * A stand-in for NetlinkSocket answering a dump with the captured link dump, renumbered.
 * @returns {import('@nsrun/netlink/transport').NetlinkSocket} (the methods the client calls; cast, as NetlinkSocket is a class)
 */
function dumpSocket(port, fixtures) {
  const queue = [];
  return /** @type {any} */ ({
    port,
    closed: false,
    rcvbuf: 1 << 20,
    maxSend: 1 << 20,
    send(b) {
      const seq = Buffer.from(b).readUInt32LE(8);
      for (const f of fixtures) {
        const d = Buffer.from(load(f));
        for (const m of splitMessages(d)) {
          d.writeUInt32LE(seq, m.start - 8);
          d.writeUInt32LE(port, m.start - 4);
        }
        queue.push(d);
      }
    },
    receive() {
      return queue.length ? { data: queue.shift(), port: 0, groups: 0 } : undefined;
    },
    close() {},
  });
}

names('the dump of dump-link-{1,2,3}: every name with its index, as the full decode reads them', async () => {
  const files = ['dump-link-1', 'dump-link-2', 'dump-link-3'];
  const want = new Map();
  for (const f of files) {
    for (const m of splitMessages(load(f))) {
      if (m.type !== RTM_NEWLINK) continue;
      const l = decodeLink(m.buf, m.start, m.end);
      want.set(findAttr(l.attrs, 'ifname').value, l.index);
    }
  }
  assert.ok(want.size >= 3);
  const c = new RtnlClient(dumpSocket(77, files), 50);
  assert.equal([...(await linkIndexMap(c)).entries()], [...want.entries()]);
});

names.run();
