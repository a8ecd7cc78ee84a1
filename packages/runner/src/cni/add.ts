import { ipFamily } from '../ip-family.js';
import { RtnlClient, linkGet } from '@nsrun/netlink';
import { NetNs } from '@nsrun/sys';
import { RunnerError } from '../errors.js';
import { Rollback } from '../rollback.js';
import { releaseRecord } from '../release.js';
import { FaultPoint, stepRunner } from '../steps.js';
import type { StateDir } from '../state/dir.js';
import { processIdentity } from '../state/liveness.js';
import { ipToText, textToIp } from '../state/leases.js';
import { RECORD_VERSION, type ContainerRecord } from '../state/records.js';
import { nsfsId } from '../state/cni-liveness.js';
import { checkPorts, removeBridgeIfUnused, usedAddresses } from '../network/lease.js';
import { removeBridge } from '../network/bridge.js';
import { vethName } from '../network/names.js';
import { vethStamp } from '../network/stamp.js';
import { enableIpForward } from '../nat/forwarding.js';
import { addNat, removeNat } from '../nat/apply.js';
import { ensureCniBridge } from './bridge.js';
import type { NetConf } from './config.js';
import type { CniCommandOptions, CniEnv } from './env.js';
import { CniError, CNI_ERR_EXISTS, CNI_ERR_NETNS } from './errors.js';
import { cniId } from './ids.js';
import { execDelegate } from './ipam-exec.js';
import { ipamPick, ipamPlan } from './ipam-nsrun.js';
import type { CniIp, CniResult, CniRoute } from './result.js';
import { configureCni, hasLink, plugCni } from './wire.js';

// ADD (SPEC.md, section 2): the attachment (CNI_CONTAINERID, CNI_IFNAME) of network `name`,
// wired as the reference bridge plugin wires it, by nsrun's own code paths: under the state lock
// (the one `nsrun run`, `net attach` and netd take) the address (nsrun IPAM) or the delegated
// IPAM's, the bridge, the record (and lease); then the veth, the inside, NAT. Anything that
// fails undoes every earlier step, the delegated IPAM's lease included (DEL to it), so a failed
// ADD leaves nothing behind.

