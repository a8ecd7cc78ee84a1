import { chmodSync, lstatSync, statSync, unlinkSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { nodeNet } from '../lazy-node.js';
import { dirname } from 'node:path';
import { addrList, linkFind, RtnlClient, subscribe, type RtnlSubscription } from '@nsrun/netlink';
import { commandOf } from '../attach.js';
import { gc } from '../gc.js';
import { checkPublishHost } from '../nat/host.js';
import { formatPublish } from '../nat/publish.js';
import { attachNetns } from '../network/attach-netns.js';
import { DEFAULT_GATEWAY } from '../network/defaults.js';
import { idOfVeth, vethName } from '../network/names.js';
import { bridgePlan } from '../network/plan.js';
import { openStateDir } from '../open-state.js';
import { releaseRecord } from '../release.js';
import type { StateDir } from '../state/dir.js';
import { mkdirs } from '../state/files.js';
import { ipToText, parseGateway } from '../state/leases.js';
import type { ContainerRecord } from '../state/records.js';
import { FaultPoint, stepRunner } from '../steps.js';
import { closePeer, identifyPeer, openTarget, type Peer } from './caller.js';
import { NetdError } from './errors.js';
import { DEFAULT_POLICY, checkRuleAllows, readPolicy, ruleFor } from './policy.js';
import { cniPlugin } from '../cni/plugin.js';
import {
  DEFAULT_SOCKET,
  MAX_REQUEST_BYTES,
  MAX_ROOT_REQUEST_BYTES,
  formatReply,
  parseRequest,
  type NetdAttachment,
  type NetdReply,
  type NetdRequest,
} from './protocol.js';

// `nsrun netd`: the privileged helper that wires a user's network namespace to a bridge, as
// root mode does (attachNetns), for any user its policy allows. It trusts only the kernel
// about who asks (caller.ts); it never runs a program. Its records and leases live in the
// state directory beside root mode's, each tagged with the user's uid. It notices by itself
// when a namespace it wired is gone — the kernel deletes the veth pair with the namespace, and
// netd hears the host end's RTM_DELLINK — and releases the lease and rules; a restarted netd
// first collects (gc) and compares its records with the veths that are left.

export interface NetdOptions {
  /** Where to listen (default /run/nsrun/netd.sock); made mode 0666: every user may connect. */
  socket?: string;
  /** An inherited listening socket instead (systemd socket activation: fd 3). */
  listenFd?: number;
  policy?: string;
  stateDir?: string;
  /** One line per request and per release. */
  log?: (line: string) => void;
  onWarning?: (message: string) => void;
}

/** Connections at once; more are answered with an error and closed. */
const MAX_CONNECTIONS = 64;
/** A connection that has not sent a whole request by then is answered and closed. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long an answered connection may go on sending before netd closes it. */
const LINGER_MS = 2_000;

export class NetdServer {
  readonly socket: string | undefined;
  readonly policy: string;
  readonly state: StateDir;
  readonly #server: Server;
  readonly #sub: RtnlSubscription;
  readonly #conns = new Set<Socket>();
  readonly #log: (line: string) => void;
  readonly #warn: (message: string) => void;
  /** Every change of the state runs here, one after the other (quotas are counted, then used). */
  #tail: Promise<unknown> = Promise.resolve();
  #socketIno: number | undefined;
  #closed = false;

  private constructor(server: Server, sub: RtnlSubscription, state: StateDir, policy: string, socket: string | undefined, o: NetdOptions) {
    this.#server = server;
    this.#sub = sub;
    this.state = state;
    this.policy = policy;
    this.socket = socket;
    this.#log = o.log ?? (() => {});
    this.#warn = o.onWarning ?? (() => {});
  }

  /** Checks the policy, watches for namespaces that go away, collects leftovers, then listens. */
  static async start(o: NetdOptions = {}): Promise<NetdServer> {
    if (process.getuid?.() !== 0) throw new NetdError('serve', "nsrun netd runs as root (it wires other users' namespaces to the host's bridges)");
    const policy = o.policy ?? DEFAULT_POLICY;
    readPolicy(policy); // a broken policy stops netd now, not at the first request
    const state = openStateDir(o.stateDir, o.onWarning);
    // First the subscription: a namespace that goes while gc runs is still heard of.
    const sub = subscribe({ groups: ['link'] });
    let server: Server | undefined;
    try {
      server = nodeNet().createServer({ allowHalfOpen: true });
      const socket = o.listenFd === undefined ? (o.socket ?? DEFAULT_SOCKET) : undefined;
      const d = new NetdServer(server, sub, state, policy, socket, o);
      sub.on('event', (e) => {
        if (e.kind !== 'link' || e.action !== 'del') return;
        const id = idOfVeth(e.link.name);
        if (id) void d.#serial(() => d.#releaseGone(id)).catch((err: unknown) => d.#warn(`release ${id}: ${String(err instanceof Error ? err.message : err)}`));
      });
      sub.on(
        'overrun',
        () => void d.#serial(() => d.#reconcile()).catch((err: unknown) => d.#warn(`reconcile: ${String(err instanceof Error ? err.message : err)}`)),
      );
      sub.on('error', (err) => d.#warn(`link events: ${err.message}`));
      await d.#serial(async () => {
        const r = await gc({ ...(o.stateDir !== undefined && { stateDir: o.stateDir }), onWarning: o.onWarning });
        if (r.containers.length) d.#log(`gc: released ${r.containers.join(' ')}`);
        await d.#reconcile();
      });
      server.on('connection', (s) => d.#accept(s));
      await d.#listen(o.listenFd);
      return d;
    } catch (e) {
      sub.close();
      server?.close();
      throw NetdError.from('serve', e);
    }
  }

  async #listen(fd: number | undefined): Promise<void> {
    const server = this.#server;
    const listening = new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    if (fd !== undefined) server.listen({ fd });
    else {
      const path = this.socket!;
      await clearStaleSocket(path);
      mkdirs(dirname(path));
      server.listen(path);
    }
    await listening;
    if (fd === undefined) {
      chmodSync(this.socket!, 0o666);
      this.#socketIno = statSync(this.socket!).ino;
    }
  }

  /** Stops listening and closes open connections; what it wired stays (and is its again after a restart). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new Promise<void>((r) => this.#server.close(() => r()));
    for (const c of this.#conns) c.destroy();
    await closed;
    this.#sub.close();
    await this.#tail.catch(() => {});
    if (this.socket !== undefined && this.#socketIno !== undefined) {
      try {
        if (lstatSync(this.socket).ino === this.#socketIno) unlinkSync(this.socket);
      } catch {
        // gone already
      }
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#tail.then(fn);
    this.#tail = p.catch(() => {});
    return p;
  }

  #accept(sock: Socket): void {
    if (this.#closed) return void sock.destroy();
    if (this.#conns.size >= MAX_CONNECTIONS) {
      sock.on('error', () => {});
      sock.end(formatReply({ ok: false, error: new NetdError('serve', `too many connections (${MAX_CONNECTIONS}): try again`).toWire() }));
      return;
    }
    this.#conns.add(sock);
    let peer: Peer | undefined;
    let answered = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const answer = (r: NetdReply): void => {
      if (answered) return;
      answered = true;
      sock.setTimeout(0);
      sock.end(formatReply(r));
      // What the client still sends (the rest of a huge request) is read and dropped for a
      // moment, so that its writes do not fail before it has read the answer; then the
      // connection is closed for good, however much more it sends.
      sock.resume();
      const linger = setTimeout(() => sock.destroy(), LINGER_MS);
      sock.once('close', () => clearTimeout(linger));
    };
    const fail = (e: unknown): void => answer({ ok: false, error: NetdError.from('request', e).toWire() });
    sock.on('error', () => {}); // a client that went away: nothing to tell it
    sock.on('close', () => {
      this.#conns.delete(sock);
      if (peer) closePeer(peer);
    });
    sock.setTimeout(REQUEST_TIMEOUT_MS, () => {
      if (!answered) fail(new NetdError('request', `no whole request within ${REQUEST_TIMEOUT_MS / 1000} s`));
    });
    try {
      const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd !== 'number' || fd < 0) throw new NetdError('peer', "cannot tell the connection's file descriptor");
      peer = identifyPeer(fd);
    } catch (e) {
      return fail(e);
    }
    const who = peer;
    const limit = peer.uid === 0 ? MAX_ROOT_REQUEST_BYTES : MAX_REQUEST_BYTES;
    sock.on('data', (chunk: Buffer) => {
      if (answered) return;
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        size += chunk.length;
        chunks.push(chunk);
        if (size >= limit) fail(new NetdError('request', `longer than ${limit} bytes without a newline`));
        return;
      }
      if (size + nl + 1 > limit) return fail(new NetdError('request', `longer than ${limit} bytes`));
      chunks.push(chunk.subarray(0, nl));
      answered = true; // from here on, the reply comes from the request's handling
      sock.pause();
      void this.#handle(who, Buffer.concat(chunks).toString('utf8')).then((r) => {
        answered = false;
        answer(r);
      });
    });
    sock.on('end', () => {
      if (!answered) fail(new NetdError('request', size ? 'the connection was closed for writing before a whole request (no newline)' : 'empty request'));
    });
  }

  async #handle(peer: Peer, line: string): Promise<NetdReply> {
    const who = `uid ${peer.uid} pid ${peer.pid}`;
    let req: NetdRequest | undefined;
    try {
      req = parseRequest(line);
      const r = req;
      let reply: NetdReply;
      if (r.op === 'cni') return await this.#cni(peer, r);
      if (r.op === 'attach') reply = { ok: true, attachment: await this.#serial(() => this.#attach(peer, r)) };
      else if (r.op === 'detach') reply = { ok: true, detached: await this.#serial(() => this.#detach(peer, r)) };
      else reply = { ok: true, attachments: this.#list(peer) };
      this.#log(
        `${who}: ${describe(r)}: ok${'attachment' in reply ? ` ${reply.attachment.id} ${reply.attachment.ip} on ${reply.attachment.bridge}` : 'detached' in reply ? ` ${reply.detached.join(' ')}` : ''}`,
      );
      return reply;
    } catch (e) {
      const err = NetdError.from('request', e);
      this.#log(`${who}: ${req ? describe(req) : 'request'}: refused: ${err.message}`);
      return { ok: false, error: err.toWire() };
    }
  }

  /**
   * The CNI plugin for a container engine (root): the same code as `nsrun cni-plugin`, in this
   * warm process instead of a Node start per call. It takes the state lock itself.
   */
  async #cni(peer: Peer, r: Extract<NetdRequest, { op: 'cni' }>): Promise<NetdReply> {
    if (peer.uid !== 0) throw new NetdError('request', 'cni: only root runs the CNI plugin through netd (container engines do)');
    const out = await cniPlugin({ env: r.env, stdin: r.stdin, onWarning: (m) => this.#log(`cni: warning: ${m}`) });
    this.#log(`uid 0 pid ${peer.pid}: cni ${r.env.CNI_COMMAND ?? '?'} ${r.env.CNI_CONTAINERID ?? ''}: status ${out.status}`);
    // status first: the Perl shim (cli/bin/nsrun-cni-shim.pl) reads the reply in this order.
    return { ok: true, cni: { status: out.status, stdout: out.stdout } };
  }

  async #attach(peer: Peer, req: Extract<NetdRequest, { op: 'attach' }>): Promise<NetdAttachment> {
    const rule = ruleFor(readPolicy(this.policy), peer, req.bridge);
    checkRuleAllows(rule, req.nat, req.publish);
    const target = openTarget(peer, req.pid);
    try {
      const state = this.state;
      const mine = state.list().filter((r) => r.uid === peer.uid && r.bridge === rule.bridge && state.verdict(r) !== 'dead');
      if (mine.length >= rule.max) {
        throw new NetdError(
          'quota',
          `uid ${peer.uid} has ${mine.length} of the ${rule.max} namespace(s) ${rule.where} allows on ${rule.bridge} (${mine.map((r) => r.id).join(' ') || 'none'}): detach one first`,
          { object: rule.where },
        );
      }
      const plan = bridgePlan({ bridge: rule.bridge, subnet: await gatewayOf(rule.bridge, rule.subnet), ...(req.ip !== undefined && { ip: req.ip }) });
      await checkPublishHost(req.publish, { gateway: plan.gateway.split('/')[0]!, force: false, onWarning: this.#warn });
      const got = await attachNetns({
        state,
        netns: target.netns,
        pid: target.pid,
        owner: target.owner,
        command: commandOf(target.pid),
        plan,
        nat: req.nat,
        publish: req.publish,
        uid: peer.uid,
        describe: `of process ${target.pid}`,
        step: stepRunner(undefined, new FaultPoint(undefined)),
        onNotice: (m) => this.#log(m),
      });
      return attachmentOf(got.record);
    } finally {
      target.close();
    }
  }

  async #detach(peer: Peer, req: Extract<NetdRequest, { op: 'detach' }>): Promise<string[]> {
    const state = this.state;
    const host = RtnlClient.open();
    try {
      return await state.withLock(async () => {
        const recs = state
          .list()
          .filter((r) => this.#visible(peer, r) && state.verdict(r) !== 'unknown' && (req.id !== undefined ? r.id === req.id : r.pid === req.pid));
        if (!recs.length) {
          const what = req.id !== undefined ? `attachment ${req.id}` : `attachment for process ${req.pid}`;
          throw new NetdError('detach', `no ${what} of uid ${peer.uid}'s`, { object: req.id ?? `pid ${req.pid}` });
        }
        for (const r of recs) await releaseRecord(state, host, r);
        return recs.map((r) => r.id);
      });
    } finally {
      host.close();
    }
  }

  #list(peer: Peer): NetdAttachment[] {
    return this.state
      .list()
      .filter((r) => this.#visible(peer, r) && this.state.verdict(r) === 'live')
      .map(attachmentOf);
  }

  /** A user sees their own attachments; root sees every one netd made. */
  #visible(peer: Peer, r: ContainerRecord): boolean {
    return r.uid !== undefined && (peer.uid === 0 || r.uid === peer.uid);
  }

  /** A veth of ours was deleted: its namespace is gone (or it was detached: then nothing is left to do). */
  async #releaseGone(id: string): Promise<void> {
    const state = this.state;
    const host = RtnlClient.open();
    try {
      await state.withLock(async () => {
        const rec = state.entry(id)?.record;
        if (rec?.uid === undefined || (await linkFind(host, vethName(id)))) return;
        await releaseRecord(state, host, rec);
        this.#log(`released ${id} (uid ${rec.uid}, ${rec.ip ?? ''}): its network namespace is gone`);
      });
    } finally {
      host.close();
    }
  }

  /** Every record of netd's whose owner has exited or whose veth is gone: released. */
  async #reconcile(): Promise<void> {
    const state = this.state;
    if (!state.exists()) return;
    const host = RtnlClient.open();
    try {
      await state.withLock(async () => {
        for (const rec of state.list()) {
          if (rec.uid === undefined || state.verdict(rec) === 'unknown') continue;
          if (state.verdict(rec) === 'live' && (await linkFind(host, vethName(rec.id)))) continue;
          await releaseRecord(state, host, rec);
          this.#log(`released ${rec.id} (uid ${rec.uid}, ${rec.ip ?? ''}): its network namespace or its process is gone`);
        }
      });
    } finally {
      host.close();
    }
  }
}

