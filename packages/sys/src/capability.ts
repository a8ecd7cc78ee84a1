import { readFileSync } from 'node:fs';

// Capabilities by name (<linux/capability.h>, Linux 6.1: CAP_LAST_CAP is CAP_CHECKPOINT_RESTORE,
// 40), and a reader of a process's five sets from /proc/PID/status.

export const CAPABILITIES = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
} as const;

export type CapabilityName = keyof typeof CAPABILITIES;

const BY_NUMBER = new Map<number, CapabilityName>(Object.entries(CAPABILITIES).map(([k, v]) => [v, k as CapabilityName]));

/**
 * `CAP_NET_ADMIN`, `NET_ADMIN` and `net_admin` all name CAP_NET_ADMIN (the spellings of
 * docker's --cap-add, of the header and of setpriv). Undefined for anything else.
 */
export function capabilityByName(name: string): CapabilityName | undefined {
  const upper = name.toUpperCase();
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  return Object.hasOwn(CAPABILITIES, full) ? (full as CapabilityName) : undefined;
}

/** The name of capability `n`, or `cap_<n>` for one newer than this table. */
export function capabilityName(n: number): string {
  return BY_NUMBER.get(n) ?? `cap_${n}`;
}

/** The highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap). */
export function capLastCap(): number {
  return Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
}

/** A set of capabilities as the kernel shows it: bit n for capability n. */
export function capabilityMask(names: Iterable<CapabilityName>): bigint {
  let m = 0n;
  for (const n of names) m |= 1n << BigInt(CAPABILITIES[n]);
  return m;
}

/** The capability names in a mask (unknown bits as `cap_<n>`). */
export function capabilityNames(mask: bigint): string[] {
  const out: string[] = [];
  for (let n = 0; mask >> BigInt(n) !== 0n; n++) if ((mask >> BigInt(n)) & 1n) out.push(capabilityName(n));
  return out;
}

export interface CapabilitySets {
  inheritable: bigint;
  permitted: bigint;
  effective: bigint;
  bounding: bigint;
  ambient: bigint;
}

/** The five capability sets of a process (CapInh, CapPrm, CapEff, CapBnd, CapAmb in /proc/PID/status). */
export function processCapabilities(pid: number | 'self' = 'self'): CapabilitySets {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): bigint => {
    const m = new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(text);
    if (!m) throw new Error(`/proc/${pid}/status has no ${name} line`);
    return BigInt(`0x${m[1]}`);
  };
  return { inheritable: field('CapInh'), permitted: field('CapPrm'), effective: field('CapEff'), bounding: field('CapBnd'), ambient: field('CapAmb') };
}
