import type { GateHarness } from './gate-harness';
import { aTeamsRoom } from '../factories/devices';
import type { FakeAutopilotDevice } from '../fakes/fake-graph.server';
import { aTicketNumber, anOpenChange } from '../factories/tickets';

export const UNASSIGNER = 'Autopilot.ResourceAccount.Unassign';
export const JUSTIFICATION = 'Room decommissioned, account moves to the new room (test).';

/** Creates a local ticket through the admin endpoint, as an operator would. */
export async function createLocalTicket(
  harness: GateHarness,
  overrides: Record<string, unknown> = {},
  number = aTicketNumber(),
): Promise<string> {
  const admin = await harness.issuer.userToken({ roles: ['ChangeTickets.Admin'] });
  const response = await harness.http
    .put(`/v1/change-tickets/${number}`)
    .set('authorization', `Bearer ${admin}`)
    .send(anOpenChange(overrides));
  if (response.status !== 200) throw new Error(`ticket ${number} was not created: ${response.status} ${response.text}`);
  return number;
}

export function unassignV1(
  harness: GateHarness,
  deviceId: string,
  token: string | undefined,
  body: Record<string, unknown>,
) {
  const call = harness.http.post(`/v1/autopilot-devices/${deviceId}/unassign-resource-account`);
  if (token) call.set('authorization', `Bearer ${token}`);
  return call.send(body);
}

/** A Teams Room (see aTeamsRoom) that the harness's fake Graph knows. */
export function aTeamsRoomIn(harness: GateHarness, overrides: Partial<FakeAutopilotDevice> = {}): FakeAutopilotDevice {
  const device = aTeamsRoom(overrides);
  harness.graph.addDevice(device);
  return device;
}
