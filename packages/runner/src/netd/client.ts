import { nodeNet } from '../lazy-node.js';
import { errnoNumber, strerror } from '@nsrun/sys';
import { NetdError } from './errors.js';
import { DEFAULT_SOCKET, MAX_REPLY_BYTES, formatRequest, parseReply, replyError, type NetdAttachment, type NetdReply } from './protocol.js';

// The client side of nsrun netd: what a non-root nsrun (run's rootless bridge, `net attach`)
// calls. One connection per request; a refusal comes back as the NetdError netd raised.

export interface NetdClientOptions {
  /** netd's socket: default $NSRUN_NETD_SOCKET, else /run/nsrun/netd.sock. */
  socket?: string | undefined;
  /** Aborting it gives up waiting (netd may still finish the request: release then). */
  signal?: AbortSignal | undefined;
}

export interface NetdAttachRequest {
  /** Another process's network namespace (as netd's pid namespace sees it); default: the caller's own. */
  pid?: number;
  /** Default: the bridge of the caller's first rule in netd's policy. */
  bridge?: string;
  /** A fixed address in the bridge's subnet. */
  ip?: string;
  nat?: boolean;
  /** `[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]`, as run's --publish. */
  publish?: readonly string[];
}

export interface NetdHandle extends NetdAttachment {
  /** Asks netd to undo it now; false when it was gone already (netd saw the namespace go). */
  release(): Promise<boolean>;
}

/** The socket path clients use. */
export function netdSocket(socket?: string): string {
  return socket ?? (process.env.NSRUN_NETD_SOCKET || DEFAULT_SOCKET);
}

async function ask(req: Record<string, unknown>, o: NetdClientOptions): Promise<Extract<NetdReply, { ok: true }>> {
  const path = netdSocket(o.socket);
  if (o.signal?.aborted) throw new NetdError('connect', 'aborted', { object: path });
  return new Promise((resolve, reject) => {
    const sock = nodeNet().createConnection(path);
    let connected = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (e: NetdError | undefined, r?: Extract<NetdReply, { ok: true }>): void => {
      if (done) return;
      done = true;
      o.signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (e) reject(e);
      else resolve(r!);
    };
    const onAbort = (): void => finish(new NetdError(connected ? 'reply' : 'connect', 'aborted', { object: path }));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('connect', () => {
      connected = true;
      sock.write(formatRequest(req));
    });
    sock.on('data', (c: Buffer) => {
      size += c.length;
      chunks.push(c);
      if (size > MAX_REPLY_BYTES) finish(new NetdError('reply', `netd's reply is longer than ${MAX_REPLY_BYTES} bytes`, { object: path }));
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'EIO';
      const errno = errnoNumber(code);
      const hint =
        !connected && (code === 'ENOENT' || code === 'ECONNREFUSED')
          ? ': is nsrun netd running? (root starts it: nsrun netd, or systemctl start nsrun-netd.socket)'
          : '';
      finish(
        new NetdError(connected ? 'reply' : 'connect', `${path}: ${code} (${errno === undefined ? e.message : strerror(errno)})${hint}`, {
          object: path,
          code,
          errno,
        }),
      );
    });
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0) return finish(new NetdError('reply', 'netd closed the connection without a reply', { object: path }));
      let r: NetdReply;
      try {
        r = parseReply(text.slice(0, nl));
      } catch (e) {
        return finish(e as NetdError);
      }
      if (!r.ok) return finish(replyError(r.error));
      finish(undefined, r);
    });
  });
}

/**
 * Asks netd to wire the calling process's own network namespace (or `req.pid`'s): bridge,
 * veth, `eth0` with an address, default route, NAT rules and published ports when asked.
 * Resolves to what was wired and `release()`. If the caller dies instead, netd releases it
 * when the namespace is gone.
 */
export async function netdAttach(req: NetdAttachRequest = {}, o: NetdClientOptions = {}): Promise<NetdHandle> {
  const body: Record<string, unknown> = { op: 'attach' };
  for (const k of ['pid', 'bridge', 'ip', 'nat'] as const) if (req[k] !== undefined) body[k] = req[k];
  if (req.publish?.length) body.publish = [...req.publish];
  const r = await ask(body, o);
  if (!('attachment' in r)) throw new NetdError('reply', 'netd answered an attach without the attachment');
  const a = r.attachment;
  let released: Promise<boolean> | undefined;
  return {
    ...a,
    release: () =>
      (released ??= netdDetach({ id: a.id }, { socket: o.socket }).then(
        () => true,
        (e: unknown) => {
          if (e instanceof NetdError && e.step === 'detach') return false; // gone already
          released = undefined;
          throw e;
        },
      )),
  };
}

/** Undoes an attachment of the caller's, by its id or by the process it was made for. */
export async function netdDetach(
  which: { id: string; pid?: undefined } | { pid: number; id?: undefined },
  o: NetdClientOptions = {},
): Promise<{ ids: string[] }> {
  const r = await ask({ op: 'detach', ...(which.id !== undefined ? { id: which.id } : { pid: which.pid }) }, o);
  if (!('detached' in r)) throw new NetdError('reply', 'netd answered a detach without the ids');
  return { ids: r.detached };
}

/** The caller's attachments that are live (root: every one netd made). */
export async function netdList(o: NetdClientOptions = {}): Promise<NetdAttachment[]> {
  const r = await ask({ op: 'list' }, o);
  if (!('attachments' in r)) throw new NetdError('reply', 'netd answered a list without the list');
  return r.attachments;
}
