// nsrun's state: container records, address leases, bridges it created, and the lock.
export { StateDir, type StateDirOptions, type BridgeEntry } from './dir.js';
export { checkRecord, parseRecord, formatRecord, type ContainerRecord } from './records.js';
export { processIdentity, isAlive, bootId, parseProcStat, type ProcessIdentity, type ProcStat } from './liveness.js';
export {
  allocateAddress, parseGateway, unusableRange, UNUSABLE_RANGES, overlaps, inSubnet, ipToText, textToIp, prefixMask, MIN_PREFIX, MAX_PREFIX,
  type Subnet, type Allocation, type UsedAddresses,
} from './leases.js';
export { newId, checkId, checkLinkName, ID_PATTERN } from './names.js';
export { StateError, AddressError, type AddressProblem } from './errors.js';
