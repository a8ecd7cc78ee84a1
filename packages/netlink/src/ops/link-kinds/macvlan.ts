import * as C from '../../constants/index.js';
import { ValidationError } from '../../errors.js';
import { checkIndex, linkKind, type LinkKind } from './kind.js';

// macvlan and macvtap (linux/if_link.h IFLA_MACVLAN_*): a MAC address of its own on a lower
// device; macvtap adds a character device. One codec, two kinds.

export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';

export const MACVLAN_MODES: Readonly<Record<MacvlanMode, number>> = {
  private: C.MACVLAN_MODE_PRIVATE,
  vepa: C.MACVLAN_MODE_VEPA,
  bridge: C.MACVLAN_MODE_BRIDGE,
  passthru: C.MACVLAN_MODE_PASSTHRU,
  source: C.MACVLAN_MODE_SOURCE,
};

export const isMacvlanMode = (v: unknown): v is MacvlanMode => typeof v === 'string' && Object.hasOwn(MACVLAN_MODES, v);

export interface MacvlanOptions {
  /** The lower device's index (IFLA_LINK). */
  link: number;
  mode?: MacvlanMode;
}

const macvlanLike = <K extends string>(kind: K): LinkKind<K, MacvlanOptions> =>
  linkKind<MacvlanOptions>()({
    kind,
    check(s) {
      checkIndex('link.link', s.link);
      if (s.mode !== undefined && !isMacvlanMode(s.mode))
        throw new ValidationError('link.mode', s.mode, `must be one of ${Object.keys(MACVLAN_MODES).join(', ')}`);
    },
    lowerLink: (s) => s.link,
    writeData(w, s) {
      if (s.mode) w.attrU32(C.IFLA_MACVLAN_MODE, MACVLAN_MODES[s.mode]);
    },
  });

export const macvlan = macvlanLike('macvlan');
export const macvtap = macvlanLike('macvtap');
