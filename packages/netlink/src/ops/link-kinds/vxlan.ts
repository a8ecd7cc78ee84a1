import * as C from '../../constants/index.js';
import { checkAddress, checkInt, writeAddrAttr } from '../../validate.js';
import { checkIndex, linkKind } from './kind.js';

// vxlan (linux/if_link.h IFLA_VXLAN_*): layer 2 over UDP.

export interface VxlanOptions {
  /** The VNI. */
  id: number;
  /** UDP destination port (IFLA_VXLAN_PORT); the kernel's default is 8472. */
  port?: number;
  /** Remote VTEP or multicast group (IFLA_VXLAN_GROUP[6]). */
  remote?: string;
  local?: string;
  /** The device to send through (IFLA_VXLAN_LINK, not IFLA_LINK). */
  link?: number;
  ttl?: number;
  learning?: boolean;
}

export const vxlan = linkKind<VxlanOptions>()({
  kind: 'vxlan',
  check(s) {
    checkInt('link.id', s.id, 0, 0xffffff);
    if (s.port !== undefined) checkInt('link.port', s.port, 1, 65535);
    if (s.ttl !== undefined) checkInt('link.ttl', s.ttl, 0, 255);
    if (s.link !== undefined) checkIndex('link.link', s.link);
    for (const f of ['remote', 'local'] as const) if (s[f] !== undefined) checkAddress(`link.${f}`, s[f]);
  },
  writeData(w, s) {
    w.attrU32(C.IFLA_VXLAN_ID, s.id);
    if (s.remote !== undefined) {
      const a = checkAddress('link.remote', s.remote);
      writeAddrAttr(w, a.family === 4 ? C.IFLA_VXLAN_GROUP : C.IFLA_VXLAN_GROUP6, a);
    }
    if (s.local !== undefined) {
      const a = checkAddress('link.local', s.local);
      writeAddrAttr(w, a.family === 4 ? C.IFLA_VXLAN_LOCAL : C.IFLA_VXLAN_LOCAL6, a);
    }
    if (s.link !== undefined) w.attrU32(C.IFLA_VXLAN_LINK, s.link);
    if (s.ttl !== undefined) w.attrU8(C.IFLA_VXLAN_TTL, s.ttl);
    if (s.learning !== undefined) w.attrU8(C.IFLA_VXLAN_LEARNING, s.learning ? 1 : 0);
    if (s.port !== undefined) {
      const at = w.beginAttr(C.IFLA_VXLAN_PORT);
      w.u16be(s.port); // network order
      w.endAttr(at);
    }
  },
});
