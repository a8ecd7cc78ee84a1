// nf_tables rules against the real kernel, each test in a fresh network namespace. `nft`, run
// inside the namespace, is the independent observer: rules we build must list (`nft -j`)
// exactly as the same rules written in nft's own syntax, rules nft made must decode to what
// our builders make, and rules go away by handle.
import * as assert from 'uvu/assert';
import { NetlinkError } from '@nsrun/netlink';
import {
  NftClient,
  nftTableAddRequest,
  nftChainAddRequest,
  nftRuleAddRequest,
  nftRuleDelRequest,
  nftRuleAdd,
  nftRuleDel,
  nftRuleList,
  flattenExprs,
  match,
  counter,
  masquerade,
  dnat,
  accept,
  drop,
  jump,
  NF_NAT_RANGE_MAP_IPS,
  NFT_BITWISE_MASK_XOR,
} from '@nsrun/netlink/nf';
import { kernelSuite, rejection, skip } from '@nsrun/test-helpers/kernel';
import { nft, nftFile, nftSkipReason } from '@nsrun/test-helpers/nft';

const reason = nftSkipReason;
/** nft's view of one table's rules: [chain, handle, comment, expr] in listing order. */
const nftRules = (ctx, table) =>
  nft(ctx, '-j', '-a', 'list', 'table', 'ip', table)
    .filter((x) => x.rule)
    .map(({ rule: r }) => [r.chain, r.handle, r.comment, r.expr]);

const k = kernelSuite('kernel nf_tables: rules');
k.before.each((ctx) => {
  if (!reason) ctx.nft = NftClient.open({ netns: ctx.ns });
});
k.after.each((ctx) => ctx.nft?.close());

const CHAINS = `
  chain pre { type nat hook prerouting priority -100; }
  chain post { type nat hook postrouting priority 100; }
  chain forw { type filter hook forward priority 0; }
  chain sub { }`;

/** Our layout: the same table through our messages. */
const ourTable = (name) => [
  nftTableAddRequest({ family: 'ip', name }),
  nftChainAddRequest({ family: 'ip', table: name, name: 'pre', type: 'nat', hook: 'prerouting', priority: -100 }),
  nftChainAddRequest({ family: 'ip', table: name, name: 'post', type: 'nat', hook: 'postrouting', priority: 100 }),
  nftChainAddRequest({ family: 'ip', table: name, name: 'forw', type: 'filter', hook: 'forward', priority: 0 }),
  nftChainAddRequest({ family: 'ip', table: name, name: 'sub' }),
];

// nsrun's rules: [chain, nft text, our expressions, comment]
/** @type {[string, string, import('@nsrun/netlink/nf').NftRuleSpec['expressions'], string | undefined][]} */
const RULES = [
  [
    'post',
    'ip saddr 10.10.10.0/24 oifname != "brg0" counter masquerade',
    [match.ipSaddr('10.10.10.0/24'), match.oifname('brg0', { neq: true }), counter(), masquerade()],
    'nsrun:c1',
  ],
  [
    'pre',
    'iifname != "brg0" ip daddr 192.0.2.1 tcp dport 8080 dnat to 10.10.10.2:80',
    [match.iifname('brg0', { neq: true }), match.ipDaddr('192.0.2.1'), match.tcpDport(8080), dnat('10.10.10.2', 80)],
    'nsrun:c1',
  ],
  [
    'pre',
    'iifname != "brg0" ip daddr 192.0.2.1 udp dport 5353 dnat to 10.10.10.2:53',
    [match.iifname('brg0', { neq: true }), match.ipDaddr('192.0.2.1'), match.udpDport(5353), dnat('10.10.10.2', 53)],
    'nsrun:c1',
  ],
  ['forw', 'ct state established,related accept', [match.ctState(['established', 'related']), accept()], undefined],
  ['forw', 'iifname "brg0" accept', [match.iifname('brg0'), accept()], 'nsrun:c1'],
  [
    'forw',
    'oifname "brg0" ip daddr 10.10.10.2 tcp dport 80 accept',
    [match.oifname('brg0'), match.ipDaddr('10.10.10.2'), match.tcpDport(80), accept()],
    'nsrun:c1',
  ],
  ['forw', 'ip saddr 10.10.0.0/20 jump sub', [match.ipSaddr('10.10.0.0/20'), jump('sub')], undefined],
  ['sub', 'counter drop', [counter(), drop()], 'nsrun:c2'],
];
const nftText = (table) =>
  `table ip ${table} {${CHAINS}\n}\n${RULES.map(([chain, text, , c]) => `add rule ip ${table} ${chain} ${text}${c ? ` comment "${c}"` : ''}\n`).join('')}`;
