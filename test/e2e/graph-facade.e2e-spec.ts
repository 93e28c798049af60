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
const byProfileAssignment = (id: string) =>
  `${DEVICES}/${id}/deploymentProfile/assignedDevices/${id}/unassignResourceAccountFromDevice`;

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

  /**
   * The ids a Graph SDK user hands to Microsoft support: Graph's own request-id from its latest answer (the gate's id
   * when Graph was never called), and the client-request-id Graph got. The gate's own id is in x-request-id.
   */
  function expectGraphIds(response: Response, deviceId: string, clientRequestId: string) {
    const latestGraphAnswer = graphTrafficFor(harness, deviceId).all.at(-1);
    expect(response.headers['x-request-id']).toEqual(expect.stringMatching(/\S/));
    expect(response.headers['request-id']).toBe(
      latestGraphAnswer?.answeredRequestId ?? response.headers['x-request-id'],
    );
    expect(response.headers['client-request-id']).toBe(clientRequestId);
    if (latestGraphAnswer) expect(latestGraphAnswer.headers['client-request-id']).toBe(clientRequestId);
  }

  /** Graph's error shape with the gate's additions: code, message, innerError with ids, zone-less date, attemptId, gateCode. */
  function expectGraphShapedError(
    response: Response,
    status: number,
    graphCode: string,
    gateCode: string,
    deviceId: string,
    clientRequestId: string,
  ) {
    expect(response.status, response.text).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expectGraphIds(response, deviceId, clientRequestId);
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
    it("answers 204 with no body, Graph's request-id and the caller's client-request-id, and forwards one canonical unassign", async () => {
      const { device, changeTicket } = await aRoomWithTicket();
      const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
      const clientRequestId = randomUUID();

      const response = await facadePost(pathFor(device.id), {
        token: caller,
        changeTicket,
        justification: JUSTIFICATION,
        clientRequestId,
      });

      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
      const traffic = graphTrafficFor(harness, device.id);
      expect(traffic.posts).toHaveLength(1);
      expect(traffic.posts[0].path).toBe(canonicalUnassignPath(device.id));
      // A Graph SDK's own client-request-id reaches Graph on every call, as if it had called Graph itself.
      expect(traffic.all.map((call) => call.headers['client-request-id'])).toEqual(
        traffic.all.map(() => clientRequestId),
      );
      expect(response.headers['request-id']).toBe(traffic.posts[0].answeredRequestId);
      expect(response.headers['x-request-id']).not.toBe(response.headers['request-id']);
      expectGraphIds(response, device.id, clientRequestId);
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
        correlation_id: response.headers['x-request-id'],
        graph_status: 204,
        graph_request_id: response.headers['request-id'],
        graph_client_request_id: clientRequestId,
      });
    });
  });

  it.each([
    { name: 'sends none', clientRequestId: undefined },
    { name: 'sends one that is not a GUID', clientRequestId: 'my-script-run-42' },
  ])('answers with the client-request-id Graph got when the caller $name', async ({ clientRequestId }) => {
    const { device, changeTicket } = await aRoomWithTicket();
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await facadePost(byDevice(device.id), {
      token: caller,
      changeTicket,
      justification: JUSTIFICATION,
      clientRequestId,
    });

    expect(response.status).toBe(204);
    const sentToGraph = graphTrafficFor(harness, device.id).posts[0].headers['client-request-id'];
    expect(sentToGraph).toMatch(GUID);
    expect(sentToGraph).not.toBe(clientRequestId);
    expectGraphIds(response, device.id, sentToGraph);
    const [row] = await attemptsFor(harness, device.id);
    expect(row.graph_client_request_id).toBe(sentToGraph);
  });

  it("answers a replayed request with the first request's Graph ids", async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const clientRequestId = randomUUID();
    const idempotencyKey = randomUUID();
    const send = () =>
      harness.http
        .post(byDevice(device.id))
        .set({
          authorization: `Bearer ${caller}`,
          'x-change-ticket': changeTicket,
          'x-justification': JUSTIFICATION,
          'client-request-id': clientRequestId,
          'idempotency-key': idempotencyKey,
        })
        .send();

    const first = await send();
    const replay = await send();

    expect(first.status, first.text).toBe(204);
    expect(replay.status, replay.text).toBe(204);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    expect(replay.headers['request-id']).toBe(graphTrafficFor(harness, device.id).posts[0].answeredRequestId);
    expect(replay.headers['client-request-id']).toBe(clientRequestId);
    expect(replay.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it('refuses a call without a token with a Graph-shaped 401 InvalidAuthenticationToken and a Bearer challenge', async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const clientRequestId = randomUUID();

    const response = await facadePost(byDevice(device.id), {
      changeTicket,
      justification: JUSTIFICATION,
      clientRequestId,
    });

    const error = expectGraphShapedError(
      response,
      401,
      'InvalidAuthenticationToken',
      'UNAUTHENTICATED',
      device.id,
      clientRequestId,
    );
    expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    const rows = await attemptsFor(harness, device.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: error.innerError.attemptId,
      entry_point: 'graph-facade',
      outcome: 'unauthenticated',
      http_status: 401,
      error_code: 'UNAUTHENTICATED',
    });
  });

  it('refuses a caller without an unassign role with a Graph-shaped 403 Forbidden, reading nothing from Graph', async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const caller = await harness.issuer.userToken({ roles: ['Audit.Reader'] });
    const clientRequestId = randomUUID();

    const response = await facadePost(byDevice(device.id), {
      token: caller,
      changeTicket,
      justification: JUSTIFICATION,
      clientRequestId,
    });

    const error = expectGraphShapedError(response, 403, 'Forbidden', 'POLICY_DENIED', device.id, clientRequestId);
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    const [row] = await attemptsFor(harness, device.id);
    expect(row).toMatchObject({
      id: error.innerError.attemptId,
      entry_point: 'graph-facade',
      outcome: 'policy_denied',
    });
  });

  it("refuses a device outside the caller's scope through the deployment profile path with 403 Forbidden", async () => {
    const { device, changeTicket } = await aRoomWithTicket({ groupTag: 'OTHER' });
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const clientRequestId = randomUUID();

    const response = await facadePost(byProfileAssignment(device.id), {
      token: caller,
      changeTicket,
      justification: JUSTIFICATION,
      clientRequestId,
    });

    expectGraphShapedError(response, 403, 'Forbidden', 'POLICY_DENIED', device.id, clientRequestId);
    const traffic = graphTrafficFor(harness, device.id);
    expect(traffic.posts).toHaveLength(0);
    // Graph answered the read that showed the device out of scope: that answer's request-id is the one to quote.
    expect(response.headers['request-id']).toBe(traffic.reads[0].answeredRequestId);
  });

  it('refuses a rejected ticket with a Graph-shaped 422 listing the reasons', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const changeTicket = await createLocalTicket(harness, { approval: 'requested' });
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const clientRequestId = randomUUID();

    const response = await facadePost(byDevice(device.id), {
      token: caller,
      changeTicket,
      justification: JUSTIFICATION,
      clientRequestId,
    });

    const error = expectGraphShapedError(
      response,
      422,
      'ChangeTicketRejected',
      'CHANGE_TICKET_REJECTED',
      device.id,
      clientRequestId,
    );
    expect(error.innerError.reasons).toEqual([
      { code: 'TICKET_NOT_APPROVED', detail: expect.stringContaining(changeTicket) },
    ]);
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(0);
    const [row] = await attemptsFor(harness, device.id);
    expect(row).toMatchObject({ entry_point: 'graph-facade', outcome: 'ticket_rejected' });
  });

  it('refuses a call without X-Justification with a Graph-shaped 400 BadRequest, and records it', async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const clientRequestId = randomUUID();

    const response = await facadePost(byDevice(device.id), { token: caller, changeTicket, clientRequestId });

    const error = expectGraphShapedError(response, 400, 'BadRequest', 'INVALID_REQUEST', device.id, clientRequestId);
    expect(error.message).toBe('X-Justification: is required');
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    const [row] = await attemptsFor(harness, device.id);
    expect(row).toMatchObject({
      id: error.innerError.attemptId,
      entry_point: 'graph-facade',
      outcome: 'invalid_request',
      http_status: 400,
    });
  });

  it("passes Graph's throttling on as a Graph-shaped 429 TooManyRequests with Retry-After", async () => {
    const { device, changeTicket } = await aRoomWithTicket();
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const clientRequestId = randomUUID();
    harness.graph.respondNext('unassign', { status: 429, headers: { 'Retry-After': '7' } });

    const response = await facadePost(byDevice(device.id), {
      token: caller,
      changeTicket,
      justification: JUSTIFICATION,
      clientRequestId,
    });

    expectGraphShapedError(response, 429, 'TooManyRequests', 'RATE_LIMITED', device.id, clientRequestId);
    expect(response.headers['retry-after']).toBe('7');
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    expect(response.headers['request-id']).toBe(graphTrafficFor(harness, device.id).posts[0].answeredRequestId);
    const [row] = await attemptsFor(harness, device.id);
    expect(row).toMatchObject({ entry_point: 'graph-facade', outcome: 'rate_limited', graph_status: 429 });
  });
});
