import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { anImplementingChange } from '../factories/servicenow-changes';
import type { FakeAutopilotDevice } from '../fakes/fake-graph.server';
import { takeDatabaseDown } from '../helpers/database-outage';
import { GateHarness, GRAPH_CLIENT_SECRET, SERVICENOW_PASSWORD, SERVICENOW_USER } from '../helpers/gate-harness';
import { graphTrafficFor, problemOf } from '../helpers/gate-observations';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

describe('database down means nothing forwarded', () => {
  let harness: GateHarness;
  let device: FakeAutopilotDevice;
  let ticket: string;
  let unassigner: string;
  let graphRequestsBeforeOutage: number;

  beforeAll(async () => {
    harness = await GateHarness.start();
    device = aTeamsRoom();
    harness.graph.addDevice(device);
    // Everything a valid call needs that lives in the database is prepared before the outage.
    ticket = await createLocalTicket(harness);
    unassigner = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    await takeDatabaseDown(harness);
    graphRequestsBeforeOutage = harness.graph.requests.length;
  });
  afterAll(async () => {
    // The gate's own shutdown closes the database again; on PGlite that second close may throw.
    await harness?.gate.app.close().catch(() => undefined);
    await Promise.all([
      harness?.graph.close(),
      harness?.authority.close(),
      harness?.issuer.close(),
      harness?.serviceNow.close(),
    ]);
    await harness?.database.drop();
  });

  it('answers 503 AUDIT_UNAVAILABLE to a valid unassign and sends Graph nothing, not even the read', async () => {
    const response = await unassignV1(harness, device.id, unassigner, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status, response.text).toBe(503);
    expect(response.body).toMatchObject(problemOf('AUDIT_UNAVAILABLE', 503));
    expect(response.body).not.toHaveProperty('attemptId');
    expect(response.body).not.toHaveProperty('outcome');
    expect(harness.graph.requests).toHaveLength(graphRequestsBeforeOutage);
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    expect(harness.graph.device(device.id)?.resourceName).toBe(device.resourceName);
  });

  it('answers 503 through the Graph facade too, without an attempt id', async () => {
    const response = await harness.http
      .post(
        `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${device.id}/unassignResourceAccountFromDevice`,
      )
      .set('authorization', `Bearer ${unassigner}`)
      .set('x-change-ticket', ticket)
      .set('x-justification', JUSTIFICATION)
      .send();

    expect(response.status, response.text).toBe(503);
    expect(response.body.error).toMatchObject({
      code: 'ServiceNotAvailable',
      innerError: { gateCode: 'AUDIT_UNAVAILABLE' },
    });
    expect(response.body.error.innerError).not.toHaveProperty('attemptId');
    expect(harness.graph.requests).toHaveLength(graphRequestsBeforeOutage);
  });

  it('answers 503 rather than a refusal it could not record', async () => {
    const reader = await harness.issuer.userToken({ roles: ['Audit.Reader'] });

    const denied = await unassignV1(harness, device.id, reader, { changeTicket: ticket, justification: JUSTIFICATION });
    const unauthenticated = await unassignV1(harness, device.id, undefined, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    for (const response of [denied, unauthenticated]) {
      expect(response.status, response.text).toBe(503);
      expect(response.body).toMatchObject(problemOf('AUDIT_UNAVAILABLE', 503));
      expect(response.body).not.toHaveProperty('attemptId');
    }
    expect(harness.graph.requests).toHaveLength(graphRequestsBeforeOutage);
  });
});

describe('no secret leaves the gate', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    // One try per Graph call: the refused token must reach the caller as such, not be retried away. Every line the
    // gate can write is captured, down to trace.
    harness = await GateHarness.start({
      ticketProvider: 'servicenow',
      env: { GRAPH_MAX_TRIES: '1' },
      logLevel: 'trace',
    });
  });
  afterAll(() => harness?.close());

  it('keeps tokens, client secrets, passwords and device passwords out of logs, attempts and answers', async () => {
    const responses: Response[] = [];
    const devices: FakeAutopilotDevice[] = [];
    const callerTokens: string[] = [];
    const aDevice = (overrides: Partial<FakeAutopilotDevice> = {}) => {
      const device = aTeamsRoom({ deviceAccountPassword: `device-password-${randomUUID()}`, ...overrides });
      harness.graph.addDevice(device);
      devices.push(device);
      return device;
    };
    const aChange = () => harness.serviceNow.addChange(anImplementingChange()).number;
    const unassigner = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const reader = await harness.issuer.userToken({ roles: ['Audit.Reader'] });
    const wrongAudience = await harness.issuer.userToken({ roles: [UNASSIGNER], audience: 'api://someone-else' });
    const expired = await harness.issuer.userToken({ roles: [UNASSIGNER], expiredSecondsAgo: 3600 });
    callerTokens.push(unassigner, reader, wrongAudience, expired);
    const cookie = `session=cookie-secret-never-logged-${randomUUID()}`;
    const unassign = async (device: FakeAutopilotDevice, token: string | undefined, changeTicket = aChange()) => {
      const response = await unassignV1(harness, device.id, token, { changeTicket, justification: JUSTIFICATION });
      responses.push(response);
      return response;
    };

    // The first token request of this gate is refused: invalid_client, as with a wrong secret.
    harness.authority.respondNextToken(401);
    const tokenRefused = await unassign(aDevice(), unassigner);
    expect(tokenRefused.status).toBe(503);
    expect(tokenRefused.body.code).toBe('GRAPH_UNAVAILABLE');
    const succeeded = await unassign(aDevice(), unassigner);
    expect(succeeded.status, succeeded.text).toBe(200);
    harness.graph.respondNext('unassign', { status: 403, intuneStyleMessage: true });
    expect((await unassign(aDevice(), unassigner)).status).toBe(502);
    expect((await unassign(aDevice({ groupTag: 'OTHER' }), unassigner)).status).toBe(403);
    harness.serviceNow.respondNext({ status: 500 });
    expect((await unassign(aDevice(), unassigner)).status).toBe(503);
    expect((await unassign(aDevice(), wrongAudience)).status).toBe(401);
    expect((await unassign(aDevice(), expired)).status).toBe(401);
    const facade = await harness.http
      .post(
        `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${aDevice().id}/unassignResourceAccountFromDevice`,
      )
      .set('authorization', `Bearer ${unassigner}`)
      .set('x-change-ticket', aChange())
      .set('x-justification', JUSTIFICATION)
      .set('cookie', cookie)
      .send();
    expect(facade.status, facade.text).toBe(204);
    responses.push(facade);
    const recorded = await harness.http
      .get(`/v1/attempts/${succeeded.body.attemptId}`)
      .set('authorization', `Bearer ${reader}`);
    expect(recorded.status).toBe(200);
    responses.push(recorded);
    responses.push(await harness.http.get('/v1/me').set('authorization', `Bearer ${unassigner}`).set('cookie', cookie));
    responses.push(
      await harness.http
        .get('/v1/me')
        .set('authorization', `Basic ${Buffer.from('someone:their-password').toString('base64')}`),
    );

    // The secrets really were in play: Graph got issued tokens, ServiceNow got the basic credentials.
    expect(harness.authority.issuedTokens.length).toBeGreaterThan(0);
    expect(
      harness.graph.unassignRequests.some(
        (request) => request.headers.authorization === `Bearer ${harness.authority.issuedTokens[0]}`,
      ),
    ).toBe(true);
    const basicCredentials = Buffer.from(`${SERVICENOW_USER}:${SERVICENOW_PASSWORD}`).toString('base64');
    expect(
      harness.serviceNow.requests.some((request) => request.headers.authorization === `Basic ${basicCredentials}`),
    ).toBe(true);

    const rows = await harness.attemptRows();
    expect(rows.length).toBeGreaterThanOrEqual(8);
    // The logs were written: one access line per request, every line JSON.
    const accessLines = harness.logLines().filter((line) => line.msg === 'request');
    for (const response of responses) {
      expect(accessLines.filter((line) => line.requestId === response.headers['x-request-id'])).toHaveLength(1);
    }
    const places = {
      logs: harness.logs.join('\n'),
      attempts: rows.map((row) => JSON.stringify(row)).join('\n'),
      responses: responses.map((response) => `${JSON.stringify(response.headers)}\n${response.text}`).join('\n'),
    };
    const secrets = [
      ...callerTokens,
      GRAPH_CLIENT_SECRET,
      SERVICENOW_PASSWORD,
      basicCredentials,
      ...harness.authority.issuedTokens,
      ...devices.map((device) => device.deviceAccountPassword!),
      cookie,
      'their-password',
      Buffer.from('someone:their-password').toString('base64'),
    ];
    for (const [place, text] of Object.entries(places)) {
      for (const secret of secrets) {
        expect(text.includes(secret), `${place} must not contain ${secret.slice(0, 12)}…`).toBe(false);
      }
    }
  }, 30_000);
});
