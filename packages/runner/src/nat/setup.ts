import type { AsyncStepRunner } from '../errors.js';
import type { Rollback } from '../rollback.js';
import type { StateDir } from '../state/dir.js';
import type { ContainerRecord, NatRecord } from '../state/records.js';
import { enableIpForward } from './forwarding.js';
import { addNat, removeNat } from './apply.js';

// For run and net attach, once the container is plugged: IPv4 forwarding on, the record
// updated first (so that a killed nsrun leaves a record naming the rules for gc), then the
// rules in one transaction, with their removal on the rollback.

export async function setUpNat(
  state: StateDir,
  record: ContainerRecord,
  nat: NatRecord,
  step: AsyncStepRunner,
  rollback: Rollback,
  onNotice?: (message: string) => void,
): Promise<ContainerRecord> {
  if (await step('ip-forward', async () => enableIpForward())) {
    onNotice?.('turned on IPv4 forwarding (net.ipv4.ip_forward=1); it stays on after nsrun exits');
  }
  const rec: ContainerRecord = { ...record, nat };
  state.write(rec);
  rollback.push('nat', () => removeNat(rec.id));
  await step('nat', () => addNat({ id: rec.id, bridge: rec.bridge!, ip: rec.ip!.split('/')[0]!, masquerade: nat.masquerade, publish: nat.publish }));
  return rec;
}
