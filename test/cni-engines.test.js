// End to end with real engines, offline, inside the test sandbox: containerd (`ctr run --cni`)
// and podman (network_backend "cni", `-p`) run a busybox-static container on a network whose
// conflist says `"type": "nsrun"`: its address comes from the subnet, it pings the gateway, a
// published port is reached from the sandbox's host; after the container is removed nothing of
// it is left (veth, lease, record, rules). Each engine keeps its state under a temporary
// directory, is started by the test and stopped at its end; cgroup directories the runtimes
// made are removed.
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { records } from '@nsrun/test-helpers/nsrun';
import { pluginDir } from '@nsrun/test-helpers/cni';
import { cgroupDirs, removeNewCgroups } from '@nsrun/test-helpers/cgroups';

const SCRIPT = fileURLToPath(new URL('./helpers/cni-engines.sh', import.meta.url));
const has = (...cmds) => cmds.filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);

const k = kernelSuite('CNI: containerd and podman with nsrun');
let bin;
let dir;
k.before(() => {
  bin = pluginDir();
  dir = mkdtempSync('/run/nsrun-engines-');
  execFileSync('bash', [SCRIPT, 'image', dir]);
});
k.after(() => {
  for (const d of [bin, dir]) if (d) rmSync(d, { recursive: true, force: true });
});

k.before.each((ctx) => {
  ctx.cg = cgroupDirs();
  ctx.t = mkdtempSync(`${dir}/run-`);
  symlinkSync(`${dir}/image.tar`, `${ctx.t}/image.tar`);
});
k.after.each((ctx) => {
  // What the engines' runtimes made and left.
  removeNewCgroups(ctx.cg);
  rmSync(ctx.t, { recursive: true, force: true });
});

function conflist(ctx, subnet) {
  const file = `${ctx.t}/conf.json`;
  writeFileSync(
    file,
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'e2enet',
      plugins: [
        {
          type: 'nsrun',
          bridge: 'cni-e2e',
          isGateway: true,
          ipMasq: true,
          stateDir: `${ctx.t}/state`,
          ipam: { type: 'nsrun', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
          capabilities: { portMappings: true },
        },
      ],
    }),
  );
  return file;
}

function engine(ctx, args) {
  const r = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, 'unshare', '--mount', '--propagation', 'private', 'bash', SCRIPT, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function nothingLeft(ctx) {
  assert.equal(ctx.ip('-j', 'link', 'show', 'type', 'veth'), []);
  assert.equal(records(`${ctx.t}/state`), []);
  const leases = `${ctx.t}/state/leases/cni-e2e`;
  assert.equal(existsSync(leases) ? readdirSync(leases) : [], []);
  assert.not.match(ctx.sh('nft list ruleset'), 'nsrun:');
}

k('containerd: ctr run --cni gets 10.88.0.x from nsrun, pings the gateway; DEL leaves nothing', (ctx) => {
  const missing = has('containerd', 'ctr', 'runc');
  if (missing.length) return skip(`containerd e2e: not installed: ${missing.join(', ')} (Debian packages containerd, runc)`);
  const r = engine(ctx, ['containerd', ctx.t, bin, conflist(ctx, '10.88.0.0/24'), '10.88.0.1']);
  assert.is(r.status, 0, r.out + r.err);
  assert.match(r.out, /eth0\s+inet 10\.88\.0\.\d+\/24/, r.out + r.err);
  assert.match(r.out, 'PING_OK', r.out + r.err);
  assert.match(r.out, 'CTR_RC=0');
  nothingLeft(ctx);
});

k(
  'podman (network_backend cni): podman run -p 18080:80 gets an address from nsrun, pings the gateway, the published port answers from the host; rm leaves nothing',
  (ctx) => {
    const missing = has('podman', 'conmon', 'runc');
    if (missing.length) return skip(`podman e2e: not installed: ${missing.join(', ')} (Debian packages podman, runc)`);
    const r = engine(ctx, ['podman', ctx.t, bin, conflist(ctx, '10.89.0.0/24'), 'e2enet', '10.89.0.1']);
    assert.is(r.status, 0, r.out + r.err);
    assert.match(r.out, /eth0\s+inet 10\.89\.0\.\d+\/24/, r.out + r.err);
    assert.match(r.out, 'PING_OK', r.out + r.err);
    assert.match(r.out, 'PUBLISHED=hello-from-the-container', r.out + r.err);
    nothingLeft(ctx);
  },
);

k.run();