const ourRules = (table) => RULES.map(([chain, , expressions, comment]) => nftRuleAddRequest({ family: 'ip', table, chain, expressions, comment }));

k('our rules, applied in one transaction, list in nft exactly as the same rules written for nft', async (ctx) => {
  if (reason) return skip(reason);
  await ctx.nft.transaction([...ourTable('ours'), ...ourRules('ours')]);
  nftFile(ctx, nftText('ref'));
  const ours = nftRules(ctx, 'ours');
  const ref = nftRules(ctx, 'ref');
  assert.is(ours.length, RULES.length);
  // Same chain, comment and expressions, rule by rule (handles are the table's own).
  assert.equal(
    ours.map(([chain, , comment, expr]) => [chain, comment, expr]),
    ref.map(([chain, , comment, expr]) => [chain, comment, expr]),
  );
  // One spelled out, as nft 1.0.6 prints it.
  const masq = ours.find(([chain]) => chain === 'post');
  assert.equal(masq[3], [
    { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr: '10.10.10.0', len: 24 } } } },
    { match: { op: '!=', left: { meta: { key: 'oifname' } }, right: 'brg0' } },
    { counter: { packets: 0, bytes: 0 } },
    { masquerade: null },
  ]);
  assert.match(nft(ctx, 'list', 'chain', 'ip', 'ours', 'pre'), /dnat to 10\.10\.10\.2:80 comment "nsrun:c1"/);
});

k('rules nft made list through our decoder: handles, comments, and the expressions our builders make', async (ctx) => {
  if (reason) return skip(reason);
  nftFile(ctx, nftText('ref'));
  const seen = nftRules(ctx, 'ref');
  const rules = await nftRuleList(ctx.nft, { family: 'ip', table: 'ref' });
  assert.equal(
    rules.map((r) => [r.chain, r.handle, r.comment]),
    seen.map(([chain, handle, comment]) => [chain, handle, comment]),
  );
  // What the kernel reports adds its defaults to what was sent (see nf-rule-codec.test.js).
  const kernelForm = (e) =>
    e.kind === 'counter'
      ? { kind: 'counter', bytes: 0n, packets: 0n }
      : e.kind === 'bitwise'
        ? { ...e, op: NFT_BITWISE_MASK_XOR }
        : e.kind === 'nat'
          ? { ...e, regAddrMax: e.regAddrMin, regProtoMax: e.regProtoMin, flags: e.flags | NF_NAT_RANGE_MAP_IPS }
          : e;
  // Rule i of a chain is the chain's i-th rule of RULES (nft appended them in that order).
  for (const chain of ['pre', 'post', 'forw', 'sub']) {
    const got = rules.filter((r) => r.chain === chain);
    const want = RULES.filter((x) => x[0] === chain);
    assert.is(got.length, want.length);
    got.forEach((r, i) => {
      assert.equal(r.expressions, flattenExprs(want[i][2]).map(kernelForm), `${chain}: ${want[i][1]}`);
      assert.equal([r.family, r.table], ['ip', 'ref']);
    });
  }
  // Positions chain the rules of each chain together.
  const forw = rules.filter((r) => r.chain === 'forw');
  assert.equal(
    forw.map((r) => r.position),
    [undefined, ...forw.slice(0, -1).map((r) => r.handle)],
  );
  assert.equal(await nftRuleList(ctx.nft, { family: 'ip', table: 'ref', chain: 'sub' }).then((l) => l.map((r) => r.comment)), ['nsrun:c2']);
});

