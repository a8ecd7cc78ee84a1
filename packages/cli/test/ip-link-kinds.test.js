// Link kinds are one table (@nsrun/netlink's LINK_KINDS, one file per kind in ops/link-kinds/),
// and `nsrun ip link add ... type KIND` has one parser per kind (cli/src/ip/link-kinds/). This
// checks that the two cannot drift: the usage names exactly the table's kinds, and for every kind
// of the table a link made by the CLI and the same link made by the API (linkAdd) are the same
// link to an independent observer (`ip -j -d link show`), each in a namespace of its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NetNs } from '@nsrun/sys';
import { LINK_KINDS, NetlinkError, linkAdd, linkIndex } from '@nsrun/netlink';
import { parseIp, HelpRequest } from '@nsrun/cli';
import { ipIn, kernelSuite, skip } from '@nsrun/test-helpers/kernel';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const KINDS = Object.keys(LINK_KINDS);
const MAC = '02:00:00:00:10:01';
const PEER_MAC = '02:00:00:00:10:02';

/**
 * Per kind: the words of `nsrun ip link add k0 address MAC mtu 1400 PRE type KIND POST` and the
 * matching LinkAddSpec fields (`lower` is lower0's index), each option of the kind's parser used.
 */
const CASES = {
  // (Not vlan_filtering: kernels without CONFIG_BRIDGE_VLAN_FILTERING refuse it. Its bytes are
  // checked in packages/netlink/test/codec-link-add.test.js.)
  bridge: {
    post: ['forward_delay', '500', 'ageing_time', '1000', 'stp_state', '1'],
    api: () => ({ forwardDelay: 500, ageingTime: 1000, stp: true }),
  },
  veth: {
    post: ['peer', 'name', 'k1', 'address', PEER_MAC, 'mtu', '1300', 'txqueuelen', '600', 'group', '7'],
    api: () => ({ peer: { name: 'k1', address: PEER_MAC, mtu: 1300, txqlen: 600, group: 7 } }),
    also: ['k1'],
  },
  vlan: {
    pre: ['link', 'lower0'],
    post: ['id', '10', 'protocol', '802.1ad'],
    api: (lower) => ({ link: lower, id: 10, protocol: '802.1ad' }),
  },
  macvlan: { pre: ['link', 'lower0'], post: ['mode', 'private'], api: (lower) => ({ link: lower, mode: 'private' }) },
  macvtap: { pre: ['link', 'lower0'], post: ['mode', 'vepa'], api: (lower) => ({ link: lower, mode: 'vepa' }) },
  vxlan: {
    post: ['id', '42', 'dstport', '4789', 'remote', '10.1.1.1', 'local', '10.0.0.1', 'dev', 'lower0', 'ttl', '5', 'nolearning'],
    api: (lower) => ({ id: 42, port: 4789, remote: '10.1.1.1', local: '10.0.0.1', link: lower, ttl: 5, learning: false }),
  },
};

const usage = () => {
  try {
    parseIp(['link', 'help']);
  } catch (e) {
    if (e instanceof HelpRequest) return e.text;
    throw e;
  }
  throw new Error('ip link help: no HelpRequest');
};

test('the usage of `ip link add ... type TYPE` lists exactly the kinds of LINK_KINDS, in its order', () => {
  const text = usage();
  const from = text.indexOf('TYPE [ARGS] := ');
  assert.ok(from > 0, text);
  const listed = text
    .slice(from)
    .split('\n')
    .map((l) => /^(?:TYPE \[ARGS\] := | {13}\| )([a-z0-9]+(?: \| [a-z0-9]+)*)/.exec(l)?.[1])
    .filter(Boolean)
    .flatMap((w) => w.split(' | '));
  assert.equal(listed, KINDS);
});

test('every kind of LINK_KINDS has a case here (a new kind needs one)', () => {
  assert.equal(Object.keys(CASES), KINDS);
});

