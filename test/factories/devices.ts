import { randomUUID } from 'node:crypto';
import type { FakeAutopilotDevice } from '../fakes/fake-graph.server';

let serial = 0;

/** A Teams Room in the EU group with a resource account: what the default policy lets an unassigner touch. */
export function aTeamsRoom(overrides: Partial<FakeAutopilotDevice> = {}): FakeAutopilotDevice {
  serial += 1;
  const number = String(serial).padStart(4, '0');
  return {
    id: randomUUID(),
    serialNumber: `MTR-SN-${number}`,
    groupTag: 'MTR-EU',
    displayName: `ROOM-${number}`,
    resourceName: `room-${number}@contoso.example`,
    deviceAccountPassword: 'device-account-password-never-stored',
    ...overrides,
  };
}
