// nsrun netd: the privileged helper that wires a user's own network namespace (server.ts) and
// its client (client.ts).
export { NetdServer, type NetdOptions } from './server.js';
export { netdAttach, netdDetach, netdList, netdSocket, type NetdAttachRequest, type NetdClientOptions, type NetdHandle } from './client.js';
export { NetdError, type NetdStep, type WireError } from './errors.js';
export {
  DEFAULT_SOCKET as NETD_DEFAULT_SOCKET,
  MAX_REQUEST_BYTES as NETD_MAX_REQUEST_BYTES,
  parseRequest as parseNetdRequest,
  type NetdAttachment,
} from './protocol.js';
export {
  DEFAULT_POLICY as NETD_DEFAULT_POLICY,
  parsePolicy,
  readPolicy,
  ruleFor,
  checkRuleAllows,
  type Policy,
  type PolicyRule,
  type Caller,
} from './policy.js';
