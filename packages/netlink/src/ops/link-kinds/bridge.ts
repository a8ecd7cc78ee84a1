import * as C from '../../constants/index.js';
import { checkInt } from '../../validate.js';
import { linkKind } from './kind.js';

// bridge (linux/if_link.h IFLA_BR_*): a software switch.

export interface BridgeOptions {
  /** IFLA_BR_STP_STATE. (The kernel refuses STP in a namespace other than the initial one.) */
  stp?: boolean;
  /** IFLA_BR_FORWARD_DELAY, in centiseconds. */
  forwardDelay?: number;
  /** IFLA_BR_AGEING_TIME, in centiseconds. */
  ageingTime?: number;
  vlanFiltering?: boolean;
}

export const bridge = linkKind<BridgeOptions>()({
  kind: 'bridge',
  check(s) {
    if (s.forwardDelay !== undefined) checkInt('link.forwardDelay', s.forwardDelay, 0, 0xffffffff);
    if (s.ageingTime !== undefined) checkInt('link.ageingTime', s.ageingTime, 0, 0xffffffff);
  },
  writeData(w, s) {
    if (s.forwardDelay !== undefined) w.attrU32(C.IFLA_BR_FORWARD_DELAY, s.forwardDelay);
    if (s.ageingTime !== undefined) w.attrU32(C.IFLA_BR_AGEING_TIME, s.ageingTime);
    if (s.stp !== undefined) w.attrU32(C.IFLA_BR_STP_STATE, s.stp ? 1 : 0);
    if (s.vlanFiltering !== undefined) w.attrU8(C.IFLA_BR_VLAN_FILTERING, s.vlanFiltering ? 1 : 0);
  },
});
