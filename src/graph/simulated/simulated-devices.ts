import type { AutopilotDevice } from '../autopilot-device';

function device(
  id: string,
  serialNumber: string,
  groupTag: string,
  displayName: string,
  resourceName: string | null,
): AutopilotDevice {
  return {
    id,
    serialNumber,
    groupTag,
    displayName,
    resourceName,
    userPrincipalName: null,
    addressableUserName: resourceName ? displayName : null,
    manufacturer: 'Contoso Devices',
    model: 'Teams Room Compute 2',
    enrollmentState: 'enrolled',
    deploymentProfileAssignmentStatus: 'assignedInSync',
    azureAdDeviceId: null,
    managedDeviceId: null,
  };
}

/** The simulated tenant's devices, fresh at every start. */
export function seedSimulatedDevices(): AutopilotDevice[] {
  return [
    device(
      '5a1c1d5e-0000-4000-8000-000000000001',
      'SIM-MTR-0001',
      'MTR-EU',
      'ROOM-EU-01',
      'room-eu-01@contoso.example',
    ),
    device(
      '5a1c1d5e-0000-4000-8000-000000000002',
      'SIM-MTR-0002',
      'MTR-EU',
      'ROOM-EU-02',
      'room-eu-02@contoso.example',
    ),
    device(
      '5a1c1d5e-0000-4000-8000-000000000003',
      'SIM-MTR-0003',
      'MTR-US',
      'ROOM-US-01',
      'room-us-01@contoso.example',
    ),
    device('5a1c1d5e-0000-4000-8000-000000000004', 'SIM-MTR-0004', 'MTR-US', 'ROOM-US-02', null),
    device(
      '5a1c1d5e-0000-4000-8000-000000000005',
      'SIM-HUB-0005',
      'SURFACE-HUB',
      'HUB-LOBBY',
      'hub-lobby@contoso.example',
    ),
    // SIM-MTR-0001 is a substring of this serial: a look-up by SIM-MTR-0001 must still find one device.
    device(
      '5a1c1d5e-0000-4000-8000-000000000006',
      'SIM-MTR-00010',
      'MTR-EU',
      'ROOM-EU-10',
      'room-eu-10@contoso.example',
    ),
    // Two devices registered with one serial (a re-imported board): a look-up finds both, an unassign by it refuses.
    device(
      '5a1c1d5e-0000-4000-8000-000000000007',
      'SIM-DUP-0007',
      'MTR-EU',
      'ROOM-EU-07A',
      'room-eu-07a@contoso.example',
    ),
    device(
      '5a1c1d5e-0000-4000-8000-000000000008',
      'SIM-DUP-0007',
      'MTR-EU',
      'ROOM-EU-07B',
      'room-eu-07b@contoso.example',
    ),
  ];
}
