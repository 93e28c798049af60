import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { GateHarness } from '../helpers/gate-harness';
import { attemptRowById, expectProblem } from '../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const AUDIT_READER = 'Audit.Reader';

const camelCase = (column: string) => column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** A database row as the API shows it: camelCase members, timestamps as ISO strings, and its work note (none here). */
function asApiAttempt(row: Record<string, unknown>): Record<string, unknown> {
  const fields = Object.entries(row).map(([column, value]) => [
    camelCase(column),
    value instanceof Date ? value.toISOString() : value,
  ]);
  return { ...Object.fromEntries(fields), workNote: null };
}

describe('GET /v1/attempts/{attemptId}', () => {
  let harness: GateHarness;
  let ownerOid: string;
  let ownerToken: string;
  let attemptId: string;

  const read = (id: string, token: string) =>
    harness.http.get(`/v1/attempts/${id}`).set('authorization', `Bearer ${token}`);

  beforeAll(async () => {
    harness = await GateHarness.start();
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const ticket = await createLocalTicket(harness);
    ownerOid = randomUUID();
    ownerToken = await harness.issuer.userToken({ roles: [UNASSIGNER], oid: ownerOid, upn: 'owner@contoso.example' });
    const response = await unassignV1(harness, device.id, ownerToken, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    if (response.status !== 200)
      throw new Error(`the attempt to read was not recorded as succeeded: ${response.status} ${response.text}`);
    attemptId = response.body.attemptId as string;
  });
  afterAll(() => harness?.close());

  it('lets the caller read their own attempt exactly as recorded', async () => {
    const response = await read(attemptId, ownerToken);

    expect(response.status, response.text).toBe(200);
    const row = await attemptRowById(harness, attemptId);
    expect(row).toBeDefined();
    expect(response.body).toEqual(asApiAttempt(row!));
    expect(response.body).toMatchObject({
      id: attemptId,
      actorOid: ownerOid,
      outcome: 'succeeded',
      justification: JUSTIFICATION,
      graphStatus: 204,
    });
    expect(response.body.deviceSnapshot).toMatchObject({ groupTag: 'MTR-EU' });
  });

  it("answers 404 ATTEMPT_NOT_FOUND to another unassigner asking for someone else's attempt", async () => {
    const otherToken = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await read(attemptId, otherToken);

    expectProblem(response, 404, 'ATTEMPT_NOT_FOUND');
    expect(JSON.stringify(response.body)).not.toContain(ownerOid);
    expect(JSON.stringify(response.body)).not.toContain(JUSTIFICATION);
  });

  it('lets an Audit.Reader read any attempt', async () => {
    const readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });

    const response = await read(attemptId, readerToken);

    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual(asApiAttempt((await attemptRowById(harness, attemptId))!));
  });

  it('refuses a caller with no read rule with 403 POLICY_DENIED', async () => {
    const adminToken = await harness.issuer.userToken({ roles: ['ChangeTickets.Admin'] });

    const response = await read(attemptId, adminToken);

    expectProblem(response, 403, 'POLICY_DENIED');
    expect(JSON.stringify(response.body)).not.toContain(ownerOid);
  });

  it('rejects an attempt id that is not a UUID with 400', async () => {
    const readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });

    const response = await read('not-a-uuid', readerToken);

    expectProblem(response, 400, 'INVALID_REQUEST');
  });

  it('answers 404 ATTEMPT_NOT_FOUND for an unknown id, even to an Audit.Reader', async () => {
    const readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });

    const response = await read(randomUUID(), readerToken);

    expectProblem(response, 404, 'ATTEMPT_NOT_FOUND');
  });

  it('refuses a request without a token with 401', async () => {
    const response = await harness.http.get(`/v1/attempts/${attemptId}`);

    expectProblem(response, 401, 'UNAUTHENTICATED');
    expect(JSON.stringify(response.body)).not.toContain(ownerOid);
  });
});
