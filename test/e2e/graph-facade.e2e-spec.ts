import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import type { FakeAutopilotDevice } from '../fakes/fake-graph.server';
import { GateHarness } from '../helpers/gate-harness';
import { attemptsFor, canonicalUnassignPath, GRAPH_DATE, graphTrafficFor, GUID } from '../helpers/gate-observations';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER } from '../helpers/unassign-calls';

const DEVICES = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';
const byDevice = (id: string) => `${DEVICES}/${id}/unassignResourceAccountFromDevice`;
const byProfileAssignment = (id: string) => `${DEVICES}/${id}/deploymentProfile/assignedDevices/${id}/unassignResourceAccountFromDevice`;

interface FacadeCall {
  token?: string;
  changeTicket?: string;
  justification?: string;
  clientRequestId?: string;
}

describe('Graph-compatible facade', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    // One try per Graph call: these tests are about how a single Graph answer is passed on.
    harness = await GateHarness.start({ env: { GRAPH_MAX_TRIES: '1' } });
  });
  afterAll(() => harness?.close());

  function facadePost(path: string, call: FacadeCall) {
    const request = harness.http.post(path);
    if (call.token) request.set('authorization', `Bearer ${call.token}`);
    if (call.changeTicket) request.set('x-change-ticket', call.changeTicket);
    if (call.justification) request.set('x-justification', call.justification);
    if (call.clientRequestId) request.set('client-request-id', call.clientRequestId);
    return request.send();
  }

  async function aRoomWithTicket(overrides: Partial<FakeAutopilotDevice> = {}) {
    const device = aTeamsRoom(overrides);
    harness.graph.addDevice(device);
    return { device, changeTicket: await createLocalTicket(harness) };
  }

  /** Graph's error shape with the gate's additions: code, message, innerError with ids, zone-less date, attemptId, gateCode. */
  function expectGraphShapedError(response: Response, status: number, graphCode: string, gateCode: string, clientRequestId: string) {
    expect(response.status, response.text).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['request-id']).toEqual(expect.any(String));
    expect(response.headers['client-request-id']).toBe(clientRequestId);
    const { error } = response.body;
    expect(error).toMatchObject({ code: graphCode, message: expect.stringMatching(/\S/) });
    expect(error.innerError).toMatchObject({
      'request-id': response.headers['request-id'],
      'client-request-id': clientRequestId,
      date: expect.stringMatching(GRAPH_DATE),
      gateCode,
      attemptId: expect.stringMatching(GUID),
    });
    return error;
  }

  describe.each([
    { name: 'the device path', pathFor: byDevice },
    { name: 'the deployment profile path', pathFor: byProfileAssignment },
  ])('success through $name', ({ pathFor }) => {
    it('answers 204 with no body, Graph\'s ids in the headers, and forwards one canonical unassign', async () => {
      const { device, changeTicket } = await aRoomWithTicket();
      const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
      const clientRequestId = randomUUID();

      const response = await facadePost(pathFor(device.id), { token: caller, changeTicket, justification: JUSTIFICATION, clientRequestId });

      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
      expect(response.headers['request-id']).toEqual(expect.stringMatching(/\S/));
      expect(response.headers['client-request-id']).toBe(clientRequestId);

      const traffic = graphTrafficFor(harness, device.id);
      expect(traffic.posts).toHaveLength(1);
      expect(traffic.posts[0].path).toBe(canonicalUnassignPath(device.id));
      // The gate sends Graph its own fresh id, never the caller's.
      expect(traffic.posts[0].headers['client-request-id']).toMatch(GUID);
      expect(traffic.posts[0].headers['client-request-id']).not.toBe(clientRequestId);
      expect(harness.graph.device(device.id)?.resourceName).toBe('');

      const rows = await attemptsFor(harness, device.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        id: response.headers['x-attempt-id'],
        entry_point: 'graph-facade',
        outcome: 'succeeded',
        http_status: 204,
        change_ticket: changeTicket,
        justification: JUSTIFICATION,
        correlation_id: response.headers['request-id'],
        graph_status: 204,
        graph_client_request_id: traffic.posts[0].headers['client-request-id'],
      });
    });
  });

  it('echoes its own request-id as client-request-id when the caller sends none, as Graph does', async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await facadePost(byDevice(device.id), { token: caller, changeTicket, justification: JUSTIFICATION });

    expect(response.status).toBe(204);
    expect(response.headers['client-request-id']).toBe(response.headers['request-id']);
  });

  it('refuses a call without a token with a Graph-shaped 401 InvalidAuthenticationToken and a Bearer challenge', async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const clientRequestId = randomUUID();

    const response = await facadePost(byDevice(device.id), { changeTicket, justification: JUSTIFICATION, clientRequestId });

    const error = expectGraphShapedError(response, 401, 'InvalidAuthenticationToken', 'UNAUTHENTICATED', clientRequestId);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    const rows = await attemptsFor(harness, device.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: error.innerError.attemptId, entry_point: 'graph-facade', outcome: 'unauthenticated', http_status: 401, error_code: 'UNAUTHENTICATED' });
  });

  it('refuses a caller without an unassign role with a Graph-shaped 403 Forbidden, reading nothing from Graph', async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const caller = await harness.issuer.userToken({ roles: ['Audit.Reader'] });
    const clientRequestId = randomUUID();

    const response = await facadePost(byDevice(device.id), { token: caller, changeTicket, justification: JUSTIFICATION, clientRequestId });

    const error = expectGraphShapedError(response, 403, 'Forbidden', 'POLICY_DENIED', clientRequestId);
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    const [row] = await attemptsFor(harness, device.id);
    expect(row).toMatchObject({ id: error.innerError.attemptId, entry_point: 'graph-facade', outcome: 'policy_denied' });
  });

  it('refuses a device outside the caller\'s scope through the deployment profile path with 403 Forbidden', async () => {
    const { device, changeTicket } = await aRoomWithTicket({ groupTag: 'OTHER' });
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const clientRequestId = randomUUID();

    const response = await facadePost(byProfileAssignment(device.id), { token: caller, changeTicket, justification: JUSTIFICATION, clientRequestId });

    expectGraphShapedError(response, 403, 'Forbidden', 'POLICY_DENIED', clientRequestId);
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(0);
  });

  it('refuses a rejected ticket with a Graph-shaped 422 listing the reasons', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const changeTicket = await createLocalTicket(harness, { approval: 'requested' });
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const clientRequestId = randomUUID();

    const response = await facadePost(byDevice(device.id), { token: caller, changeTicket, justification: JUSTIFICATION, clientRequestId });

    const error = expectGraphShapedError(response, 422, 'ChangeTicketRejected', 'CHANGE_TICKET_REJECTED', clientRequestId);
    expect(error.innerError.reasons).toEqual([{ code: 'TICKET_NOT_APPROVED', detail: expect.stringContaining(changeTicket) }]);
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(0);
    const [row] = await attemptsFor(harness, device.id);
    expect(row).toMatchObject({ entry_point: 'graph-facade', outcome: 'ticket_rejected' });
  });

  it('refuses a call without X-Justification with a Graph-shaped 400 BadRequest, and records it', async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const clientRequestId = randomUUID();

    const response = await facadePost(byDevice(device.id), { token: caller, changeTicket, clientRequestId });

    const error = expectGraphShapedError(response, 400, 'BadRequest', 'INVALID_REQUEST', clientRequestId);
    expect(error.message).toBe('X-Justification: is required');
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    const [row] = await attemptsFor(harness, device.id);
    expect(row).toMatchObject({ id: error.innerError.attemptId, entry_point: 'graph-facade', outcome: 'invalid_request', http_status: 400 });
  });

  it('passes Graph\'s throttling on as a Graph-shaped 429 TooManyRequests with Retry-After', async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const clientRequestId = randomUUID();
    harness.graph.respondNext('unassign', { status: 429, headers: { 'Retry-After': '7' } });

    const response = await facadePost(byDevice(device.id), { token: caller, changeTicket, justification: JUSTIFICATION, clientRequestId });

    expectGraphShapedError(response, 429, 'TooManyRequests', 'RATE_LIMITED', clientRequestId);
    expect(response.headers['retry-after']).toBe('7');
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    const [row] = await attemptsFor(harness, device.id);
    expect(row).toMatchObject({ entry_point: 'graph-facade', outcome: 'rate_limited', graph_status: 429 });
  });
});
