import type { RtnlRequest, RtnlClient } from '@nsrun/netlink';
import { AF_BRIDGE, AF_UNSPEC, IFF_PROMISC, IFLA_BRPORT_MODE, IFLA_PROTINFO, RTM_NEWLINK, RTM_SETLINK } from '@nsrun/netlink/constants';

// Two link settings the reference bridge plugin makes that @nsrun/netlink's linkSet does not
// carry: a bridge port's hairpin mode and a link's promiscuous flag. Each one request, built
// here as the kernel reads it (as vishvananda/netlink's LinkSetHairpin and SetPromiscOn send
// them).

/**
 * `bridge link set dev PORT hairpin on|off`: RTM_SETLINK, family AF_BRIDGE, IFLA_PROTINFO
 * (nested) carrying IFLA_BRPORT_MODE, a u8 (linux/if_link.h; br_setport in net/bridge).
 */
export function brportHairpinRequest(index: number, on: boolean): RtnlRequest {
  return {
    type: RTM_SETLINK,
    what: `linkSet #${index} hairpin ${on ? 'on' : 'off'}`,
    body: (w) => {
      w.u8(AF_BRIDGE).u8(0).u16(0).i32(index).u32(0).u32(0); // struct ifinfomsg
      const nest = w.beginNest(IFLA_PROTINFO, true);
      w.attrU8(IFLA_BRPORT_MODE, on ? 1 : 0);
      w.endAttr(nest);
    },
  };
}

/** `ip link set DEV promisc on`: ifi_flags IFF_PROMISC under the change mask IFF_PROMISC (linux/if.h). */
export function promiscRequest(index: number, on: boolean): RtnlRequest {
  return {
    type: RTM_NEWLINK,
    what: `linkSet #${index} promisc ${on ? 'on' : 'off'}`,
    body: (w) =>
      void w
        .u8(AF_UNSPEC)
        .u8(0)
        .u16(0)
        .i32(index)
        .u32(on ? IFF_PROMISC : 0)
        .u32(IFF_PROMISC),
  };
}

export const linkSetHairpin = (c: RtnlClient, index: number, on: boolean): Promise<unknown> => c.request(brportHairpinRequest(index, on), () => undefined);
export const linkSetPromisc = (c: RtnlClient, index: number, on: boolean): Promise<unknown> => c.request(promiscRequest(index, on), () => undefined);
