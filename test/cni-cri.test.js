// End to end with containerd's CRI plugin, offline, inside the test sandbox, driven through the
// CRI gRPC API as kubelet drives it (a small client, the API's subset in helpers/cri-api.proto):
// RunPodSandbox with a port mapping on a network whose conflist says `"type": "nsrun"` gets an
// address from the subnet (PodSandboxStatus and eth0 in the pod's network namespace), the pod
// pings the gateway, the published host port reaches the pod's listener (the sandbox image runs
// busybox httpd); StopPodSandbox twice and RemovePodSandbox leave nothing (veth, lease, record,
// rules). containerd keeps its root, state and sockets under a temporary directory, is started
// by the test and stopped at its end; cgroup directories its runtime made are removed.
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import loader from '@grpc/proto-loader';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { records } from '@nsrun/test-helpers/nsrun';
import { pluginDir } from '@nsrun/test-helpers/cni';
import { cgroupDirs, removeNewCgroups } from '@nsrun/test-helpers/cgroups';

const ENGINES = fileURLToPath(new URL('./helpers/cni-engines.sh', import.meta.url));
const CRI = fileURLToPath(new URL('./helpers/cni-cri.sh', import.meta.url));
const PROTO = fileURLToPath(new URL('./helpers/cri-api.proto', import.meta.url));
const has = (...cmds) => cmds.filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);

const SUBNET = '10.90.0';
const HOST_PORT = 18082;

const k = kernelSuite('CNI: containerd CRI (a pod sandbox as kubelet runs it) with nsrun');
let bin;
let dir;
k.before(() => {
  if (has('containerd', 'ctr', 'runc').length) return;
  bin = pluginDir();
  dir = mkdtempSync('/run/nsrun-cri-');
  // The sandbox ("pause") image: busybox-static whose process is the pod's listener.
  execFileSync('bash', [ENGINES, 'image', dir, 'localhost/e2e/pause:latest', '["/bin/httpd","-f","-p","80","-h","/www"]', 'pause.tar']);
});
k.after(() => {
  for (const d of [bin, dir]) if (d) rmSync(d, { recursive: true, force: true });
});

k.before.each((ctx) => {
  ctx.cg = cgroupDirs();
  if (dir) ctx.t = mkdtempSync(`${dir}/run-`);
});
k.after.each((ctx) => {
  // What runc made for the pod and left.
  removeNewCgroups(ctx.cg);
  if (ctx.t) rmSync(ctx.t, { recursive: true, force: true });
});

function conflist(ctx) {
  const file = `${ctx.t}/conf.json`;
  writeFileSync(
    file,
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'crinet',
      plugins: [
        {
          type: 'nsrun',
          bridge: 'cni-cri',
          isGateway: true,
          ipMasq: true,
          stateDir: `${ctx.t}/state`,
          ipam: { type: 'nsrun', ranges: [[{ subnet: `${SUBNET}.0/24` }]], routes: [{ dst: '0.0.0.0/0' }] },
          capabilities: { portMappings: true },
        },
      ],
    }),
  );
  return file;
}

/** containerd with CRI in the test's netns and a mount namespace of its own: { child, exited, log }. */
function containerd(ctx) {
  const log = `${ctx.t}/containerd.log`;
  const fd = openSync(log, 'w');
  // nsenter (without --pid) and unshare (without --fork) exec, and the script execs containerd:
  // the child's pid is containerd's.
  const child = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'unshare', '--mount', '--propagation', 'private', 'bash', CRI, ctx.t, bin, conflist(ctx)], {
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, exited, log };
}

function criClient(sock) {
  const def = loader.loadSync(PROTO, { keepCase: false, longs: String, enums: String, defaults: true });
  // (the services of a .proto loaded at run time: no static types)
  const RuntimeService = /** @type {any} */ (grpc.loadPackageDefinition(def)).runtime.v1.RuntimeService;
  const c = new RuntimeService(`unix://${sock}`, grpc.credentials.createInsecure());
  const call = (method, req, ms = 30_000) =>
    new Promise((resolve, reject) =>
      c[method](req, { deadline: Date.now() + ms }, (e, r) => (e ? reject(new Error(`CRI ${method}: ${e.details || e.message}`)) : resolve(r))),
    );
  return { call, close: () => c.close() };
}

/** Live processes whose command line names `path` (containerd, its shims). */
function running(path) {
  const out = [];
  for (const p of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(path)) out.push(`${p}: ${cmdline}`);
    } catch {}
  }
  return out;
}

/** The pod's listener from the sandbox's host, through the published port (bash's /dev/tcp). */
async function published(ctx) {
  const get = `exec 3<>/dev/tcp/${SUBNET}.1/${HOST_PORT}; printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3`;
  for (let i = 0; i < 50; i++) {
    const r = spawnSync('nsenter', [`--net=${ctx.ns.procPath}`, 'timeout', '3', 'bash', '-c', get], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout) return r.stdout.trim().split('\n').pop();
    await sleep(100);
  }
  return '';
}

