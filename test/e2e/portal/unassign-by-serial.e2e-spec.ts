import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../../factories/devices';
import { GateHarness } from '../../helpers/gate-harness';
import { graphTrafficFor } from '../../helpers/gate-observations';
import { expectProblem } from '../../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER } from '../../helpers/unassign-calls';

describe('POST /v1/autopilot-devices/by-serial/{serialNumber}/unassign-resource-account', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start();
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  const unassignBySerial = async (serial: string) => {
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    return harness.http
      .post(`/v1/autopilot-devices/by-serial/${encodeURIComponent(serial)}/unassign-resource-account`)
      .set('authorization', `Bearer ${caller}`)
      .send({ changeTicket: ticket, justification: JUSTIFICATION });
  };
  const rowOf = async (attemptId: string) => (await harness.attemptRows()).filter((row) => row.id === attemptId);
  const posts = () => harness.graph.unassignRequests.length;

  it('unassigns the one device with this serial, exactly as by id, recording the serial and the device it resolved to', async () => {
    const device = aTeamsRoom({ serialNumber: 'BYS-SN-0001' });
    const longer = aTeamsRoom({ serialNumber: 'BYS-SN-00012' });
    harness.graph.addDevice(device);
    harness.graph.addDevice(longer);

    const response = await unassignBySerial('bys-sn-0001');

    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ outcome: 'succeeded', deviceId: device.id });
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    expect(graphTrafficFor(harness, longer.id).posts).toHaveLength(0);
    expect(harness.graph.device(device.id)?.resourceName).toBe('');
    expect(await rowOf(response.body.attemptId)).toEqual([
      expect.objectContaining({
        outcome: 'succeeded',
        entry_point: 'v1-by-serial',
        serial_number: 'bys-sn-0001',
        device_id: device.id,
      }),
    ]);
  });

  it('answers 404 DEVICE_NOT_FOUND when no device has the serial, recording the attempt', async () => {
    const before = posts();

    const response = await unassignBySerial('BYS-NONE-0404');

    expectProblem(response, 404, 'DEVICE_NOT_FOUND');
    expect(posts()).toBe(before);
    expect(await rowOf(response.body.attemptId)).toEqual([
      expect.objectContaining({ outcome: 'device_not_found', serial_number: 'BYS-NONE-0404', device_id: null }),
    ]);
  });

  it('answers 409 AMBIGUOUS_DEVICE with the candidates when several devices have the serial, and forwards nothing', async () => {
    const first = aTeamsRoom({ serialNumber: 'BYS-DUP-0409' });
    const second = aTeamsRoom({ serialNumber: 'BYS-DUP-0409' });
    harness.graph.addDevice(first);
    harness.graph.addDevice(second);
    const before = posts();

    const response = await unassignBySerial('BYS-DUP-0409');

    expectProblem(response, 409, 'AMBIGUOUS_DEVICE');
    expect([...response.body.candidates].sort()).toEqual([first.id, second.id].sort());
    expect(posts()).toBe(before);
    expect(harness.graph.device(first.id)?.resourceName).toBe(first.resourceName);
    expect(await rowOf(response.body.attemptId)).toEqual([
      expect.objectContaining({ outcome: 'ambiguous_device', http_status: 409 }),
    ]);
  });

  it('refuses an invalid serial before anything reaches Graph, and records the attempt', async () => {
    const before = harness.graph.requests.length;

    const response = await unassignBySerial('x'.repeat(101));

    expectProblem(response, 400, 'INVALID_REQUEST');
    expect(harness.graph.requests).toHaveLength(before);
    expect(await rowOf(response.body.attemptId)).toEqual([
      expect.objectContaining({ outcome: 'invalid_request', entry_point: 'v1-by-serial' }),
    ]);
  });
});
