import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { GateHarness } from '../helpers/gate-harness';
import { attemptsFor, graphTrafficFor } from '../helpers/gate-observations';
import { expectProblem } from '../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

describe('TRUST_PROXY as a hop count', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ env: { TRUST_PROXY: '1', OPENAPI_ENABLED: 'false' } });
  });
  afterAll(() => harness?.close());

  it('records the address the one trusted proxy saw, not what the client wrote into X-Forwarded-For', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    await harness.http
      .post(`/v1/autopilot-devices/${device.id}/unassign-resource-account`)
      .set('authorization', `Bearer ${caller}`)
      .set('x-forwarded-for', '6.6.6.6, 10.0.0.1')
      .send({ changeTicket: await createLocalTicket(harness), justification: JUSTIFICATION });

    const [row] = await attemptsFor(harness, device.id);
    expect(row.client_ip).toBe('10.0.0.1');
  });

  it('serves no OpenAPI document or UI when OPENAPI_ENABLED=false', async () => {
    for (const path of ['/openapi.json', '/docs']) {
      const response = await harness.http.get(path);
      expect(response.status, path).toBe(404);
    }
  });
});

// Another session locks the attempts table, as a long migration or an operator's mistake would.
describe.runIf(process.env.DATABASE_URL)('a locked attempts table (real Postgres only)', () => {
  let harness: GateHarness;
  let locker: Client;
  beforeAll(async () => {
    harness = await GateHarness.start({
      env: { DATABASE_LOCK_TIMEOUT_MS: '300', DATABASE_STATEMENT_TIMEOUT_MS: '1000' },
    });
    locker = new Client({ connectionString: harness.database.databaseUrl });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await harness?.close();
  });

  it('makes an unassign fail closed with 503 AUDIT_UNAVAILABLE within the lock timeout, and readiness fail, until it is released', async () => {
    const ticket = await createLocalTicket(harness);
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE attempts IN ACCESS EXCLUSIVE MODE');

    const started = Date.now();
    const refused = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    const elapsed = Date.now() - started;
    const notReady = await harness.http.get('/health/ready');
    await locker.query('ROLLBACK');
    const ready = await harness.http.get('/health/ready');

    expectProblem(refused, 503, 'AUDIT_UNAVAILABLE');
    expect(elapsed).toBeLessThan(5_000);
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    expect(await attemptsFor(harness, device.id)).toEqual([]);
    expect(notReady.status).toBe(503);
    expect(notReady.body.database).toMatchObject({ reachable: true, writable: false });
    expect(ready.status, ready.text).toBe(200);
  });
});
