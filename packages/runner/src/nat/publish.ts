import { ipFamily } from '../ip-family.js';

// --publish [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]: a port of the host forwarded (DNAT) to
// one of the container's. Parsed before anything is created.

export interface PublishSpec {
  /** Only connections to this host address (IPv4); absent: any of the host's own addresses. */
  hostIp?: string;
  hostPort: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

/** The spec, or the reason it is not one. */
export function parsePublish(text: unknown): PublishSpec | string {
  if (typeof text !== 'string') return 'must be a string [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]';
  const m = /^(?:([0-9.]+):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(text);
  if (!m) return `${JSON.stringify(text)} is not [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]`;
  const [, hostIp, hp, cp, proto] = m;
  if (hostIp !== undefined && ipFamily(hostIp) !== 4) return `${JSON.stringify(text)}: ${hostIp} is not an IPv4 address`;
  // 0.0.0.0 is the usual spelling of "any of the host's addresses" (docker's too).
  const anyHost = hostIp === '0.0.0.0';
  if (hostIp !== undefined && !anyHost) {
    const first = Number(hostIp.split('.')[0]);
    if (first === 127)
      return `${JSON.stringify(text)}: ${hostIp} is a loopback address; DNAT from loopback cannot reach a container (leave the host address out)`;
    if (first === 0 || first >= 224) return `${JSON.stringify(text)}: ${hostIp} is not a unicast address of a host`;
  }
  const hostPort = Number(hp);
  const containerPort = Number(cp);
  if (hostPort < 1 || hostPort > 65535) return `${JSON.stringify(text)}: host port ${hp} is not 1..65535`;
  if (containerPort < 1 || containerPort > 65535) return `${JSON.stringify(text)}: container port ${cp} is not 1..65535`;
  return { ...(hostIp !== undefined && !anyHost && { hostIp }), hostPort, containerPort, proto: (proto ?? 'tcp') as 'tcp' | 'udp' };
}

/** Checks a list of specs (strings); the parsed list, or the first reason. Refuses one host port published twice. */
export function parsePublishList(list: unknown): PublishSpec[] | string {
  if (!Array.isArray(list)) return 'must be a list of [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]';
  const out: PublishSpec[] = [];
  for (const t of list) {
    const p = parsePublish(t);
    if (typeof p === 'string') return p;
    const clash = out.find(
      (o) => o.hostPort === p.hostPort && o.proto === p.proto && (o.hostIp === undefined || p.hostIp === undefined || o.hostIp === p.hostIp),
    );
    if (clash) return `${JSON.stringify(t)}: host port ${p.hostPort}/${p.proto} is published twice`;
    out.push(p);
  }
  return out;
}

export const formatPublish = (p: PublishSpec): string => `${p.hostIp !== undefined ? `${p.hostIp}:` : ''}${p.hostPort}:${p.containerPort}/${p.proto}`;
