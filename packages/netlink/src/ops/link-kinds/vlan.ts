import { Buffer } from 'node:buffer';
import * as C from '../../constants/index.js';
import { checkInt } from '../../validate.js';
import { checkIndex, linkKind } from './kind.js';

// vlan (linux/if_link.h IFLA_VLAN_*): an 802.1Q/802.1ad VLAN on a lower device. Needs the 8021q module.

export interface VlanOptions {
  /** The lower device's index (IFLA_LINK). */
  link: number;
  id: number;
  protocol?: '802.1Q' | '802.1ad';
}

export const vlan = linkKind<VlanOptions>()({
  kind: 'vlan',
  check(s) {
    checkIndex('link.link', s.link);
    checkInt('link.id', s.id, 0, 4094);
  },
  lowerLink: (s) => s.link,
  writeData(w, s) {
    w.attrU16(C.IFLA_VLAN_ID, s.id);
    // Big-endian, as an ethertype: ETH_P_8021Q or ETH_P_8021AD.
    if (s.protocol) w.attrBytes(C.IFLA_VLAN_PROTOCOL, Buffer.from(s.protocol === '802.1ad' ? [0x88, 0xa8] : [0x81, 0x00]));
  },
});
