// @nsrun/cli as a library: the `nsrun` entry point and the `ip` parser, for tests and embedding.
export { main, USAGE } from './main.js';
export type { Io } from './io.js';
export { UsageError, HelpRequest } from './args.js';
export { parseIp, runIp, IP_USAGE, type IpInvocation } from './ip/index.js';
