import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { GateHarness } from '../helpers/gate-harness';
import { attemptsFor } from '../helpers/gate-observations';
import { expectProblem } from '../helpers/refusal-assertions';
import { UNASSIGNER } from '../helpers/unassign-calls';

const GRAPH_DEVICES = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';

describe('a known path asked with a method it does not have', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start();
  });
  afterAll(() => harness?.close());

  it('answers 405 METHOD_NOT_ALLOWED with Allow naming the methods of a parametrised path', async () => {
    const token = await harness.issuer.userToken({ roles: ['Audit.Reader'] });

    const response = await harness.http.delete(`/v1/attempts/${randomUUID()}`).set('authorization', `Bearer ${token}`);

    expectProblem(response, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(response.body).toMatchObject({
      allowedMethods: ['GET', 'HEAD'],
      correlationId: response.headers['x-request-id'],
    });
  });

  it('answers 405 on the unassign and facade paths, recording no attempt and sending Graph nothing', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const graphRequestsBefore = harness.graph.requests.length;

    const v1 = await harness.http
      .put(`/v1/autopilot-devices/${device.id}/unassign-resource-account`)
      .set('authorization', `Bearer ${token}`);
    const facade = await harness.http
      .get(`${GRAPH_DEVICES}/${device.id}/unassignResourceAccountFromDevice`)
      .set('authorization', `Bearer ${token}`);
    const viaProfile = await harness.http
      .delete(
        `${GRAPH_DEVICES}/${randomUUID()}/deploymentProfile/assignedDevices/${device.id}/unassignResourceAccountFromDevice`,
      )
      .set('authorization', `Bearer ${token}`);

    for (const response of [v1, facade, viaProfile]) {
      expectProblem(response, 405, 'METHOD_NOT_ALLOWED');
      expect(response.headers.allow).toBe('POST');
    }
    expect(await attemptsFor(harness, device.id)).toEqual([]);
    expect(harness.graph.requests.length).toBe(graphRequestsBefore);
  });

  it('names every method of a path that has several', async () => {
    const response = await harness.http.delete(`/v1/change-tickets/CHG0000001`);

    expectProblem(response, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.allow).toBe('GET, HEAD, PUT');
  });

  it('still answers 404 NOT_FOUND, without Allow, for a path no method has', async () => {
    const response = await harness.http.delete('/v1/attempts');

    expectProblem(response, 404, 'NOT_FOUND');
    expect(response.headers.allow).toBeUndefined();
  });
});
