// Transcribed from /usr/include/linux/if_vlan.h and /usr/include/linux/if_ether.h (Linux uapi).

// enum vlan_flags: struct ifla_vlan_flags (IFLA_VLAN_FLAGS: u32 flags, u32 mask)
export const VLAN_FLAG_REORDER_HDR = 0x1;
export const VLAN_FLAG_GVRP = 0x2;
export const VLAN_FLAG_LOOSE_BINDING = 0x4;
export const VLAN_FLAG_MVRP = 0x8;
export const VLAN_FLAG_BRIDGE_BINDING = 0x10;

// linux/if_ether.h: the VLAN protocols (IFLA_VLAN_PROTOCOL, IFLA_BR_VLAN_PROTOCOL; big-endian on the wire)
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
