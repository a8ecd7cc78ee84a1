import type { Address } from '@nsrun/netlink';
import { addrFlagNames, scopes } from './names.js';
import { Out } from './out.js';

// An address as iproute2 6.1 prints it (ip/ipaddress.c print_addrinfo), in full or, with -br,
// as "LOCAL/LEN" only. With -o each address is a record of its own, prefixed "INDEX: DEV".

const FOREVER = 0xffffffff;

function attr<T>(a: Address, type: string): T | undefined {
  return (a.message.attrs as { type: string; value?: unknown }[]).find((x) => x.type === type)?.value as T | undefined;
}

export interface AddrViewOptions {
  brief?: boolean;
  /** -o: the record starts with "INDEX: DEV" (JSON: index, dev). */
  oneline?: { dev: string };
}

export function addrView(a: Address, o: AddrViewOptions = {}): Out {
  const out = new Out();
  if (!o.brief) {
    if (o.oneline) out.j('index', a.index).j('dev', o.oneline.dev).t(`${a.index}: ${o.oneline.dev}`);
    out.any('family', a.family === 4 ? 'inet' : 'inet6', `    ${a.family === 4 ? 'inet' : 'inet6'} `);
  }
  // As ip: a missing IFA_LOCAL is IFA_ADDRESS and the other way round; a different IFA_ADDRESS is the peer.
  const local = attr<string>(a, 'local') ?? attr<string>(a, 'address');
  const address = attr<string>(a, 'address') ?? local;
  if (local !== undefined) {
    out.any('local', local, local);
    if (address !== undefined && address !== local) out.t(' peer ').any('address', address, address);
    out.any('prefixlen', a.prefixlen, `/${a.prefixlen} `);
    const metric = attr<number>(a, 'rtPriority');
    if (metric !== undefined) out.any('metric', metric, `metric ${metric} `);
  }
  if (o.brief) return out;
  const brd = attr<string>(a, 'broadcast');
  if (brd !== undefined) out.t('brd ').any('broadcast', brd, `${brd} `);
  const any = attr<string>(a, 'anycast');
  if (any !== undefined) out.t('any ').any('anycast', any, `${any} `);
  out.any('scope', scopes.name(a.scope), `scope ${scopes.name(a.scope)} `);
  const flags = addrFlagNames(a.flags, a.family);
  for (const f of flags.names) out.any(f, true, `${f} `);
  if (flags.rest) out.j('ifa_flags', flags.rest.toString(16).padStart(2, '0')).t(`flags ${flags.rest.toString(16).padStart(2, '0')} `);
  if (a.label !== undefined) out.any('label', a.label, a.label);
  const ci = attr<Buffer | { preferred?: number; valid?: number }>(a, 'cacheinfo');
  if (ci !== undefined && a.validLft !== undefined) {
    const valid = a.validLft;
    const pref = a.preferredLft ?? FOREVER;
    out.nl().t('       valid_lft ');
    out.j('valid_life_time', valid).t(valid === FOREVER ? 'forever' : `${valid}sec`);
    out.t(' preferred_lft ');
    // A deprecated address's preferred lifetime is printed signed, as ip does.
    const prefShown = pref !== FOREVER && flags.names.includes('deprecated') ? pref | 0 : pref;
    out.j('preferred_life_time', prefShown).t(pref === FOREVER ? 'forever' : `${prefShown}sec`);
  }
  out.t('\n');
  return out;
}
