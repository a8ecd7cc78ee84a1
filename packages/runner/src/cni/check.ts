import { ipFamily } from '../ip-family.js';
import { addrList, linkFind, linkGet, RtnlClient, routeList } from '@nsrun/netlink';
import { NetNs } from '@nsrun/sys';
import { textToIp } from '../state/leases.js';
import { vethName } from '../network/names.js';
import { natIds } from '../nat/apply.js';
import type { NetConf } from './config.js';
import type { CniCommandOptions, CniEnv } from './env.js';
import { CniError, CNI_ERR_CHECK, CNI_ERR_INVALID_CONFIG } from './errors.js';
import { cniId } from './ids.js';
import { execDelegate } from './ipam-exec.js';

// CHECK (SPEC.md, section 2; 0.4.0 and later): the attachment is as prevResult says. What this
// plugin made and prevResult lists must be there: the container's interface (a veth, its MAC),
// each of its addresses, each route (a later plugin may have added more: extra ones are fine),
// the host veth on the bridge and paired with it, the bridge (its MAC, promiscuous mode); and
// what the result does not list: the record, nsrun's lease, the NAT rules. The delegated IPAM
// is asked too. The first difference is the error (code 104), naming it.

export async function cniCheck(e: CniEnv, conf: NetConf, o: CniCommandOptions): Promise<void> {
  const prev = conf.prevResult;
  if (!prev) throw new CniError(CNI_ERR_INVALID_CONFIG, 'invalid network configuration: prevResult', 'CHECK needs prevResult (the result of the ADD)');
  const fail = (what: string): CniError => new CniError(CNI_ERR_CHECK, 'the attachment is not as prevResult says', what);
  const id = cniId(conf.name, e.containerId, e.ifname);
  const rec = o.state.exists() ? o.state.read(id) : undefined;
  if (!rec) throw fail(`no record of container ${e.containerId} ${e.ifname} on network ${conf.name} in ${o.state.path}`);
  if (rec.cni?.netns !== e.netns) throw fail(`the record names network namespace ${rec.cni?.netns}, not ${e.netns}`);
  const ifaces = prev.interfaces ?? [];
  const idx = ifaces.findIndex((i) => i.name === e.ifname && i.sandbox !== undefined);
  if (idx < 0) throw fail(`prevResult lists no interface ${e.ifname} in a sandbox`);
  const want = ifaces[idx]!;
  let netns: NetNs;
  try {
    netns = NetNs.fromPath(e.netns);
  } catch (err) {
    throw fail(`CNI_NETNS ${e.netns}: ${(err as Error).message.split('\n')[0]}`);
  }
  const host = RtnlClient.open();
  const inner = RtnlClient.open({ netns });
  try {
    const c = await linkFind(inner, e.ifname);
    if (!c) throw fail(`interface ${e.ifname} is missing in ${e.netns}`);
    if (c.kind !== 'veth') throw fail(`interface ${e.ifname} is a ${c.kind ?? 'link of no kind'}, not a veth`);
    if (want.mac && c.address !== want.mac) throw fail(`interface ${e.ifname} has MAC ${c.address}, not ${want.mac}`);
    const addrs = await addrList(inner, { link: c.index });
    for (const ip of (prev.ips ?? []).filter((x) => x.interface === idx)) {
      const [a, l] = ip.address.split('/');
      if (!addrs.some((x) => x.address === a && x.prefixlen === Number(l))) throw fail(`interface ${e.ifname} lacks address ${ip.address}`);
    }
    const routes = [...(await routeList(inner, { family: 4 })), ...(await routeList(inner, { family: 6 }).catch(() => []))];
    for (const r of prev.routes ?? []) {
      const dst = /^(0\.0\.0\.0|::)\/0$/.test(r.dst) ? 'default' : r.dst;
      const gwOf = (prev.ips ?? []).find((x) => x.interface === idx && ipFamily(x.address.split('/')[0]!) === ipFamily(r.dst.split('/')[0]!))?.gateway;
      const gw = r.gw ?? gwOf;
      if (!routes.some((k) => k.dst === dst && (gw === undefined || k.gateway === gw)))
        throw fail(`route ${r.dst}${gw ? ` via ${gw}` : ''} is missing in ${e.netns}`);
    }
    const v = await linkFind(host, vethName(id));
    const br = await linkFind(host, conf.bridge);
    if (!br || br.kind !== 'bridge') throw fail(`bridge ${conf.bridge} is missing`);
    const wantBr = ifaces.find((i) => i.name === conf.bridge && i.sandbox === undefined);
    if (wantBr?.mac && br.address !== wantBr.mac) throw fail(`bridge ${conf.bridge} has MAC ${br.address}, not ${wantBr.mac}`);
    if (((br.flags & 0x100) !== 0) !== conf.promiscMode)
      throw fail(`bridge ${conf.bridge} is ${conf.promiscMode ? 'not ' : ''}promiscuous, unlike the configuration`);
    if (!v || v.kind !== 'veth' || v.master !== br.index) throw fail(`host veth ${vethName(id)} is ${v ? 'not a port of ' + conf.bridge : 'missing'}`);
    const peer = await linkGet(inner, c.index);
    if (peer.link !== v.index) throw fail(`${e.ifname} is not paired with ${vethName(id)}`);
    if (rec.ip !== undefined && o.state.leases.holder(conf.bridge, textToIp(rec.ip.split('/')[0]!)) !== id)
      throw fail(`the lease of ${rec.ip} in ${o.state.leases.root}/${conf.bridge} is not this attachment's`);
    if (rec.nat && !(await natIds()).has(id)) throw fail(`the nf_tables rules of ${id} (ipMasq, portMappings) are missing from table ip nsrun`);
  } finally {
    inner.close();
    host.close();
    netns.close();
  }
  if (conf.ipamType !== '' && conf.ipamType !== 'nsrun') execDelegate({ type: conf.ipamType, command: 'CHECK', stdin: conf.raw, path: e.path, env: o.env });
}
