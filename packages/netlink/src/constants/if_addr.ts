// Transcribed from /usr/include/linux/if_addr.h (Linux uapi).

// struct ifaddrmsg attributes (anonymous enum IFA_*)
export const IFA_UNSPEC = 0;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;
export const IFA_RT_PRIORITY = 9; // u32, priority/metric for prefix route
export const IFA_TARGET_NETNSID = 10;
export const IFA_PROTO = 11; // u8, address protocol (IFAPROT_*)

// struct ifaddrmsg.ifa_flags / IFA_FLAGS bits
export const IFA_F_SECONDARY = 0x1;
export const IFA_F_TEMPORARY = 0x1; // IFA_F_SECONDARY
export const IFA_F_NODAD = 0x2;
export const IFA_F_OPTIMISTIC = 0x4;
export const IFA_F_DADFAILED = 0x8;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;

// IFA_PROTO values
export const IFAPROT_UNSPEC = 0;
export const IFAPROT_KERNEL_LO = 1;
export const IFAPROT_KERNEL_RA = 2;
export const IFAPROT_KERNEL_LL = 3;

/** IFA_* address attribute type -> name. */
export const IFA_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [IFA_UNSPEC]: 'IFA_UNSPEC',
  [IFA_ADDRESS]: 'IFA_ADDRESS',
  [IFA_LOCAL]: 'IFA_LOCAL',
  [IFA_LABEL]: 'IFA_LABEL',
  [IFA_BROADCAST]: 'IFA_BROADCAST',
  [IFA_ANYCAST]: 'IFA_ANYCAST',
  [IFA_CACHEINFO]: 'IFA_CACHEINFO',
  [IFA_MULTICAST]: 'IFA_MULTICAST',
  [IFA_FLAGS]: 'IFA_FLAGS',
  [IFA_RT_PRIORITY]: 'IFA_RT_PRIORITY',
  [IFA_TARGET_NETNSID]: 'IFA_TARGET_NETNSID',
  [IFA_PROTO]: 'IFA_PROTO',
});
