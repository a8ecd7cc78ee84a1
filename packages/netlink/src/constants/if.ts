// Transcribed from /usr/include/linux/if.h (Linux uapi).

// Name sizes
export const IFNAMSIZ = 16; // includes the trailing NUL
export const IFALIASZ = 256;
export const ALTIFNAMSIZ = 128;

// enum net_device_flags (struct ifinfomsg.ifi_flags / ifi_change)
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_DEBUG = 0x4;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_NOTRAILERS = 0x20;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_ALLMULTI = 0x200;
export const IFF_MASTER = 0x400;
export const IFF_SLAVE = 0x800;
export const IFF_MULTICAST = 0x1000;
export const IFF_PORTSEL = 0x2000;
export const IFF_AUTOMEDIA = 0x4000;
export const IFF_DYNAMIC = 0x8000;
export const IFF_LOWER_UP = 0x10000;
export const IFF_DORMANT = 0x20000;
export const IFF_ECHO = 0x40000;
export const IFF_VOLATILE = 0x70c5a; // IFF_LOOPBACK | IFF_POINTOPOINT | IFF_BROADCAST | IFF_ECHO | IFF_MASTER | IFF_SLAVE | IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT

// RFC 2863 operational status (anonymous enum; IFLA_OPERSTATE values)
export const IF_OPER_UNKNOWN = 0;
export const IF_OPER_NOTPRESENT = 1;
export const IF_OPER_DOWN = 2;
export const IF_OPER_LOWERLAYERDOWN = 3;
export const IF_OPER_TESTING = 4;
export const IF_OPER_DORMANT = 5;
export const IF_OPER_UP = 6;

// Link modes (anonymous enum; IFLA_LINKMODE values)
export const IF_LINK_MODE_DEFAULT = 0;
export const IF_LINK_MODE_DORMANT = 1;
export const IF_LINK_MODE_TESTING = 2;
