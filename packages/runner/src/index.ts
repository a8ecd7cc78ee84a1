// @nsrun/runner: run a command in new Linux namespaces with a bridged network (the `nsrun run`
// job), wire an existing process's network (`net attach`), list and clean up.
export { run, type RunHandle } from './run.js';
export { validateRunOptions, type RunOptions, type NetMode } from './options.js';
export { RunnerError, type RunStep } from './errors.js';
export { exitStatus, EXIT_RUNNER_FAILED, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from './status.js';
export { FORWARDED_SIGNALS } from './signals.js';
export { netAttach, netDetach, type AttachOptions, type Attachment } from './attach.js';
export { gc, type GcOptions, type GcReport } from './gc.js';
export { ps, type ContainerInfo } from './ps.js';
export { DEFAULT_BRIDGE, DEFAULT_GATEWAY } from './network/defaults.js';
export { StateDir } from './state/dir.js';
export type { ContainerRecord } from './state/records.js';
export { PDEATHSIG_AVAILABLE, INIT_FORWARDS_INT_QUIT } from './gate.js';
export { natShow, ruleText, type NatRuleInfo } from './nat/show.js';
export { parsePublish, formatPublish, type PublishSpec } from './nat/publish.js';
export type { NatRecord } from './state/records.js';
export { DEFAULT_CAPABILITIES, resolveCapabilities } from './security/caps.js';
export { MASKED_PATHS, READONLY_PATHS } from './security/paths.js';
export { defaultSeccompPolicy } from './security/profile.js';
export { securityPlan, type SecurityPlan, type SecurityOptions } from './security/plan.js';
export { rootless, rootlessReady, agentSpawn, type RootlessContext } from './rootless.js';
export { defaultStateDir, ROOT_STATE_DIR } from './state/default-dir.js';
export { mkdirp } from './state/files.js';
export * from './netd/index.js';
export * from './cni/index.js';
