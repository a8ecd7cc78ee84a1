import { CAPABILITIES, capabilityByName, type CapabilityName } from '@nsrun/sys';
import { RunnerError } from '../errors.js';

// The container's capabilities: docker's (and runc's, podman's) default set, changed by
// --cap-add / --cap-drop with docker's meaning. Whatever is not in the set is dropped from the
// bounding set too, so nothing in the container (a set-uid program, a file capability) can
// regain it; the inheritable and ambient sets are empty.

/** Docker's 14 (moby oci/caps/defaults.go). */
export const DEFAULT_CAPABILITIES: readonly CapabilityName[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const ALL = Object.keys(CAPABILITIES) as CapabilityName[];

const invalid = (field: string, reason: string): RunnerError => new RunnerError('validate', `${field}: ${reason}`, { field });

function names(field: 'capAdd' | 'capDrop', list: unknown): Array<CapabilityName | 'ALL'> {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalid(field, 'must be a list of capability names (like NET_ADMIN or ALL)');
  return list.map((n) => {
    if (typeof n !== 'string') throw invalid(field, `${JSON.stringify(n)} is not a capability name`);
    if (n.toUpperCase() === 'ALL') return 'ALL';
    const c = capabilityByName(n);
    if (!c) throw invalid(field, `${JSON.stringify(n)} is not a capability (like NET_ADMIN, SYS_PTRACE or ALL; see capabilities(7))`);
    return c;
  });
}

/**
 * The container's set, in CAPABILITIES order. Drops apply to the default set (ALL empties it),
 * then adds (ALL: every capability except those dropped by name). A capability both added and
 * dropped by name is refused: one of the two is a mistake.
 */
export function resolveCapabilities(add: unknown, drop: unknown): CapabilityName[] {
  const a = names('capAdd', add);
  const d = names('capDrop', drop);
  const both = a.find((c) => c !== 'ALL' && d.includes(c));
  if (both) throw invalid('capAdd', `${both} is both added and dropped`);
  let set = new Set<CapabilityName>(d.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !d.includes(c)));
  if (a.includes('ALL')) set = new Set(ALL.filter((c) => !d.includes(c)));
  else for (const c of a) set.add(c as CapabilityName);
  return ALL.filter((c) => set.has(c));
}
