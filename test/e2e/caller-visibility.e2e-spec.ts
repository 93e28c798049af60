import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { DEFAULT_ISSUER_TENANT_ID } from '../fakes/jwks-issuer.server';
import { GateHarness } from '../helpers/gate-harness';
import { attemptsFor, graphTrafficFor } from '../helpers/gate-observations';
import { expectProblem } from '../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const AUDIT_READER = 'Audit.Reader';
const GRAPH_SECRET_TEXT = 'Internal partition FEF-EU-07 rejected tenant binding 0x80180014';
const AADSTS_TEXT = 'AADSTS7000215: Invalid client secret provided.';

describe('what a caller learns about devices and failures', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start();
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  const read = async (attemptId: string, roles: string[], oid?: string) => {
    const token = await harness.issuer.userToken({ roles, oid });
    return harness.http.get(`/v1/attempts/${attemptId}`).set('authorization', `Bearer ${token}`);
  };

  describe("a device outside the caller's scope", () => {
    const hub = aTeamsRoom({
      groupTag: 'SURFACE-HUB',
      serialNumber: 'HUB-SN-SECRET-0042',
      displayName: 'BOARDROOM-HUB-SECRET',
    });
    const oid = '0c0c0c0c-0000-4000-8000-000000000042';
    let denial: Awaited<ReturnType<typeof unassignV1>>;
    beforeAll(async () => {
      harness.graph.addDevice(hub);
      const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], oid });
      denial = await unassignV1(harness, hub.id, caller, { changeTicket: ticket, justification: JUSTIFICATION });
    });

    it('is denied without naming any of its attributes', () => {
      expectProblem(denial, 403, 'POLICY_DENIED');
      for (const attribute of ['SURFACE-HUB', hub.serialNumber, hub.displayName, hub.resourceName]) {
        expect(denial.text).not.toContain(attribute);
      }
    });

    it('is withheld from the caller reading their own attempt: no snapshot, no attribute in the reason', async () => {
      const response = await read(denial.body.attemptId, [UNASSIGNER], oid);

      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ outcome: 'policy_denied', deviceId: hub.id, deviceSnapshot: null });
      expect(response.body.decisionReason).toBe('The policy does not allow you to act on this device.');
      for (const attribute of ['SURFACE-HUB', hub.serialNumber, hub.displayName, hub.resourceName]) {
        expect(response.text).not.toContain(attribute);
      }
    });

    it('is withheld in the audit reports too: the list, the exports, and device filters are refused to the operator', async () => {
      const operator = await harness.issuer.userToken({ roles: [UNASSIGNER], oid });
      const get = (path: string) => harness.http.get(path).set('authorization', `Bearer ${operator}`);

      const list = await get('/v1/audit/attempts');
      const csv = await get('/v1/audit/attempts/export?format=csv');
      const ndjson = await get('/v1/audit/attempts/export?format=ndjson');
      const bySerial = await get(`/v1/audit/attempts?serialNumber=${hub.serialNumber}`);
      const byGroupTag = await get('/v1/audit/summary?groupBy=groupTag');

      expect(list.status, list.text).toBe(200);
      const item = list.body.items.find((candidate: { id: string }) => candidate.id === denial.body.attemptId);
      expect(item).toMatchObject({
        deviceSnapshot: null,
        decisionReason: 'The policy does not allow you to act on this device.',
      });
      for (const answer of [list, csv, ndjson]) {
        expect(answer.status).toBe(200);
        for (const attribute of ['SURFACE-HUB', hub.serialNumber, hub.displayName])
          expect(answer.text).not.toContain(attribute);
      }
      expectProblem(bySerial, 403, 'POLICY_DENIED');
      expectProblem(byGroupTag, 403, 'POLICY_DENIED');
    });

    it('is shown in full to an auditor, as recorded', async () => {
      const response = await read(denial.body.attemptId, [AUDIT_READER]);

      expect(response.status, response.text).toBe(200);
      expect(response.body.deviceSnapshot).toMatchObject({ groupTag: 'SURFACE-HUB', serialNumber: hub.serialNumber });
      expect(response.body.decisionReason).toContain('SURFACE-HUB');
      const [row] = await attemptsFor(harness, hub.id);
      expect(row.device_snapshot).toMatchObject({ serialNumber: hub.serialNumber });
    });
  });

  it("keeps Graph's own error text from the caller and shows it to an auditor", async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    harness.graph.respondNext('unassign', { status: 403, message: GRAPH_SECRET_TEXT });
    const oid = '0c0c0c0c-0000-4000-8000-000000000043';
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], oid });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expectProblem(response, 502, 'GRAPH_ERROR');
    expect(response.body.graph).toMatchObject({ status: 403, code: 'Forbidden' });
    expect(response.text).not.toContain(GRAPH_SECRET_TEXT);
    const own = await read(response.body.attemptId, [UNASSIGNER], oid);
    expect(own.body).toMatchObject({
      outcome: 'graph_failed',
      graphStatus: 403,
      graphErrorCode: 'Forbidden',
      graphErrorMessage: null,
    });
    const audited = await read(response.body.attemptId, [AUDIT_READER]);
    expect(audited.body.graphErrorMessage).toBe(GRAPH_SECRET_TEXT);
  });

  it("refuses a token from another tenant than the issuer's when no tenants are configured", async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], tid: '77777777-aaaa-4bbb-8ccc-000000000077' });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expectProblem(response, 401, 'UNAUTHENTICATED');
    expect(response.body.reason).toBe('tenant_not_allowed');
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    expect(await attemptsFor(harness, device.id)).toEqual([expect.objectContaining({ outcome: 'unauthenticated' })]);
  });
});