function describe(r: NetdRequest): string {
  if (r.op === 'attach')
    return `attach ${r.pid === undefined ? 'own netns' : `pid ${r.pid}`}${r.bridge ? ` bridge ${r.bridge}` : ''}${r.nat ? ' nat' : ''}${r.publishText.length ? ` publish ${r.publishText.join(',')}` : ''}`;
  if (r.op === 'detach') return `detach ${r.id ?? `pid ${r.pid}`}`;
  if (r.op === 'cni') return `cni ${r.env.CNI_COMMAND ?? '?'}`;
  return 'list';
}

function attachmentOf(r: ContainerRecord): NetdAttachment {
  const s = parseGateway(r.gateway!);
  return {
    id: r.id,
    pid: r.pid,
    bridge: r.bridge!,
    subnet: `${ipToText(s.network)}/${s.prefix}`,
    ip: r.ip!,
    gateway: r.gateway!,
    veth: r.veth ?? vethName(r.id),
    nat: r.nat?.masquerade === true,
    publish: (r.nat?.publish ?? []).map(formatPublish),
    uid: r.uid!,
  };
}

/** The bridge's address: the rule's subnet=, else the existing bridge's own, else the default. */
async function gatewayOf(bridge: string, subnet: string | undefined): Promise<string> {
  if (subnet !== undefined) return subnet;
  const nl = RtnlClient.open();
  try {
    const link = await linkFind(nl, bridge);
    if (!link || link.kind !== 'bridge') return DEFAULT_GATEWAY;
    const [a] = await addrList(nl, { family: 4, link: link.index });
    return a ? `${a.address}/${a.prefixlen}` : DEFAULT_GATEWAY;
  } finally {
    nl.close();
  }
}

/** A socket file left by a netd that is gone is removed; one a netd still listens on is refused. */
async function clearStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) throw new NetdError('serve', `${path} exists and is not a socket: remove it or give another --socket`, { object: path });
  const live = await new Promise<boolean>((resolve) => {
    const c = nodeNet().createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (live) throw new NetdError('serve', `another netd listens on ${path}`, { object: path });
  unlinkSync(path);
}
