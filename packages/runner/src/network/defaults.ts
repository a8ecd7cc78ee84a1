// The classic tutorial's network, which nsrun keeps as its default.
export const DEFAULT_BRIDGE = 'brg0';
export const DEFAULT_GATEWAY = '10.10.10.1/24';