test('every kind parses: `type KIND` with its options gives that kind, anything else is refused', () => {
  for (const kind of KINDS) {
    const c = CASES[kind];
    const { command } = /** @type {any} */ (parseIp(['link', 'add', 'k0', ...(c.pre ?? []), 'type', kind, ...c.post])); // a link add: the test reads its parsed args
    assert.is(command.args.kind, kind);
    assert.throws(() => parseIp(['link', 'add', 'k0', ...(c.pre ?? []), 'type', kind, ...c.post, 'frob']), /unexpected argument "frob"/);
  }
  assert.throws(
    () => parseIp(['link', 'add', 'k0', 'type', 'dummy']),
    (e) => e.message.includes(`must be ${KINDS.slice(0, -1).join(', ')} or ${KINDS.at(-1)}`),
  );
});

test.run();

// ---- against the kernel -----------------------------------------------------------------------

const k = kernelSuite('ip link add: every kind, by the CLI and by the API, as ip -d -j sees it');

/** What ip -d -j shows of a link, less what differs between two namespaces by nature. */
function view(ns, name) {
  const [l] = ipIn(ns, '-d', '-j', 'link', 'show', 'dev', name);
  delete l.ifindex;
  delete l.link_index;
  const data = l.linkinfo?.info_data;
  // Bridge timers run: their values depend on when they are read.
  if (data) for (const key of Object.keys(data)) if (key.endsWith('_timer')) delete data[key];
  return l;
}

/** Both namespaces start the same: lo up, a veth pair lower0/lower1 as the lower device. */
function prepare(ns) {
  ipIn(ns, 'link', 'add', 'lower0', 'type', 'veth', 'peer', 'name', 'lower1');
}

for (const kind of KINDS) {
  k(`${kind}: nsrun ip link add and linkAdd make the same link`, async (ctx) => {
    const c = CASES[kind];
    assert.ok(c, `no case for kind ${kind}`);
    const cliNs = NetNs.create();
    try {
      ipIn(cliNs, 'link', 'set', 'lo', 'up');
      prepare(cliNs);
      prepare(ctx.ns);
      const words = ['link', 'add', 'k0', 'address', MAC, 'mtu', '1400', ...(c.pre ?? []), 'type', kind, ...c.post];
      const cli = spawnSync('nsenter', [`--net=${cliNs.procPath}`, process.execPath, MAIN, 'ip', ...words], { encoding: 'utf8' });
      const spec = { name: 'k0', address: MAC, mtu: 1400, kind, ...c.api(await linkIndex(ctx.nl, 'lower0')) };
      let apiError;
      try {
        await linkAdd(ctx.nl, spec);
      } catch (e) {
        if (!(e instanceof NetlinkError)) throw e;
        apiError = e;
      }
      if (apiError?.code === 'EOPNOTSUPP' && /Unknown device type/.test(apiError.message)) {
        // A kind this kernel lacks (vlan without 8021q): both refuse it the same way.
        assert.is(cli.status, 1, cli.stderr);
        assert.match(cli.stderr, /EOPNOTSUPP/);
        skip(`${kind}: this kernel has no ${kind} links: ${apiError.message}`);
        return;
      }
      if (apiError) throw apiError;
      assert.is(cli.status, 0, `nsrun ip ${words.join(' ')}: ${cli.stderr}`);
      assert.is(cli.stderr, '');
      for (const name of ['k0', ...(c.also ?? [])]) assert.equal(view(cliNs, name), view(ctx.ns, name), `${kind}: ${name}`);
      assert.is(view(ctx.ns, 'k0').linkinfo.info_kind, kind);
    } finally {
      cliNs.close();
    }
  });
}

k('ip -batch: a bad kind or kind option on a later line refuses the batch before anything is made', (ctx) => {
  // The kinds' parsers check what linkAddRequest would refuse, so a batch checks every line
  // first, as it promises (before, these lines got as far as the request: line 1 ran).
  for (const [bad, error] of [
    ['link add k1 type dummy', `invalid link.kind "dummy": must be ${KINDS.slice(0, -1).join(', ')} or ${KINDS.at(-1)}`],
    ['link add k1 link lo type macvlan mode frob', 'invalid link.mode "frob": must be one of private, vepa, bridge, passthru, source'],
  ]) {
    const input = `link add k0 type bridge\n${bad}\n`;
    const r = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, process.execPath, MAIN, 'ip', '-batch', '-'], { input, encoding: 'utf8' });
    assert.is(r.stderr, `nsrun: ${error}\nCommand failed -:2\n`);
    assert.is(r.status, 2);
    assert.equal(
      ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
      ['lo'],
    );
  }
});

k.run();
