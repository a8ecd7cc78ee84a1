// Transcribed from /usr/include/linux/net_namespace.h (Linux uapi).

// Attributes of RTM_NEWNSID / RTM_GETNSID messages (after a struct rtgenmsg, 4 bytes aligned)
export const NETNSA_NONE = 0;
export const NETNSA_NSID = 1;
export const NETNSA_PID = 2;
export const NETNSA_FD = 3;
export const NETNSA_TARGET_NSID = 4;
export const NETNSA_CURRENT_NSID = 5;

/** NETNSA_NSID's value for a namespace that has no id in the asking one. */
export const NETNSA_NSID_NOT_ASSIGNED = -1;
