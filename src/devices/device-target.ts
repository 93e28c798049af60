import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';

/** A device as a caller names it: by Intune's id, or by the serial number an ITSM flow knows from its CMDB. */
export type DeviceTarget = { kind: 'id'; deviceId: string } | { kind: 'serial'; serialNumber: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Printable ASCII, as manufacturers print serials; a quote is allowed (OData-escaped when it goes to Graph).
const SERIAL_NUMBER = /^[\x20-\x7E]{1,100}$/;

export function deviceIdTarget(...ids: string[]): Extract<DeviceTarget, { kind: 'id' }> {
  if (ids.some((id) => !GUID.test(id))) {
    throw new ProblemError(ProblemCode.InvalidRequest, 'The device id must be a GUID.', {
      errors: [{ path: 'deviceId', message: 'must be a GUID' }],
    });
  }
  return { kind: 'id', deviceId: ids.at(-1)!.toLowerCase() };
}

export function serialNumberTarget(serialNumber: string): Extract<DeviceTarget, { kind: 'serial' }> {
  const trimmed = serialNumber.trim();
  if (!SERIAL_NUMBER.test(serialNumber) || trimmed === '') {
    const message = 'must be 1 to 100 printable ASCII characters';
    throw new ProblemError(ProblemCode.InvalidRequest, `serialNumber: ${message}.`, {
      errors: [{ path: 'serialNumber', message }],
    });
  }
  return { kind: 'serial', serialNumber: trimmed };
}
