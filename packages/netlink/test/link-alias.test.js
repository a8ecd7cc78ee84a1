// IFLA_IFALIAS, the free-text alias of a link (nsrun stamps its host veths with one): the request
// against iproute2's bytes (fixtures/req-link-set-alias.txt, `ip link set v0 alias "..."` under
// strace) both ways, and against the kernel, observed through our API and `ip -j`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { linkSetRequest, linkSet, linkAdd, linkGet, linkList, ValidationError } from '@nsrun/netlink';
import { RTM_NEWLINK, NLM_F_REQUEST, NLM_F_ACK, IFLA_IFALIAS } from '@nsrun/netlink/constants';
import { Writer } from '@nsrun/netlink/wire';
import { decodeMessages, decodeLink, encodeLink } from '@nsrun/netlink/messages';
import { attrAt, decodeAs, load } from './fixtures/load.js';
import { kernelSuite } from '@nsrun/test-helpers/kernel';

const ALIAS = 'nsrun 64:5 0123456789ab';
const hex = (b) => Buffer.from(b).toString('hex');

const codec = suite("IFLA_IFALIAS: iproute2's request, both ways");

codec('decode: RTM_NEWLINK on index 4 with the alias, sent without a NUL', () => {
  const [m] = decodeAs('link', load('req-link-set-alias'));
  assert.equal(m.header, { type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1796458490, pid: 0 });
  assert.equal({ ...m.body, attrs: undefined }, { family: 0, type: 0, index: 4, flags: 0, change: 0, attrs: undefined });
  // iproute2 leaves out the NUL (addattr_l(..., strlen(alias))): the string codec requires one,
  // so the attribute stays `unknown`, holding the bare bytes (and re-encodes as it came).
  assert.is(m.body.attrs.length, 1);
  const alias = attrAt(m.body.attrs, 0, 'unknown');
  assert.is(alias.code, IFLA_IFALIAS);
  assert.is(alias.data.toString('utf8'), ALIAS);
  const bytes = load('req-link-set-alias');
  const w = new Writer();
  encodeLink(w, decodeLink(bytes, 16, bytes.length));
  assert.is(hex(w.toBuffer()), hex(bytes.subarray(16)));
});

codec("linkSetRequest({ alias }) builds iproute2's bytes", () => {
  const expected = load('req-link-set-alias');
  const req = linkSetRequest(4, { alias: ALIAS });
  const w = new Writer();
  const at = w.beginMessage(req.type, NLM_F_REQUEST | NLM_F_ACK | (req.flags ?? 0), expected.readUInt32LE(8), 0);
  req.body(w);
  w.endMessage(at);
  assert.is(hex(w.toBuffer()), hex(expected));
  assert.is(req.what, `linkSet #4 alias "${ALIAS}"`);
});

codec('an alias that dev_set_alias would refuse is refused before sending', () => {
  const bad = (alias) => (e) => e instanceof ValidationError && e.field === 'alias' && e.value === alias;
  assert.throws(() => linkSetRequest(4, { alias: 'x'.repeat(256) }), bad('x'.repeat(256)));
  assert.throws(() => linkSetRequest(4, { alias: 'a\0b' }), bad('a\0b'));
  // @ts-expect-error: an alias is a string (a number is refused at run time too)
  assert.throws(() => linkSetRequest(4, { alias: 7 }), bad(7));
  linkSetRequest(4, { alias: 'x'.repeat(255) });
  // '' is the removal: an empty attribute.
  const w = new Writer();
  linkSetRequest(4, { alias: '' }).body(w);
  assert.is(hex(w.toBuffer().subarray(16)), '04001400');
});

codec.run();

const k = kernelSuite('IFLA_IFALIAS against the kernel');

k('set with master and up in one request; read back by linkGet, linkList and ip -j; removed with an empty one', async (ctx) => {
  await linkAdd(ctx.nl, { kind: 'bridge', name: 'br0' });
  await linkAdd(ctx.nl, { kind: 'veth', name: 'v0', peer: { name: 'v1' } });
  const br = await linkGet(ctx.nl, 'br0');
  await linkSet(ctx.nl, 'v0', { master: br.index, up: true, alias: ALIAS });
  const [seen] = ctx.ip('-j', 'link', 'show', 'dev', 'v0');
  assert.is(seen.ifalias, ALIAS);
  assert.is(seen.master, 'br0');
  const l = await linkGet(ctx.nl, 'v0');
  assert.is(l.alias, ALIAS);
  assert.is(l.master, br.index);
  assert.is(/** @type {any} */ (l).toJSON().alias, ALIAS); // the view's own method; the Link type leaves it out
  assert.equal(
    (await linkList(ctx.nl, { master: br.index })).map((x) => [x.name, x.alias]),
    [['v0', ALIAS]],
  );
  assert.is((await linkGet(ctx.nl, 'v1')).alias, undefined);
  // Set by iproute2, read by us.
  ctx.ip('link', 'set', 'v1', 'alias', 'from ip');
  assert.is((await linkGet(ctx.nl, 'v1')).alias, 'from ip');
  await linkSet(ctx.nl, 'v0', { alias: '' });
  assert.is(ctx.ip('-j', 'link', 'show', 'dev', 'v0')[0].ifalias, undefined);
  assert.is((await linkGet(ctx.nl, 'v0')).alias, undefined);
});

k.run();