export async function cniAdd(e: CniEnv, conf: NetConf, o: CniCommandOptions): Promise<CniResult> {
  const { state } = o;
  const id = cniId(conf.name, e.containerId, e.ifname);
  const veth = vethName(id);
  const step = stepRunner(undefined, new FaultPoint(undefined));
  const rollback = new Rollback();
  const plan = conf.ipamType === 'nsrun' ? ipamPlan(conf.ipam) : undefined;
  let netns: NetNs | undefined;
  let host: RtnlClient | undefined;
  let inner: RtnlClient | undefined;
  try {
    try {
      netns = NetNs.fromPath(e.netns);
    } catch (err) {
      throw new CniError(CNI_ERR_NETNS, 'cannot use the network namespace', `CNI_NETNS ${e.netns}: ${(err as Error).message.split('\n')[0]}`, err);
    }
    const netnsId = nsfsId(e.netns)!;
    host = RtnlClient.open();
    inner = RtnlClient.open({ netns });
    const h = host;
    if (await hasLink(inner, e.ifname))
      throw new CniError(CNI_ERR_EXISTS, 'interface exists', `the network namespace ${e.netns} already has an interface ${e.ifname}`);

    // Delegated IPAM first, as the reference does: its lease is given back if anything fails.
    let delegated: CniResult | undefined;
    if (conf.ipamType !== '' && !plan) {
      delegated = execDelegate({ type: conf.ipamType, command: 'ADD', stdin: conf.raw, path: e.path, env: o.env });
      rollback.push('lease', async () => execDelegate({ type: conf.ipamType, command: 'DEL', stdin: conf.raw, path: e.path, env: o.env }));
    }

    const owner = processIdentity(process.pid)!;
    const base: Omit<ContainerRecord, 'pidns' | 'stateDir'> = {
      version: RECORD_VERSION,
      id,
      kind: 'cni',
      owner,
      pid: 0,
      net: 'bridge',
      bridge: conf.bridge,
      veth,
      command: ['cni', conf.name, e.containerId, e.ifname],
      created: new Date().toISOString(),
      cni: { network: conf.name, containerId: e.containerId, ifname: e.ifname, netns: e.netns, netnsId, ipam: conf.ipamType || 'none', ips: [] },
    };

    const got = await state.withLock(
      async () => {
        const old = state.entry(id);
        if (old?.record) {
          if (state.verdict(old.record) !== 'dead') {
            throw new CniError(
              CNI_ERR_EXISTS,
              'already attached',
              `container ${e.containerId} already has ${e.ifname} on network ${conf.name} (record ${old.file}); DEL it first`,
            );
          }
          await releaseRecord(state, h, old.record);
        } else if (old) {
          throw new CniError(
            CNI_ERR_EXISTS,
            'already attached',
            `${old.file} names this attachment and cannot be read (${old.opaque}): remove it once its container is gone`,
          );
        }
        let ips: CniIp[];
        let pick: ReturnType<typeof ipamPick> | undefined;
        if (plan) {
          const used = await step('lease', () => usedAddresses(state, h, conf.bridge));
          pick = ipamPick(plan, used, state.cursor(conf.bridge), wantedIp(e, conf));
          ips = [{ address: `${ipToText(pick.ip)}/${pick.range.subnet.prefix}`, gateway: ipToText(pick.range.subnet.gateway) }];
        } else {
          // As the reference: with isGateway, an address without a gateway gets the subnet's first.
          ips = (delegated?.ips ?? []).map((ip) => ({
            address: ip.address,
            ...(ip.gateway !== undefined ? { gateway: ip.gateway } : conf.isGateway && { gateway: firstHost(ip.address) }),
          }));
        }
        const v4 = ips.find((ip) => ipFamily(ip.address.split('/')[0]!) === 4 && ip.gateway !== undefined);
        const gateway = conf.isGateway && v4 ? `${v4.gateway}/${v4.address.split('/')[1]}` : undefined;
        const bridge = await ensureCniBridge(
          h,
          { name: conf.bridge, mtu: conf.mtu, promisc: conf.promiscMode, gateway, forceAddress: conf.forceAddress },
          step,
        );
        try {
          if (!bridge.created) await step('bridge', () => checkPorts(state, h, conf.bridge, bridge.link.index));
          const rec: ContainerRecord = { ...base, ...state.origin(), cni: { ...base.cni!, ips: ips.map((ip) => ip.address) } };
          if (pick) {
            rec.ip = ips[0]!.address;
            rec.gateway = `${ips[0]!.gateway}/${pick.range.subnet.prefix}`;
            if (!state.leases.claim(conf.bridge, pick.ip, id))
              throw new RunnerError('lease', `${ipToText(pick.ip)} was leased by someone else meanwhile (${state.leases.root}/${conf.bridge})`);
          }
          try {
            state.write(rec);
            if (pick && wantedIp(e, conf) === undefined) state.setCursor(conf.bridge, pick.ip);
          } catch (err) {
            state.drop(rec);
            throw err;
          }
          if (bridge.created && gateway) state.bridgeCreated(conf.bridge, gateway);
          return { rec, ips, bridge };
        } catch (err) {
          if (bridge.created) await removeBridgeIfUnusedLocked(state, h, conf.bridge);
          throw err;
        }
      },
      { signal: o.signal },
    );
    let rec = got.rec;
    if (got.bridge.created) rollback.push('bridge', () => removeBridgeIfUnused(state, h, conf.bridge));
    rollback.push('lease', () => releaseRecord(state, h, rec));

    const plugged = await plugCni(
      h,
      inner,
      {
        veth,
        ifname: e.ifname,
        netns,
        bridge: got.bridge.link,
        mtu: conf.mtu,
        mac: conf.mac,
        hairpin: conf.hairpinMode,
        stamp: vethStamp(rec.stateDir, id),
      },
      step,
      rollback,
    );
    const routes: CniRoute[] = [...(plan ? plan.routes : (delegated?.routes ?? []))];
    if (conf.isDefaultGateway) {
      const gw = got.ips.find((ip) => ipFamily(ip.address.split('/')[0]!) === 4)?.gateway;
      if (!routes.some((r) => r.dst === '0.0.0.0/0' && r.gw !== undefined)) routes.push({ dst: '0.0.0.0/0', ...(gw !== undefined && { gw }) });
    }
    await configureCni(inner, e.ifname, got.ips, routes, step);
    if (conf.isGateway) await step('ip-forward', async () => enableIpForward());

    if (conf.ipMasq || conf.portMappings.length) {
      const ip = got.ips.find((x) => ipFamily(x.address.split('/')[0]!) === 4)?.address.split('/')[0];
      if (ip === undefined) throw new RunnerError('nat', 'ipMasq and portMappings need an IPv4 address, and IPAM gave none');
      await step('ip-forward', async () => enableIpForward());
      // The record names the rules before they exist: a plugin killed in between leaves gc a record to clean up.
      rec = { ...rec, nat: { masquerade: conf.ipMasq, publish: conf.portMappings } };
      state.write(rec);
      rollback.push('nat', () => removeNat(id));
      await step('nat', () => addNat({ id, bridge: conf.bridge, ip, masquerade: conf.ipMasq, publish: conf.portMappings }));
    }

    const br = await linkGet(h, got.bridge.link.index); // its MAC may have changed with the first port
    const ours: CniResult = {
      interfaces: [
        { name: br.name, mac: br.address ?? '' },
        { name: veth, mac: plugged.host.address ?? '' },
        { name: e.ifname, mac: plugged.container.address ?? '', sandbox: e.netns },
      ],
      ips: got.ips.map((ip) => ({ ...ip, interface: 2 })),
      routes,
      dns: conf.dns ?? (plan ? plan.dns : delegated?.dns) ?? {},
    };
    return mergePrev(conf.prevResult, ours);
  } catch (err) {
    throw await undo(rollback, err);
  } finally {
    inner?.close();
    host?.close();
    netns?.close();
  }
}

