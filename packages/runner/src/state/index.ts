// nsrun's state: container records, address leases, bridges it created, and the lock.
export { StateDir, describeOpaque, type StateDirOptions, type BridgeEntry, type LockOptions, type RecordEntry, type RecordOrigin } from './dir.js';
export {
  checkRecord,
  parseRecord,
  formatRecord,
  classifyRecord,
  boundCommand,
  commandLength,
  RECORD_VERSION,
  MAX_COMMAND_BYTES,
  STATE_DIR_TOKEN,
  type ContainerRecord,
  type ClassifiedRecord,
  type RecordContract,
  type CommandLength,
} from './records.js';
export {
  processIdentity,
  isAlive,
  bootId,
  parseProcStat,
  pidNamespace,
  judgeRecord,
  type ProcessIdentity,
  type ProcStat,
  type Verdict,
  type JudgePlace,
} from './liveness.js';
export { LeaseStore, type Lease } from './lease-store.js';
export { lockHolder, flockHolders, devNumbers, describeHolder, type LockHolder } from './lock-holder.js';
export {
  allocateAddress,
  parseGateway,
  unusableRange,
  UNUSABLE_RANGES,
  overlaps,
  inSubnet,
  ipToText,
  textToIp,
  prefixMask,
  MIN_PREFIX,
  MAX_PREFIX,
  type Subnet,
  type Allocation,
  type UsedAddresses,
} from './leases.js';
export { newId, checkId, checkLinkName, ID_PATTERN } from './names.js';
export { StateError, AddressError, stateIoError, type AddressProblem } from './errors.js';
