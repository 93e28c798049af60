import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateHarness } from '../helpers/gate-harness';
import { attemptsFor, graphTrafficFor, GUID } from '../helpers/gate-observations';
import { aTeamsRoomIn, createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const UNASSIGN_ROUTE = '/v1/autopilot-devices/:deviceId/unassign-resource-account';

describe('one access line per request, one id end to end', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({ env: { GRAPH_MAX_TRIES: '1' } });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  const aDevice = () => aTeamsRoomIn(harness);
  const unassignWithRequestId = async (deviceId: string, requestId: string) =>
    harness.http
      .post(`/v1/autopilot-devices/${deviceId}/unassign-resource-account`)
      .set('authorization', `Bearer ${await harness.issuer.userToken({ roles: [UNASSIGNER] })}`)
      .set('x-request-id', requestId)
      .send({ changeTicket: ticket, justification: JUSTIFICATION });
  /** A POST whose body arrives in two parts 50 ms apart, as from a slow client: read on later socket events. */
  const slowPost = async (
    path: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; requestId: string }> => {
    const server = harness.gate.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const call = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve({ status: response.statusCode!, requestId: String(response.headers['x-request-id']) }),
          );
        },
      );
      call.on('error', reject);
      call.write(body.slice(0, 10));
      void sleep(50).then(() => call.end(body.slice(10)));
    });
  };
  const linesOf = (requestId: string) => harness.logLines().filter((line) => line.requestId === requestId);
  const accessLinesOf = (requestId: string) => linesOf(requestId).filter((line) => line.msg === 'request');

  // First in the file: the gate holds no Graph token yet, so its first token request is the one that fails.
  it('gives every other line written during a request the same request id', async () => {
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    harness.authority.respondNextToken(400, {
      error: 'invalid_client',
      error_description: 'AADSTS7000215: Invalid client secret provided.',
    });

    const response = await slowPost(
      `/v1/autopilot-devices/${aDevice().id}/unassign-resource-account`,
      { authorization: `Bearer ${caller}` },
      JSON.stringify({ changeTicket: ticket, justification: JUSTIFICATION }),
    );

    expect(response.status).toBe(503);
    const lines = linesOf(response.requestId);
    expect(lines.map((line) => line.msg)).toEqual(['Graph token could not be obtained', 'request']);
    expect(lines[0]).toMatchObject({ level: 40, context: 'HttpGraphClient' });
  });

  it('writes exactly one JSON access line for every request, answered or refused, with the route template, status and duration', async () => {
    const oid = randomUUID();
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], oid });
    const device = aDevice();
    const responses: [Response, string, number][] = [];
    const succeeded = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    responses.push([succeeded, UNASSIGN_ROUTE, 200]);
    responses.push([
      await unassignV1(harness, aDevice().id, undefined, { changeTicket: ticket, justification: JUSTIFICATION }),
      UNASSIGN_ROUTE,
      401,
    ]);
    responses.push([
      await harness.http
        .post(`/v1/autopilot-devices/${aDevice().id}/unassign-resource-account`)
        .set('authorization', `Bearer ${caller}`)
        .type('json')
        .send('{"broken'),
      UNASSIGN_ROUTE,
      400,
    ]);
    responses.push([
      await harness.http.get(`/v1/attempts/${succeeded.body.attemptId}`).set('authorization', `Bearer ${caller}`),
      '/v1/attempts/:attemptId',
      200,
    ]);
    responses.push([await harness.http.get('/v1/me').set('authorization', `Bearer ${caller}`), '/v1/me', 200]);
    responses.push([await harness.http.get('/health/live'), '/health/live', 200]);
    responses.push([await harness.http.get('/no/such/route?access_token=not-logged'), 'unmatched', 404]);

    for (const [response, route, status] of responses) {
      expect(response.status, route).toBe(status);
      const requestId = response.headers['x-request-id'];
      expect(requestId, `${route} ${status} echoes its request id`).toMatch(GUID);
      const lines = accessLinesOf(requestId);
      expect(lines, `${route} ${status}`).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 30,
        method: response.request.method,
        route,
        status,
        durationMs: expect.any(Number),
      });
    }
    const [success] = accessLinesOf(succeeded.headers['x-request-id']);
    expect(success).toMatchObject({
      callerOid: oid,
      callerAppId: expect.any(String),
      attemptId: succeeded.body.attemptId,
    });
    expect(accessLinesOf(responses[1][0].headers['x-request-id'])[0]).not.toHaveProperty('callerOid');
    expect(accessLinesOf(responses[1][0].headers['x-request-id'])[0].attemptId).toBe(responses[1][0].body.attemptId);
    expect(harness.logs.join('')).not.toContain('not-logged');
  });

  it("keeps a caller's GUID X-Request-Id: echoed, recorded on the attempt and sent to Graph as every call's client-request-id", async () => {
    const requestId = randomUUID();
    const device = aDevice();

    const response = await unassignWithRequestId(device.id, requestId);

    expect(response.status, response.text).toBe(200);
    expect(response.headers['x-request-id']).toBe(requestId);
    const traffic = graphTrafficFor(harness, device.id);
    expect(traffic.reads).toHaveLength(1);
    expect(traffic.posts).toHaveLength(1);
    for (const call of traffic.all) expect(call.headers['client-request-id']).toBe(requestId);
    expect(response.body.graph.clientRequestId).toBe(requestId);
    expect(await attemptsFor(harness, device.id)).toEqual([
      expect.objectContaining({ correlation_id: requestId, graph_client_request_id: requestId }),
    ]);
    expect(accessLinesOf(requestId)).toHaveLength(1);
  });

  it('sends Graph one fresh GUID, recorded on the attempt, when the X-Request-Id kept is not a GUID', async () => {
    const requestId = `portal-run-${randomUUID().slice(0, 8)}`;
    const device = aDevice();

    const response = await unassignWithRequestId(device.id, requestId);

    expect(response.status, response.text).toBe(200);
    expect(response.headers['x-request-id']).toBe(requestId);
    const sent = new Set(graphTrafficFor(harness, device.id).all.map((call) => call.headers['client-request-id']));
    expect(sent.size).toBe(1);
    const [graphId] = sent;
    expect(graphId).toMatch(GUID);
    expect(await attemptsFor(harness, device.id)).toEqual([
      expect.objectContaining({ correlation_id: requestId, graph_client_request_id: graphId }),
    ]);
  });

  it('sends the request id to Graph on a device look-up too, which writes no attempt', async () => {
    const requestId = randomUUID();
    const device = aDevice();

    const response = await harness.http
      .get(`/v1/autopilot-devices/${device.id}`)
      .set('authorization', `Bearer ${await harness.issuer.userToken({ roles: [UNASSIGNER] })}`)
      .set('x-request-id', requestId);

    expect(response.status, response.text).toBe(200);
    expect(graphTrafficFor(harness, device.id).all.map((call) => call.headers['client-request-id'])).toEqual([
      requestId,
    ]);
    expect(accessLinesOf(requestId)).toEqual([
      expect.objectContaining({ route: '/v1/autopilot-devices/:deviceId', status: 200 }),
    ]);
    expect(accessLinesOf(requestId)[0]).not.toHaveProperty('attemptId');
  });

  it('echoes the request id on errors, in problem+json and on the Graph facade', async () => {
    const requestId = randomUUID();

    const unauthenticated = await harness.http.get('/v1/me').set('x-request-id', requestId);
    const facade = await harness.http
      .post(
        `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${aDevice().id}/unassignResourceAccountFromDevice`,
      )
      .set('x-request-id', `${requestId}-facade`)
      .send();

    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['x-request-id']).toBe(requestId);
    expect(unauthenticated.body.correlationId).toBe(requestId);
    expect(facade.status).toBe(401);
    expect(facade.headers['x-request-id']).toBe(`${requestId}-facade`);
    expect(facade.body.error.innerError['request-id']).toBe(`${requestId}-facade`);
    expect(accessLinesOf(requestId)).toEqual([expect.objectContaining({ route: '/v1/me', status: 401 })]);
  });
});