k('nftRuleAdd returns the handle; find by comment, delete by handle; insert before a handle', async (ctx) => {
  if (reason) return skip(reason);
  await ctx.nft.transaction(ourTable('t'));
  const spec = (comment, expressions) => ({ family: /** @type {const} */ ('ip'), table: 't', chain: 'forw', comment, expressions });
  const a = await nftRuleAdd(ctx.nft, spec('nsrun:a', [match.iifname('brg0'), accept()]));
  const b = await nftRuleAdd(ctx.nft, spec('nsrun:b', [match.oifname('brg0'), accept()]));
  const a2 = await nftRuleAdd(ctx.nft, spec('nsrun:a', [match.ipSaddr('10.10.10.0/24'), accept()]));
  assert.equal(
    nftRules(ctx, 't').map(([, handle, comment]) => [handle, comment]),
    [
      [a.handle, 'nsrun:a'],
      [b.handle, 'nsrun:b'],
      [a2.handle, 'nsrun:a'],
    ],
  );
  assert.equal([a.chain, a.comment, a.expressions.length], ['forw', 'nsrun:a', 3]);

  // Insert before b, append after a.
  await ctx.nft.transaction([
    nftRuleAddRequest({ ...spec('nsrun:x', [drop()]), position: b.handle, insert: true }),
    nftRuleAddRequest({ ...spec('nsrun:y', [drop()]), position: a.handle }),
  ]);
  assert.equal(
    nftRules(ctx, 't').map(([, , comment]) => comment),
    ['nsrun:a', 'nsrun:y', 'nsrun:x', 'nsrun:b', 'nsrun:a'],
  );

  // Everything tagged nsrun:a goes, in one transaction, by handle.
  const mine = await nftRuleList(ctx.nft, { family: 'ip', table: 't', comment: 'nsrun:a' });
  assert.equal(
    mine.map((r) => r.handle),
    [a.handle, a2.handle],
  );
  await ctx.nft.transaction(mine.map((r) => nftRuleDelRequest({ family: 'ip', table: 't', chain: r.chain, handle: r.handle })));
  assert.equal(
    nftRules(ctx, 't').map(([, , comment]) => comment),
    ['nsrun:y', 'nsrun:x', 'nsrun:b'],
  );
  await nftRuleDel(ctx.nft, { family: 'ip', table: 't', chain: 'forw', handle: b.handle });
  assert.equal(
    nftRules(ctx, 't').map(([, , comment]) => comment),
    ['nsrun:y', 'nsrun:x'],
  );
});

k('errors: an unknown handle, a jump to no chain; a failed transaction applies nothing', async (ctx) => {
  if (reason) return skip(reason);
  await ctx.nft.transaction(ourTable('t'));
  const e1 = await rejection(nftRuleDel(ctx.nft, { family: 'ip', table: 't', chain: 'forw', handle: 999 }), 'delete handle 999');
  assert.instance(e1, NetlinkError);
  assert.is(e1.code, 'ENOENT');
  assert.match(e1.message, /nftRuleDel ip t forw handle 999/);
  const e2 = await rejection(
    ctx.nft.transaction([
      nftRuleAddRequest({ family: 'ip', table: 't', chain: 'forw', expressions: [accept()], comment: 'first' }),
      nftRuleAddRequest({ family: 'ip', table: 't', chain: 'forw', expressions: [jump('nosuch')] }),
    ]),
    'jump to a missing chain',
  );
  assert.instance(e2, NetlinkError);
  assert.is(e2.code, 'ENOENT');
  assert.match(e2.message, /nftRuleAdd ip t forw/);
  assert.equal(nftRules(ctx, 't'), []);
});

k.run();
