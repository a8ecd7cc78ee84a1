// The public surface: the entry points package.json exports, what each one holds, and that
// the 0.1.0 root's names all survived the split. What the root exports is listed here in full,
// so that a name reaches it only by a deliberate edit of this list (and of the README).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${pkgDir}package.json`, 'utf8'));
const readme = readFileSync(`${pkgDir}README.md`, 'utf8');

/** The entry points, as the README's "Public API" section names them. */
const ENTRIES = ['.', './nf', './diag', './constants', './messages', './wire', './transport'];
const specifier = (e) => (e === '.' ? '@nsrun/netlink' : `@nsrun/netlink/${e.slice(2)}`);
/** Each entry point's module, or the error importing it gave (the first test reports those). */
const failed = {};
const loaded = Object.fromEntries(
  await Promise.all(ENTRIES.map(async (e) => [e, await import(specifier(e)).catch((err) => ((failed[e] = err.code ?? err.message), {}))])),
);
const names = (e) => Object.keys(loaded[e]).sort();

const ROOT = [
  // the client, notifications
  'RtnlClient',
  'subscribe',
  'RtnlSubscription',
  // errors: every class
  'NetlinkError',
  'ValidationError',
  'DumpInterruptedError',
  'OverrunError',
  'NetlinkTimeoutError',
  'DecodeError',
  // operations and their request builders
  ...['linkAdd', 'linkDel', 'linkDelGroup', 'linkGet', 'linkSet'].flatMap((op) => [op, `${op}Request`]),
  ...['linkFind', 'linkIndex', 'linkIndexMap', 'linkList'],
  ...['Up', 'Down', 'Mtu', 'Name', 'Address', 'Master', 'NoMaster', 'Group', 'Netns'].map((s) => `linkSet${s}`),
  ...['addrAdd', 'addrReplace', 'addrDel'].flatMap((op) => [op, `${op}Request`]),
  'addrList',
  ...['routeAdd', 'routeReplace', 'routeAppend', 'routeDel', 'routeList', 'routeRequest', 'routeRequests', 'routeGet', 'routeGetRequest'],
  ...['neighAdd', 'neighDel', 'neighGet'].flatMap((op) => [op, `${op}Request`]),
  'neighList',
  ...['nsidGet', 'nsidSet'].flatMap((op) => [op, `${op}Request`]),
  'nsidList',
  // the link kinds linkAdd makes, and their checks
  ...['LINK_KINDS', 'MACVLAN_MODES', 'checkLinkKind', 'isLinkKindName'],
  // views and name tables
  ...['linkFromBytes', 'routeFromBytes', 'addressFromMessage', 'neighbourFromMessage', 'decodeLinkStats', 'LINK_STATS_FIELDS'],
  ...['ROUTE_TYPES', 'ROUTE_SCOPES', 'ROUTE_PROTOCOLS', 'NUD_STATES', 'OPERSTATES'],
  // input checks, and helpers for a request body of one's own
  ...['checkIfname', 'checkAddress', 'checkPrefix', 'checkBinaryPrefix', 'checkMac', 'checkMtu', 'checkInt', 'checkRef', 'networkOf'],
  ...['writeAddrAttr', 'addrBytes', 'writeNetns', 'describeNetns'],
].sort();

/** What the short subpaths hold, in full; ./constants, ./nf and ./diag are checked by rule below. */
const WIRE = [
  ...['Writer', 'AttrReader', 'splitMessages', 'decodeError', 'encodeError', 'schema', 'decodeAttrs', 'encodeAttrs', 'findAttr'],
  ...['u8', 'u16', 'u16be', 'u32', 'u32be', 'u64', 's32', 'string', 'binary', 'flag', 'nested', 'structU32', 'ip', 'mac'],
  ...['parseIP', 'formatIPv4', 'formatIPv6', 'parseMac', 'ipv4Value', 'ipv6Bytes'],
].sort();
const MESSAGES = [
  ...['decodeMessage', 'decodeMessages', 'encodeMessage', 'encodeMessages', 'familyOf'],
  ...['Link', 'Addr', 'Route', 'Neigh'].flatMap((f) => [`decode${f}`, `encode${f}`, `${f.toLowerCase()}Schema`]),
  ...['KIND_SCHEMAS', 'bridgeSchema', 'brportSchema', 'macvlanSchema', 'vethSchema', 'vlanSchema', 'vxlanSchema'],
].sort();
const TRANSPORT = ['NetlinkSocket'];

/** The 0.1.0 builders renamed to the one `…Request` suffix (no aliases: the package was never published). */
const RENAMED = {
  nftTableAddMsg: 'nftTableAddRequest',
  nftTableDelMsg: 'nftTableDelRequest',
  nftChainAddMsg: 'nftChainAddRequest',
  nftChainDelMsg: 'nftChainDelRequest',
  nftRuleAddMsg: 'nftRuleAddRequest',
  nftRuleDelMsg: 'nftRuleDelRequest',
  nftRuleDumpRequest: 'nftRuleListRequest',
  writeNftMessage: 'writeNftRequest',
};

const KERNEL_NAME = /^[A-Z][A-Z0-9_]*[A-Z0-9]$|^RT(M|NL)GRP_DECnet_[A-Z]+$/;

