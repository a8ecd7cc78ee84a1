export { SysError, errnoName, errnoNumber, strerror } from './errors.js';
export * from './socket.js';
export * from './namespaces.js';
export { NetNs } from './netns.js';
