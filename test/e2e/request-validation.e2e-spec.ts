import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { GateHarness } from '../helpers/gate-harness';
import { graphTrafficFor } from '../helpers/gate-observations';
import { expectProblem, expectRefusalRecorded } from '../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER } from '../helpers/unassign-calls';

const UNASSIGN_PATH = (deviceId: string) => `/v1/autopilot-devices/${deviceId}/unassign-resource-account`;

describe('POST /v1/autopilot-devices/{id}/unassign-resource-account request validation', () => {
  let harness: GateHarness;
  let ticket: string;
  let caller: string;
  let callerOid: string;
  beforeAll(async () => {
    harness = await GateHarness.start();
    ticket = await createLocalTicket(harness);
    const claims = harness.issuer.userClaims({ roles: [UNASSIGNER] });
    callerOid = claims.oid as string;
    caller = await harness.issuer.sign(claims);
  });
  afterAll(() => harness?.close());

  /** A device the caller could otherwise unassign: any Graph request about it means validation was skipped. */
  function anUnassignableDevice(): string {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    return device.id;
  }

  function post(deviceId: string) {
    return harness.http.post(UNASSIGN_PATH(deviceId)).set('authorization', `Bearer ${caller}`);
  }

  async function expectInvalidRequestRecorded(
    response: Awaited<ReturnType<typeof post>>,
    deviceId: string,
    status: number,
    code: string,
  ) {
    expectProblem(response, status, code);
    expect(response.body.attemptId).toEqual(expect.any(String));
    const row = await expectRefusalRecorded(harness, response, deviceId, {
      outcome: 'invalid_request',
      httpStatus: status,
      code,
    });
    // The caller was authenticated before the body was judged, so the refusal says who sent it.
    expect(row).toMatchObject({ actor_oid: callerOid, decision_reason: response.body.detail });
    return row;
  }

  it('rejects a device id that is not a GUID', async () => {
    const deviceId = `not-a-guid-${randomBytes(6).toString('hex')}`;

    const response = await post(deviceId).send({ changeTicket: ticket, justification: JUSTIFICATION });

    await expectInvalidRequestRecorded(response, deviceId, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual([{ path: 'deviceId', message: expect.any(String) }]);
  });

  it('rejects a change ticket that does not match the ticket pattern', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({ changeTicket: 'INC0001234', justification: JUSTIFICATION });

    await expectInvalidRequestRecorded(response, deviceId, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual([
      { path: 'changeTicket', message: expect.stringContaining('^CHG[0-9]{7,}$') },
    ]);
  });

  it('rejects a justification of 9 characters', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({ changeTicket: ticket, justification: 'too short' });

    await expectInvalidRequestRecorded(response, deviceId, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual([{ path: 'justification', message: expect.any(String) }]);
  });

  it('accepts a justification of exactly 10 characters (the lower bound is inclusive)', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({ changeTicket: ticket, justification: 'ten chars!' });

    expect(response.status, response.text).toBe(200);
    expect(graphTrafficFor(harness, deviceId).posts).toHaveLength(1);
  });

  it.each([
    ['ten zero-width spaces', '\u200B'.repeat(10)],
    ['nine letters padded with joiners and blanks', '  \u200Dabcdefghi\u2060\uFEFF   '],
  ])('rejects a justification of %s: only the characters that show count', async (_, justification) => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({ changeTicket: ticket, justification });

    await expectInvalidRequestRecorded(response, deviceId, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual([
      { path: 'justification', message: expect.stringContaining('at least 10 characters') },
    ]);
  });

  it('lists every problem at once: an empty body names both the ticket and the justification', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({});

    await expectInvalidRequestRecorded(response, deviceId, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual([
      { path: 'justification', message: 'is required' },
      { path: 'changeTicket', message: expect.stringContaining('is required') },
    ]);
  });

  it('lists a bad device id, a bad key and a bad ticket together', async () => {
    const response = await harness.http
      .post(UNASSIGN_PATH('not-a-guid'))
      .set('authorization', `Bearer ${caller}`)
      .set('idempotency-key', 'with space')
      .send({ changeTicket: 'NOPE', justification: JUSTIFICATION });

    expectProblem(response, 400, 'INVALID_REQUEST');
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual([
      'deviceId',
      'Idempotency-Key',
      'changeTicket',
    ]);
  });

  it('rejects a justification of 1001 characters', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({ changeTicket: ticket, justification: 'x'.repeat(1001) });

    await expectInvalidRequestRecorded(response, deviceId, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual([{ path: 'justification', message: expect.any(String) }]);
  });

  it('rejects an unknown body field', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({ changeTicket: ticket, justification: JUSTIFICATION, force: true });

    await expectInvalidRequestRecorded(response, deviceId, 400, 'INVALID_REQUEST');
    expect(response.body.detail).toContain('force');
  });

  it('rejects a missing change ticket from a caller who is not break-glass', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({ justification: JUSTIFICATION });

    await expectInvalidRequestRecorded(response, deviceId, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual([{ path: 'changeTicket', message: expect.stringContaining('required') }]);
  });

  it('rejects a text/plain body with 415', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId)
      .set('content-type', 'text/plain')
      .send(JSON.stringify({ changeTicket: ticket, justification: JUSTIFICATION }));

    await expectInvalidRequestRecorded(response, deviceId, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('rejects malformed JSON with 400', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId)
      .set('content-type', 'application/json')
      .send(`{"changeTicket": "${ticket}", "justification": `);

    await expectInvalidRequestRecorded(response, deviceId, 400, 'INVALID_REQUEST');
  });

  it('rejects a body over 16 KiB with 413', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({
      changeTicket: ticket,
      justification: JUSTIFICATION,
      padding: 'x'.repeat(16 * 1024),
    });

    await expectInvalidRequestRecorded(response, deviceId, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses a body over 1 MiB with 413 problem+json before the handler', async () => {
    const deviceId = anUnassignableDevice();

    const response = await post(deviceId).send({
      changeTicket: ticket,
      justification: JUSTIFICATION,
      padding: 'x'.repeat(1024 * 1024),
    });

    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    expect(graphTrafficFor(harness, deviceId).all).toEqual([]);
  });

  describe('X-Justification on the Graph facade', () => {
    const justification = 'Überprüfung des Raums 4.12 – Konto wird verschoben';

    function facadePost(deviceId: string) {
      return harness.http
        .post(
          `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${deviceId}/unassignResourceAccountFromDevice`,
        )
        .set('authorization', `Bearer ${caller}`)
        .set('x-change-ticket', ticket);
    }

    it.each([
      ['RFC 8187 percent-encoded UTF-8', `UTF-8''${encodeURIComponent(justification)}`],
      ['raw UTF-8 bytes', Buffer.from(justification, 'utf8').toString('latin1')],
    ])('is stored as the text meant when sent as %s', async (_, header) => {
      const deviceId = anUnassignableDevice();

      const response = await facadePost(deviceId).set('x-justification', header);

      expect(response.status, response.text).toBe(204);
      const rows = (await harness.attemptRows()).filter((row) => row.device_id === deviceId);
      expect(rows).toEqual([expect.objectContaining({ outcome: 'succeeded', justification })]);
    });

    it('rejects broken percent-encoding with 400 and records the attempt', async () => {
      const deviceId = anUnassignableDevice();

      const response = await facadePost(deviceId).set('x-justification', "UTF-8''Raum%E2%82");

      expect(response.status, response.text).toBe(400);
      expect(graphTrafficFor(harness, deviceId).all).toEqual([]);
      expect((await harness.attemptRows()).filter((row) => row.device_id === deviceId)).toEqual([
        expect.objectContaining({ outcome: 'invalid_request' }),
      ]);
    });
  });
});
