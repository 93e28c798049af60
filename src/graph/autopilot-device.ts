/**
 * The device as read from Graph before the action: what policies match on and what the attempt records.
 * Only these fields are kept; the resource also carries secrets (deviceAccountPassword) that must never be stored.
 */
export interface AutopilotDevice {
  id: string;
  serialNumber: string | null;
  groupTag: string | null;
  displayName: string | null;
  resourceName: string | null;
  userPrincipalName: string | null;
  addressableUserName: string | null;
  manufacturer: string | null;
  model: string | null;
  enrollmentState: string | null;
  deploymentProfileAssignmentStatus: string | null;
  azureAdDeviceId: string | null;
  managedDeviceId: string | null;
}

/** The fields read from Graph besides the id. */
const DEVICE_FIELDS = [
  'serialNumber',
  'groupTag',
  'displayName',
  'resourceName',
  'userPrincipalName',
  'addressableUserName',
  'manufacturer',
  'model',
  'enrollmentState',
  'deploymentProfileAssignmentStatus',
  'azureAdDeviceId',
  'managedDeviceId',
] as const;

/** Every field of the device as the gate keeps it: what policy conditions on AutopilotDevice may name. */
export const AUTOPILOT_DEVICE_FIELDS = ['id', ...DEVICE_FIELDS] as const satisfies readonly (keyof AutopilotDevice)[];

export function autopilotDeviceFrom(id: string, entity: Record<string, unknown>): AutopilotDevice {
  const device = { id: typeof entity.id === 'string' ? entity.id : id } as AutopilotDevice;
  for (const field of DEVICE_FIELDS) {
    const value = entity[field];
    device[field] = typeof value === 'string' ? value : null;
  }
  return device;
}

/** Graph reports "no resource account" as an empty or absent resourceName. */
export function hasResourceAccount(device: AutopilotDevice): boolean {
  return !!device.resourceName && device.resourceName.trim().length > 0;
}

/** Graph's `contains` also finds longer serials: only an exact match, ignoring case and surrounding blanks, counts. */
export function exactSerialMatches(devices: AutopilotDevice[], serialNumber: string): AutopilotDevice[] {
  const wanted = serialNumber.trim().toLowerCase();
  return devices.filter((device) => device.serialNumber?.trim().toLowerCase() === wanted);
}
