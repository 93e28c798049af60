import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainSealer } from '../../src/audit/chain/chain-sealer';
import { AuditRetention } from '../../src/audit/retention/audit-retention';
import { createGateApp, type GateApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';
import { createRootLogger } from '../../src/http/pino-logger.service';
import { aTeamsRoom } from '../factories/devices';
import { anAttemptRow, insertAttemptRows } from '../factories/attempt-rows';
import { AUDIT_READER } from '../helpers/audit-reads';
import { sealNow } from '../helpers/chain-tampering';
import { GateHarness } from '../helpers/gate-harness';
import request from 'supertest';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER } from '../helpers/unassign-calls';

const DAY_MS = 24 * 60 * 60 * 1000;

// The production set-up the README describes: migrations applied by the owner, the service logging in as a role
// granted autopilot_gate_app and nothing else. Needs a real Postgres server (a LOGIN role, a second session), so it
// runs only with DATABASE_URL.
describe.runIf(process.env.DATABASE_URL)(
  'the gate running as a login granted only autopilot_gate_app (real Postgres only)',
  () => {
    let harness: GateHarness;
    let gate: GateApp;
    let login: string;
    let admin: Client;
    let loginUrl: string;

    const expired = Array.from({ length: 3 }, (_, i) =>
      anAttemptRow({
        received_at: new Date(Date.now() - (3000 - i) * DAY_MS),
        settled_at: new Date(Date.now() - (3000 - i) * DAY_MS),
      }),
    );

    beforeAll(async () => {
      harness = await GateHarness.start({ env: { AUDIT_SEAL_INTERVAL_MS: '0' } });
      await insertAttemptRows(harness.gate.database.sql, expired);
      await sealNow(harness);
      login = `gate_login_${randomBytes(4).toString('hex')}`;
      admin = new Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE ROLE ${login} LOGIN IN ROLE autopilot_gate_app`);
      const url = new URL(harness.database.databaseUrl!);
      url.username = login;
      loginUrl = url.toString();
      const env = harness.environment({ env: { AUDIT_SEAL_INTERVAL_MS: '0', DATABASE_URL: loginUrl } });
      gate = await createGateApp(loadAppConfig(env), createRootLogger('silent'));
    });
    afterAll(async () => {
      await gate?.app.close();
      await harness?.close();
      await admin?.query(`DROP ROLE IF EXISTS ${login}`);
      await admin?.end();
    });

    it('starts, records and settles an unassign, seals it, and reports on it', async () => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const ticket = await createLocalTicket(harness);
      const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });
      const readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });
      const http = request(gate.app.getHttpServer());

      const response = await http
        .post(`/v1/autopilot-devices/${device.id}/unassign-resource-account`)
        .set('authorization', `Bearer ${token}`)
        .send({ changeTicket: ticket, justification: JUSTIFICATION });
      const sealed = await gate.app.get(ChainSealer).sealNow();
      const integrity = await http.get('/v1/audit/integrity').set('authorization', `Bearer ${readerToken}`);
      const list = await http.get('/v1/audit/attempts').set('authorization', `Bearer ${readerToken}`);

      expect(response.status, response.text).toBe(200);
      expect(sealed).toMatchObject({ sealed: 1, busy: false });
      expect(integrity.body).toMatchObject({ status: 'ok', records: expired.length + 1 });
      expect(list.body.items.map((item: { id: string }) => item.id)).toContain(response.body.attemptId);
    });

    it('deletes expired attempts through the retention function, and not otherwise', async () => {
      const client = new Client({ connectionString: loginUrl });
      await client.connect();
      try {
        await expect(client.query('DELETE FROM attempts WHERE id = $1', [expired[0].id])).rejects.toThrow(
          /permission denied/,
        );
        await expect(client.query(`SET autopilot_gate.retention = 'on'; DELETE FROM attempts`)).rejects.toThrow(
          /permission denied/,
        );
      } finally {
        await client.end();
      }

      const outcome = await gate.app.get(AuditRetention).runOnce();

      expect(outcome.deleted).toBe(expired.length);
      const left = await harness.attemptRows();
      expect(left.map((row) => row.id)).not.toContain(expired[0].id);
      expect(left).toHaveLength(1);
    });
  },
);