k(
  'containerd CRI: RunPodSandbox -p gets an address from nsrun, pings the gateway, the host port reaches the pod; Stop twice + Remove leave nothing',
  async (ctx) => {
    const missing = has('containerd', 'ctr', 'runc');
    if (missing.length) return skip(`containerd CRI e2e: not installed: ${missing.join(', ')} (Debian packages containerd, runc)`);
    symlinkSync(`${dir}/pause.tar`, `${ctx.t}/pause.tar`);
    const cd = containerd(ctx);
    const sock = `${ctx.t}/containerd.sock`;
    const cri = criClient(sock);
    let id;
    const why = () => readFileSync(cd.log, 'utf8').slice(-4000);
    try {
      let version;
      for (let i = 0; i < 100 && !version; i++) {
        if (cd.child.exitCode !== null) break;
        version = existsSync(sock) ? await cri.call('Version', { version: 'v1' }, 1000).catch(() => undefined) : undefined;
        if (!version) await sleep(100);
      }
      if (!version) {
        const failed = why()
          .split('\n')
          .find((l) => l.includes('failed to load plugin io.containerd.grpc.v1.cri'));
        if (failed) return skip(`containerd CRI e2e: containerd's CRI plugin did not load: ${failed}`);
        assert.unreachable(`containerd with CRI did not answer Version:\n${why()}`);
      }
      assert.is(version.runtimeName, 'containerd');
      execFileSync('ctr', ['-a', sock, '-n', 'k8s.io', 'image', 'import', `${ctx.t}/pause.tar`], { stdio: 'ignore' });

      const config = {
        metadata: { name: 'pod1', uid: 'uid-cri-1', namespace: 'nsrun-test', attempt: 0 },
        hostname: 'pod1',
        logDirectory: `${ctx.t}/logs`,
        portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: HOST_PORT }],
        dnsConfig: { servers: [`${SUBNET}.1`], searches: [], options: [] },
        linux: { cgroupParent: '', securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
      };
      ({ podSandboxId: id } = await cri.call('RunPodSandbox', { config, runtimeHandler: '' }).catch((e) => assert.unreachable(`${e.message}\n${why()}`)));
      const st = await cri.call('PodSandboxStatus', { podSandboxId: id, verbose: true });
      assert.is(st.status.state, 'SANDBOX_READY');
      const ip = st.status.network.ip;
      assert.match(ip, new RegExp(`^${SUBNET.replace(/\./g, '\\.')}\\.\\d+$`), `PodSandboxStatus ip: ${ip}`);
      assert.is(records(`${ctx.t}/state`).length, 1);

      // The pod's network namespace, through its sandbox process (containerd's netns mount lives
      // in containerd's own mount namespace).
      const { pid } = JSON.parse(st.info.info);
      const inPod = (...args) => execFileSync('nsenter', ['-t', String(pid), '-n', ...args], { encoding: 'utf8' });
      const [eth0] = JSON.parse(inPod('ip', '-j', '-4', 'addr', 'show', 'eth0'));
      assert.equal(
        eth0.addr_info.map((a) => `${a.local}/${a.prefixlen}`),
        [`${ip}/24`],
      );
      inPod('ping', '-c1', '-w5', `${SUBNET}.1`);
      assert.is(await published(ctx), 'hello-from-the-container');

      await cri.call('StopPodSandbox', { podSandboxId: id });
      await cri.call('StopPodSandbox', { podSandboxId: id });
      await cri.call('RemovePodSandbox', { podSandboxId: id });
      id = undefined;

      assert.equal(ctx.ip('-j', 'link', 'show', 'type', 'veth'), []);
      assert.equal(records(`${ctx.t}/state`), []);
      const leases = `${ctx.t}/state/leases/cni-cri`;
      assert.equal(existsSync(leases) ? readdirSync(leases) : [], []);
      assert.not.match(ctx.sh('nft list ruleset'), 'nsrun:');
    } finally {
      if (id)
        await cri
          .call('StopPodSandbox', { podSandboxId: id })
          .then(() => cri.call('RemovePodSandbox', { podSandboxId: id }))
          .catch(() => {});
      cri.close();
      if (cd.child.exitCode === null) cd.child.kill('SIGTERM');
      // containerd leaves its shims running (they exit with their tasks); it stops within a second.
      if ((await Promise.race([cd.exited.then(() => true), sleep(15_000, false, { ref: false })])) === false) {
        cd.child.kill('SIGKILL');
        await cd.exited;
      }
    }
    // The shim and the pod's process are gone (an exited shim may stay a zombie of the sandbox's
    // pid 1, which does not reap: no cmdline then).
    assert.equal(running(ctx.t), []);
  },
);

k.run();