/** A fixed address asked for: runtimeConfig.ips, args.cni.ips, or CNI_ARGS IP (host-local's keys). */
function wantedIp(e: CniEnv, conf: NetConf): string | undefined {
  return e.args.get('IP') || conf.requestedIps[0];
}

/** The subnet's first address (the reference's calcGatewayIP). */
function firstHost(cidr: string): string | undefined {
  const [a, l] = cidr.split('/');
  if (ipFamily(a!) !== 4) return undefined;
  const mask = Number(l) === 0 ? 0 : (0xffffffff << (32 - Number(l))) >>> 0;
  return ipToText(((textToIp(a!) & mask) >>> 0) + 1);
}

/** A result given as prevResult is kept, ours appended (SPEC.md: a plugin must handle prevResult). */
function mergePrev(prev: CniResult | undefined, ours: CniResult): CniResult {
  if (!prev) return ours;
  const offset = prev.interfaces?.length ?? 0;
  return {
    interfaces: [...(prev.interfaces ?? []), ...ours.interfaces!],
    ips: [...(prev.ips ?? []), ...ours.ips!.map((ip) => ({ ...ip, interface: ip.interface! + offset }))],
    routes: [...(prev.routes ?? []), ...(ours.routes ?? [])],
    dns: Object.keys(ours.dns ?? {}).length ? ours.dns! : (prev.dns ?? {}),
  };
}

async function removeBridgeIfUnusedLocked(state: StateDir, h: RtnlClient, bridge: string): Promise<void> {
  if (state.leases.list(bridge).length) return;
  if ((await removeBridge(h, bridge).catch(() => 'in-use')) !== 'in-use') state.bridgeForget(bridge);
}

async function undo(rollback: Rollback, err: unknown): Promise<unknown> {
  if (err instanceof CniError) {
    const e = await rollback.undo(err, 'validate');
    // Keep the CNI error (its code), with what could not be undone.
    return e.notUndone.length ? new CniError(err.code, err.msg, `${err.details ?? ''}; could not undo ${e.notUndone.join('; ')}`) : err;
  }
  return rollback.undo(err, 'validate');
}
