import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../../factories/devices';
import { GateHarness } from '../../helpers/gate-harness';
import { graphTrafficFor } from '../../helpers/gate-observations';
import { expectProblem } from '../../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER } from '../../helpers/unassign-calls';

describe('unassign preview', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start();
  });
  afterAll(() => harness?.close());

  const preview = async (path: string, body: Record<string, unknown>, roles = [UNASSIGNER]) => {
    const caller = await harness.issuer.userToken({ roles });
    return harness.http.post(path).set('authorization', `Bearer ${caller}`).send(body);
  };
  const rowOf = async (attemptId: string) => (await harness.attemptRows()).filter((row) => row.id === attemptId);

  it('runs every check and says the unassign would succeed, sending Graph only a read', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const ticket = await createLocalTicket(harness);

    const response = await preview(`/v1/autopilot-devices/${device.id}/unassign-resource-account/preview`, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      wouldSucceed: true,
      breakGlass: false,
      device: { device: { id: device.id }, hasResourceAccount: true },
      ticket: { number: ticket },
    });
    expect(
      response.body.checks.map((check: { check: string; passed: boolean }) => [check.check, check.passed]),
    ).toEqual([
      ['policy.anyDevice', true],
      ['device', true],
      ['policy.device', true],
      ['resourceAccount', true],
      ['changeTicket', true],
    ]);
    const traffic = graphTrafficFor(harness, device.id);
    expect(traffic.posts).toHaveLength(0);
    expect(traffic.reads).toHaveLength(1);
    expect(harness.graph.device(device.id)?.resourceName).toBe(device.resourceName);
    expect(await rowOf(response.body.attemptId)).toEqual([
      expect.objectContaining({
        outcome: 'previewed',
        entry_point: 'preview',
        http_status: 200,
        decision: 'allowed',
        device_id: device.id,
      }),
    ]);
  });

  it('lists every failing check at once: the policy for this device, a ticket outside its window and not approved', async () => {
    const hub = aTeamsRoom({ groupTag: 'SURFACE-HUB', resourceName: '' });
    harness.graph.addDevice(hub);
    const hour = 3_600_000;
    const ticket = await createLocalTicket(harness, {
      approval: 'requested',
      plannedStart: new Date(Date.now() + hour).toISOString(),
      plannedEnd: new Date(Date.now() + 2 * hour).toISOString(),
    });

    const response = await preview(`/v1/autopilot-devices/${hub.id}/unassign-resource-account/preview`, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status, response.text).toBe(200);
    expect(response.body.wouldSucceed).toBe(false);
    const failed = response.body.checks
      .filter((check: { passed: boolean }) => !check.passed)
      .map((check: { check: string; code: string }) => `${check.check}:${check.code}`);
    expect(failed).toEqual([
      'policy.device:POLICY_DENIED',
      'resourceAccount:NOT_CHECKED',
      'changeTicket:TICKET_NOT_APPROVED',
      'changeTicket:TICKET_BEFORE_WINDOW',
    ]);
    expect(response.body.device).toBeNull();
    expect(response.text).not.toContain('SURFACE-HUB');
    expect(graphTrafficFor(harness, hub.id).posts).toHaveLength(0);
    expect(await rowOf(response.body.attemptId)).toEqual([
      expect.objectContaining({ outcome: 'previewed', decision: 'denied' }),
    ]);
  });

  it('reports a missing device and an ambiguous serial as failed checks, not problems', async () => {
    const first = aTeamsRoom({ serialNumber: 'PRV-DUP-0001' });
    const second = aTeamsRoom({ serialNumber: 'PRV-DUP-0001' });
    harness.graph.addDevice(first);
    harness.graph.addDevice(second);
    const ticket = await createLocalTicket(harness);

    const ambiguous = await preview('/v1/autopilot-devices/by-serial/PRV-DUP-0001/unassign-resource-account/preview', {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    const missing = await preview('/v1/autopilot-devices/by-serial/PRV-NONE/unassign-resource-account/preview', {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(ambiguous.status).toBe(200);
    expect(ambiguous.body.checks.find((check: { check: string }) => check.check === 'device')).toMatchObject({
      passed: false,
      code: 'AMBIGUOUS_DEVICE',
    });
    expect(missing.body.checks.find((check: { check: string }) => check.check === 'device')).toMatchObject({
      passed: false,
      code: 'DEVICE_NOT_FOUND',
    });
    expect(await rowOf(ambiguous.body.attemptId)).toEqual([
      expect.objectContaining({
        outcome: 'previewed',
        entry_point: 'preview-by-serial',
        serial_number: 'PRV-DUP-0001',
      }),
    ]);
  });

  it('does not hold the device: an unassign may run while a preview of the same device is in flight', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const ticket = await createLocalTicket(harness);
    harness.graph.respondNext('read', { status: 200, delayMs: 400 });
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const body = { changeTicket: ticket, justification: JUSTIFICATION };

    const previewing = harness.http
      .post(`/v1/autopilot-devices/${device.id}/unassign-resource-account/preview`)
      .set('authorization', `Bearer ${caller}`)
      .send(body)
      .then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const unassign = await harness.http
      .post(`/v1/autopilot-devices/${device.id}/unassign-resource-account`)
      .set('authorization', `Bearer ${caller}`)
      .send(body);

    expect(unassign.status, unassign.text).toBe(200);
    expect((await previewing).status).toBe(200);
  });

  it('still answers a token or input failure with its problem, recorded', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);

    const response = await preview(`/v1/autopilot-devices/${device.id}/unassign-resource-account/preview`, {
      justification: 'short',
    });

    expectProblem(response, 400, 'INVALID_REQUEST');
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    expect(await rowOf(response.body.attemptId)).toEqual([
      expect.objectContaining({ outcome: 'invalid_request', entry_point: 'preview' }),
    ]);
  });
});