test('package.json exports exactly the entry points the README documents, each with its types', () => {
  assert.equal(failed, {}, 'every entry point imports');
  assert.equal(Object.keys(pkg.exports).sort(), [...ENTRIES].sort());
  const section = readme.slice(readme.indexOf('## Public API'), readme.indexOf('## Layers'));
  const documented = [...section.matchAll(/^\| `(@nsrun\/netlink[^`]*)` \|/gm)].map((m) => m[1]);
  assert.equal(documented.sort(), ENTRIES.map(specifier).sort());
  for (const [e, target] of Object.entries(pkg.exports)) {
    for (const file of [target.types, target.default]) assert.ok(existsSync(`${pkgDir}${file}`), `${e}: ${file} is missing (built?)`);
  }
});

test('the root exports the rtnetlink API and nothing of the codec: no u8, string, Writer, schema, constant', () => {
  assert.equal(names('.'), ROOT);
  for (const codec of ['u8', 'u32', 'string', 'binary', 'ip', 'nested', 'schema', 'Writer', 'AttrReader', 'decodeLink', 'splitMessages', 'RTM_NEWLINK']) {
    assert.not.ok(codec in loaded['.'], `${codec} in the root`);
  }
});

test('each subpath holds its layer or protocol', () => {
  assert.equal(names('./wire'), WIRE);
  assert.equal(names('./messages'), MESSAGES);
  assert.equal(names('./transport'), TRANSPORT);
  // ./constants: only kernel names (the uapi headers' spelling, DECnet's mixed case included).
  assert.equal(
    names('./constants').filter((n) => !KERNEL_NAME.test(n)),
    [],
  );
  for (const n of ['NLMSG_HDRLEN', 'NLM_F_REQUEST', 'RTM_NEWLINK', 'IFLA_MTU', 'IFF_UP', 'AF_INET6', 'RTN_BLACKHOLE', 'NDA_LLADDR'])
    assert.ok(n in loaded['./constants'], n);
  const nf = ['NftClient', 'nftTableAdd', 'nftTableAddRequest', 'nftChainList', 'nftRuleAddRequest', 'nftRuleListRequest', 'encodeBatch', 'writeNftRequest'];
  for (const n of [...nf, 'match', 'masquerade', 'dnat', 'decodeExpr', 'exprList', 'NF_IP_PRI_NAT_SRC', 'NFT_CMP_EQ', 'NFTA_RULE_EXPRESSIONS']) {
    assert.ok(n in loaded['./nf'], `${n} in ./nf`);
  }
  for (const n of ['SockDiagClient', 'inetSockList', 'inetSockListRequest', 'decodeInetDiagMsg', 'INET_DIAG_INFO', 'TCP_LISTEN'])
    assert.ok(n in loaded['./diag'], `${n} in ./diag`);
});

test('one suffix for one role: every builder is `…Request`, none `…Msg`', () => {
  const all = ENTRIES.flatMap(names);
  assert.equal(
    // An operation's name (noun first) with another suffix. Not builders: the codec's names
    // (writeNfGenMsg; nfMsg, the NFT_MSG_* of a type) and the views (inetSockFromMessage).
    all.filter((n) => /^(link|addr|route|neigh|nsid|nft|inetSock)[A-Z]\w*(Msgs?|Message)$/.test(n) && !n.endsWith('FromMessage')),
    [],
  );
  for (const op of ['nftTableAdd', 'nftTableDel', 'nftChainAdd', 'nftChainDel', 'nftRuleAdd', 'nftRuleDel', 'nftRuleList'])
    assert.ok(`${op}Request` in loaded['./nf'], op);
});

test('every name is exported by exactly one entry point, and none of 0.1.0 was lost', () => {
  const where = new Map();
  for (const e of ENTRIES) for (const n of names(e)) where.set(n, [...(where.get(n) ?? []), e]);
  assert.equal(
    [...where].filter(([, es]) => es.length > 1),
    [],
  );
  const before = readFileSync(new URL('surface-0.1.0.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  assert.is(before.length, 1496);
  const lost = before.filter((n) => !where.has(RENAMED[n] ?? n));
  assert.equal(lost, []);
  assert.equal(
    Object.keys(RENAMED).filter((old) => where.has(old)),
    [],
  );
});

test("the README's examples import only what their entry point exports", () => {
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  let checked = 0;
  for (const code of blocks) {
    for (const m of code.matchAll(/import \{([^}]*)\} from '(@nsrun\/netlink[^']*)'/g)) {
      const e = ENTRIES.find((x) => specifier(x) === m[2]);
      assert.ok(e, `${m[2]} is not an entry point`);
      for (const n of m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        assert.ok(n in loaded[e], `${n} from ${m[2]}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 20, `${checked} names checked`);
});

test('the deep dist paths are closed: only the exported subpaths resolve', () => {
  const require = createRequire(import.meta.url);
  assert.throws(() => require.resolve('@nsrun/netlink/dist/index.js'), /ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/);
  assert.throws(() => require.resolve('@nsrun/netlink/nf/rule'), /ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/);
});

test.run();
