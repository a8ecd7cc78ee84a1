// Transcribed from /usr/include/linux/if_bridge.h (Linux uapi).
// Only the plain constants used by rtnetlink link messages (IFLA_AF_SPEC for AF_BRIDGE).

// IFLA_BRIDGE_FLAGS values
export const BRIDGE_FLAGS_MASTER = 0x1;
export const BRIDGE_FLAGS_SELF = 0x2;

// IFLA_BRIDGE_MODE values
export const BRIDGE_MODE_VEB = 0x0;
export const BRIDGE_MODE_VEPA = 0x1;
export const BRIDGE_MODE_UNDEF = 0xffff;

// IFLA_AF_SPEC / AF_BRIDGE nested attributes (anonymous enum IFLA_BRIDGE_*)
export const IFLA_BRIDGE_FLAGS = 0;
export const IFLA_BRIDGE_MODE = 1;
export const IFLA_BRIDGE_VLAN_INFO = 2;
export const IFLA_BRIDGE_VLAN_TUNNEL_INFO = 3;
export const IFLA_BRIDGE_MRP = 4;
export const IFLA_BRIDGE_CFM = 5;
export const IFLA_BRIDGE_MST = 6;

// struct bridge_vlan_info.flags (IFLA_BRIDGE_VLAN_INFO)
export const BRIDGE_VLAN_INFO_MASTER = 0x1;
export const BRIDGE_VLAN_INFO_PVID = 0x2;
export const BRIDGE_VLAN_INFO_UNTAGGED = 0x4;
export const BRIDGE_VLAN_INFO_RANGE_BEGIN = 0x8;
export const BRIDGE_VLAN_INFO_RANGE_END = 0x10;
export const BRIDGE_VLAN_INFO_BRENTRY = 0x20;
export const BRIDGE_VLAN_INFO_ONLY_OPTS = 0x40;

// Port STP states (IFLA_BRPORT_STATE values)
export const BR_STATE_DISABLED = 0;
export const BR_STATE_LISTENING = 1;
export const BR_STATE_LEARNING = 2;
export const BR_STATE_FORWARDING = 3;
export const BR_STATE_BLOCKING = 4;

// enum br_boolopt_id: bit numbers in struct br_boolopt_multi (IFLA_BR_MULTI_BOOLOPT: u32 optval, u32 optmask)
export const BR_BOOLOPT_NO_LL_LEARN = 0;
export const BR_BOOLOPT_MCAST_VLAN_SNOOPING = 1;
export const BR_BOOLOPT_MST_ENABLE = 2;
