// The container's /etc/resolv.conf: its own file, bind-mounted in its mount namespace; the
// host's file is never written.
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { kernelSuite } from '@nsrun/test-helpers/kernel';
import { apiInNs, nsrunSync, records, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';

const k = kernelSuite('nsrun run: DNS');
k.before.each((ctx) => {
  ctx.state = stateDir();
});
k.after.each((ctx) => {
  removeStateDir(ctx.state);
});

const hostFile = () => {
  const st = statSync('/etc/resolv.conf');
  return { text: readFileSync('/etc/resolv.conf', 'utf8'), mtime: st.mtimeMs, ino: st.ino };
};

k("--dns: the container's file lists exactly those; the host's is unchanged; the container may edit its own", (ctx) => {
  const before = hostFile();
  const r = nsrunSync(ctx.ns, [
    'run',
    '--state-dir',
    ctx.state,
    '--dns',
    '10.10.10.1',
    '--dns',
    '2001:db8::53',
    '--',
    'sh',
    '-c',
    'cat /etc/resolv.conf; echo "nameserver 192.0.2.99" >> /etc/resolv.conf',
  ]);
  assert.is(r.status, 0, r.stderr);
  const servers = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('nameserver'))
    .map((l) => l.split(/\s+/)[1]);
  assert.equal(servers, ['10.10.10.1', '2001:db8::53']);
  assert.equal(hostFile(), before);
  assert.equal(records(ctx.state), []);
  assert.equal(readdirSync(`${ctx.state}/containers`), [], 'the file nsrun wrote is gone (the mount held it)');
});

k('--dns refuses what is not an address, before anything is created', (ctx) => {
  const r = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--dns', 'dns.example', '--', 'true']);
  assert.is(r.status, 125);
  assert.match(r.stderr, /^nsrun: run: validate: dns: "dns\.example" is not an IP address/);
  assert.equal(
    ctx.ip('-j', 'link', 'show').map((l) => l.ifname),
    ['lo'],
  );
});

k("default: a stub-only host (127.0.0.53) gives systemd-resolved's upstream servers; other loopback servers are left out with a warning", (ctx) => {
  const stub = `${ctx.state}/host-resolv.conf`;
  const upstream = `${ctx.state}/systemd-resolv.conf`;
  writeFileSync(stub, 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp.test\n');
  writeFileSync(upstream, 'nameserver 192.0.2.1\nnameserver 192.0.2.2\nsearch corp.test\n');
  const mixed = `${ctx.state}/mixed-resolv.conf`;
  writeFileSync(mixed, 'nameserver 127.0.0.1\nnameserver 192.0.2.7\n');
  // The containers write what they see outside the state directory (hidden from them).
  const seen = mkdtempSync('/tmp/nsrun-dns-');
  let r;
  try {
    r = apiInNs(
      ctx.ns,
      `
const res = {};
for (const [name, resolvConf] of [['stub', ${JSON.stringify(stub)}], ['mixed', ${JSON.stringify(mixed)}]]) {
  const warnings = [];
  const h = await runner.run({ command: ['sh', '-c', 'cat /etc/resolv.conf > ${seen}/seen-' + name], net: 'none', stateDir: ${JSON.stringify(ctx.state)},
    resolvFiles: { resolvConf, systemdResolvConf: ${JSON.stringify(upstream)} }, onWarning: (w) => warnings.push(w) });
  await h.wait();
  res[name] = { seen: fs.readFileSync(${JSON.stringify(seen)} + '/seen-' + name, 'utf8'), warnings };
}
out(res);`,
    );
  } finally {
    rmSync(seen, { recursive: true, force: true });
  }
  const servers = (t) =>
    t
      .split('\n')
      .filter((l) => l.startsWith('nameserver'))
      .map((l) => l.split(/\s+/)[1]);
  assert.equal(servers(r.stub.seen), ['192.0.2.1', '192.0.2.2']);
  assert.match(r.stub.seen, /^search corp\.test$/m);
  assert.match(r.stub.seen, /^options edns0 trust-ad$/m);
  assert.equal(r.stub.warnings, []);
  assert.equal(servers(r.mixed.seen), ['192.0.2.7']);
  assert.is(r.mixed.warnings.length, 1);
  assert.match(r.mixed.warnings[0], /127\.0\.0\.1 is the host's loopback/);
  // The files nsrun wrote for the containers are gone (the bind mounts held them).
  assert.equal(records(ctx.state), []);
});

k(
  "the resolv.conf is never a file of the host's (a SIGKILL at any moment leaves none behind): it lives on a tmpfs of the container's mount namespace",
  async (ctx) => {
    // Watch the whole state directory while a container with its own resolv.conf starts.
    const seen = [];
    const { watch } = await import('node:fs');
    mkdirSync(`${ctx.state}/containers`, { recursive: true });
    const watchers = [watch(ctx.state, (_, f) => seen.push(String(f))), watch(`${ctx.state}/containers`, (_, f) => seen.push(`containers/${f}`))];
    try {
      const r = nsrunSync(ctx.ns, ['run', '--state-dir', ctx.state, '--net', 'none', '--dns', '192.0.2.53', '--', 'cat', '/etc/resolv.conf']);
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stdout, /^nameserver 192\.0\.2\.53$/m);
      await new Promise((resolve) => setTimeout(resolve, 100)); // inotify events are delivered on the loop
    } finally {
      for (const w of watchers) w.close();
    }
    assert.ok(
      seen.some((f) => f.startsWith('containers/')),
      `the watch works (records come and go): ${seen.join(' ')}`,
    );
    assert.equal(
      seen.filter((f) => /resolv/.test(f)),
      [],
      'no resolv.conf was ever written to the state directory',
    );
  },
);

k.run();
