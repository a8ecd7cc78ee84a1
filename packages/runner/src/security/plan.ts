import { compileSeccomp, nativeArches, type CapabilityName, type SeccompArch } from '@nsrun/sys';
import { RunnerError } from '../errors.js';
import { resolveCapabilities } from './caps.js';
import { DEFAULT_FILTERS } from './default-filters.js';
import { PERL, PERL_GATE } from './loader.js';
import { defaultSeccompPolicy } from './profile.js';

// What confines a container, decided (and checked) before anything is created.

export interface SecurityOptions {
  privileged?: boolean | undefined;
  capAdd?: readonly string[] | undefined;
  capDrop?: readonly string[] | undefined;
  seccomp?: 'default' | 'unconfined' | undefined;
  noNewPrivileges?: boolean | undefined;
}

export interface SecurityPlan {
  /** Every capability, no filter, writable /sys and /proc/sys: nsrun before it confined anything. */
  privileged: boolean;
  /** The container's capabilities (bounding, permitted, effective); every one with `privileged`. */
  capabilities: readonly CapabilityName[] | 'all';
  noNewPrivs: boolean;
  /** The seccomp filter (struct sock_filter array); none with `privileged` or seccomp unconfined. */
  seccomp: { filter: Buffer } | undefined;
}

const invalid = (field: string, reason: string): RunnerError => new RunnerError('validate', `${field}: ${reason}`, { field });

/** Compiled filters by capability set: most containers share the default one. */
const filters = new Map<string, Buffer>();
/** The capabilities of a run that asks for none: the set default-filters.ts holds filters for. */
const DEFAULT_KEY = resolveCapabilities(undefined, undefined).join(',');

/** The filter for these capabilities: the default set's as generated (default-filters.ts), any other compiled once. */
function filterFor(capabilities: readonly CapabilityName[], arches: readonly SeccompArch[]): Buffer {
  const key = capabilities.join(',');
  let filter = filters.get(key);
  if (filter) return filter;
  const generated = key === DEFAULT_KEY ? DEFAULT_FILTERS[arches.join(',')] : undefined;
  filter = generated !== undefined ? Buffer.from(generated, 'base64') : compileSeccomp(defaultSeccompPolicy(capabilities), arches);
  filters.set(key, filter);
  return filter;
}

export function securityPlan(o: SecurityOptions): SecurityPlan {
  if (o.privileged !== undefined && typeof o.privileged !== 'boolean') throw invalid('privileged', 'must be true or false');
  if (o.noNewPrivileges !== undefined && typeof o.noNewPrivileges !== 'boolean') throw invalid('noNewPrivileges', 'must be true or false');
  if (o.seccomp !== undefined && o.seccomp !== 'default' && o.seccomp !== 'unconfined')
    throw invalid('seccomp', `${JSON.stringify(o.seccomp)} is not "default" or "unconfined"`);
  if (o.privileged) {
    for (const f of ['capAdd', 'capDrop', 'seccomp', 'noNewPrivileges'] as const) {
      if (o[f] !== undefined) throw invalid(f, 'does not go with privileged (which gives every capability, no filter, no no_new_privs)');
    }
    return { privileged: true, capabilities: 'all', noNewPrivs: false, seccomp: undefined };
  }
  const capabilities = resolveCapabilities(o.capAdd, o.capDrop);
  let seccomp: SecurityPlan['seccomp'];
  if (o.seccomp !== 'unconfined') {
    if (PERL === undefined) {
      throw invalid(
        'seccomp',
        'the filter is installed through perl (perl-base), which is not installed; install it, or run with seccomp unconfined (--security-opt seccomp=unconfined)',
      );
    }
    let arches: SeccompArch[];
    try {
      arches = nativeArches();
    } catch (e) {
      throw invalid('seccomp', `${(e as Error).message}; run with seccomp unconfined (--security-opt seccomp=unconfined)`);
    }
    // Perl is there but its gate is not usable (the ABI's table lacks a call it makes): no one
    // would install the filter.
    if (!PERL_GATE)
      throw invalid(
        'seccomp',
        "the Perl gate that installs the filter needs system calls this machine's table lacks; run with seccomp unconfined (--security-opt seccomp=unconfined)",
      );
    seccomp = { filter: filterFor(capabilities, arches) };
  }
  return { privileged: false, capabilities, noNewPrivs: o.noNewPrivileges ?? true, seccomp };
}
