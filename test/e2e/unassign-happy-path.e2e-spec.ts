import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { GateHarness, GRAPH_CLIENT_ID } from '../helpers/gate-harness';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

describe('POST /v1/autopilot-devices/{id}/unassign-resource-account', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start();
  });
  afterAll(() => harness?.close());

  it('forwards one unassign to Graph with an app token and records the attempt as succeeded', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const ticket = await createLocalTicket(harness);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], upn: 'adele@contoso.example' });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      outcome: 'succeeded',
      deviceId: device.id,
      changeTicket: ticket,
      graph: { status: 204 },
    });
    const posts = harness.graph.unassignRequests.filter((r) => r.path.includes(device.id));
    expect(posts).toHaveLength(1);
    expect(posts[0].path).toBe(
      `/beta/deviceManagement/windowsAutopilotDeviceIdentities/${device.id}/unassignResourceAccountFromDevice`,
    );
    expect(harness.authority.issuedTokens).toContain(posts[0].headers.authorization.replace('Bearer ', ''));
    expect(posts[0].headers['client-request-id']).toBe(response.body.graph.clientRequestId);
    expect(harness.authority.tokenRequests[0].form).toMatchObject({
      grant_type: 'client_credentials',
      client_id: GRAPH_CLIENT_ID,
    });
    expect(harness.graph.device(device.id)?.resourceName).toBeFalsy();

    const [row] = (await harness.attemptRows()).filter((r) => r.id === response.body.attemptId);
    expect(row).toMatchObject({
      outcome: 'succeeded',
      http_status: 200,
      device_id: device.id,
      change_ticket: ticket,
      justification: JUSTIFICATION,
      actor_upn: 'adele@contoso.example',
      actor_kind: 'user',
      graph_status: 204,
      graph_client_request_id: response.body.graph.clientRequestId,
      graph_request_id: response.body.graph.requestId,
      decision: 'allowed',
      simulated: false,
    });
    expect(row.device_snapshot).toMatchObject({
      groupTag: 'MTR-EU',
      serialNumber: device.serialNumber,
      resourceName: device.resourceName,
    });
    expect(JSON.stringify(row)).not.toContain('device-account-password-never-stored');
    expect(row.ticket_snapshot).toMatchObject({ number: ticket, state: 'Implement', approval: 'approved' });
  });
});
