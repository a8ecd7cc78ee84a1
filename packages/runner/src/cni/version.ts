import { CniError, CNI_ERR_INCOMPATIBLE_VERSION } from './errors.js';

// The spec versions nsrun speaks (SPEC.md, "Version"): 0.3.0 and 0.3.1 (the rich result, no
// CHECK), 0.4.0 (CHECK, prevResult on DEL), 1.0.0 (no `version` in `ips`), 1.1.0 (STATUS, GC).
// 0.1.0 and 0.2.0 had another result type (ip4/ip6), which no engine of this decade asks for.

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** `a` - `b` as semantic versions (major.minor.patch, numbers only). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

export const isVersion = (v: unknown): v is string => typeof v === 'string' && /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/.test(v);

/** Refuses a version nsrun does not speak (code 1), naming the ones it does. */
export function checkVersion(v: string, what = 'cniVersion'): string {
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(v)) {
    throw new CniError(
      CNI_ERR_INCOMPATIBLE_VERSION,
      'incompatible CNI version',
      `${what} ${JSON.stringify(v)} is not one nsrun supports (${SUPPORTED_VERSIONS.join(', ')})`,
    );
  }
  return v;
}

/** At least version `min` (CHECK needs 0.4.0, STATUS and GC 1.1.0). */
export const atLeast = (v: string, min: string): boolean => compareVersions(v, min) >= 0;
