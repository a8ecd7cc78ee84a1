// nsrun as a CNI plugin (containernetworking/cni SPEC.md): `cniPlugin` runs one command.
export { cniPlugin, CNI_LOCK_TIMEOUT_MS, type CniRunOptions, type CniOutput } from './plugin.js';
export { CniError } from './errors.js';
export * from './errors.js';
export { SUPPORTED_VERSIONS as CNI_SUPPORTED_VERSIONS } from './version.js';
export { cniId } from './ids.js';
export { CNI_DEFAULT_BRIDGE } from './config.js';