describe('two allowed tenants', () => {
  const otherTenant = '77777777-aaaa-4bbb-8ccc-000000000077';
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ env: { AUTH_ALLOWED_TENANTS: `${DEFAULT_ISSUER_TENANT_ID},${otherTenant}` } });
  });
  afterAll(() => harness?.close());

  it('keep a caller from reading the attempt of a user with the same oid in the other tenant', async () => {
    const ticket = await createLocalTicket(harness);
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const oid = '0c0c0c0c-0000-4000-8000-000000000044';
    const owner = await harness.issuer.userToken({ roles: [UNASSIGNER], oid });
    const unassigned = await unassignV1(harness, device.id, owner, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    const namesake = await harness.issuer.userToken({ roles: [UNASSIGNER], oid, tid: otherTenant });
    const ownerAgain = await harness.issuer.userToken({ roles: [UNASSIGNER], oid });

    const response = await harness.http
      .get(`/v1/attempts/${unassigned.body.attemptId}`)
      .set('authorization', `Bearer ${namesake}`);
    const ownResponse = await harness.http
      .get(`/v1/attempts/${unassigned.body.attemptId}`)
      .set('authorization', `Bearer ${ownerAgain}`);

    expectProblem(response, 404, 'ATTEMPT_NOT_FOUND');
    expect(ownResponse.status, ownResponse.text).toBe(200);
  });
});

// Its own gate: @azure/identity caches the app token, so only a gate that has never obtained one asks again.
describe('a token endpoint refusing the gate', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ env: { GRAPH_MAX_TRIES: '1' } });
  });
  afterAll(() => harness?.close());

  it('records the AADSTS text for auditors and tells the caller only that Graph could not be reached', async () => {
    const ticket = await createLocalTicket(harness);
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    harness.authority.respondNextToken(400, {
      error: 'invalid_client',
      error_description: `${AADSTS_TEXT} Trace ID: t`,
      error_codes: [7000215],
    });
    const oid = '0c0c0c0c-0000-4000-8000-000000000045';
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], oid });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expectProblem(response, 503, 'GRAPH_UNAVAILABLE');
    expect(response.text).not.toContain('AADSTS');
    const own = await read(response.body.attemptId, [UNASSIGNER], oid);
    expect(own.body.graphErrorMessage).toBeNull();
    expect(own.text).not.toContain('AADSTS');
    const audited = await read(response.body.attemptId, [AUDIT_READER]);
    expect(audited.body.graphErrorMessage).toContain('AADSTS7000215');
  });

  async function read(attemptId: string, roles: string[], oid?: string) {
    const token = await harness.issuer.userToken({ roles, oid });
    return harness.http.get(`/v1/attempts/${attemptId}`).set('authorization', `Bearer ${token}`);
  }
});
