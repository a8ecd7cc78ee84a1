// Transcribed from /usr/include/linux/neighbour.h (Linux uapi).

// struct ndmsg attributes (anonymous enum NDA_*)
export const NDA_UNSPEC = 0;
export const NDA_DST = 1;
export const NDA_LLADDR = 2;
export const NDA_CACHEINFO = 3;
export const NDA_PROBES = 4;
export const NDA_VLAN = 5;
export const NDA_PORT = 6;
export const NDA_VNI = 7;
export const NDA_IFINDEX = 8;
export const NDA_MASTER = 9;
export const NDA_LINK_NETNSID = 10;
export const NDA_SRC_VNI = 11;
export const NDA_PROTOCOL = 12; // originator of entry
export const NDA_NH_ID = 13;
export const NDA_FDB_EXT_ATTRS = 14;
export const NDA_FLAGS_EXT = 15;
export const NDA_NDM_STATE_MASK = 16;
export const NDA_NDM_FLAGS_MASK = 17;

// struct ndmsg.ndm_flags: neighbour cache entry flags
export const NTF_USE = 0x1;
export const NTF_SELF = 0x2;
export const NTF_MASTER = 0x4;
export const NTF_PROXY = 0x8;
export const NTF_EXT_LEARNED = 0x10;
export const NTF_OFFLOADED = 0x20;
export const NTF_STICKY = 0x40;
export const NTF_ROUTER = 0x80;

// Extended flags under NDA_FLAGS_EXT
export const NTF_EXT_MANAGED = 0x1;

// struct ndmsg.ndm_state: neighbour cache entry states (NUD_NOARP, NUD_PERMANENT, NUD_NONE are dummy states)
export const NUD_INCOMPLETE = 0x1;
export const NUD_REACHABLE = 0x2;
export const NUD_STALE = 0x4;
export const NUD_DELAY = 0x8;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;
export const NUD_NONE = 0x0;

/** NDA_* neighbour attribute type -> name. */
export const NDA_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [NDA_UNSPEC]: 'NDA_UNSPEC',
  [NDA_DST]: 'NDA_DST',
  [NDA_LLADDR]: 'NDA_LLADDR',
  [NDA_CACHEINFO]: 'NDA_CACHEINFO',
  [NDA_PROBES]: 'NDA_PROBES',
  [NDA_VLAN]: 'NDA_VLAN',
  [NDA_PORT]: 'NDA_PORT',
  [NDA_VNI]: 'NDA_VNI',
  [NDA_IFINDEX]: 'NDA_IFINDEX',
  [NDA_MASTER]: 'NDA_MASTER',
  [NDA_LINK_NETNSID]: 'NDA_LINK_NETNSID',
  [NDA_SRC_VNI]: 'NDA_SRC_VNI',
  [NDA_PROTOCOL]: 'NDA_PROTOCOL',
  [NDA_NH_ID]: 'NDA_NH_ID',
  [NDA_FDB_EXT_ATTRS]: 'NDA_FDB_EXT_ATTRS',
  [NDA_FLAGS_EXT]: 'NDA_FLAGS_EXT',
  [NDA_NDM_STATE_MASK]: 'NDA_NDM_STATE_MASK',
  [NDA_NDM_FLAGS_MASK]: 'NDA_NDM_FLAGS_MASK',
});
