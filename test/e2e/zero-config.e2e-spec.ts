import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevelopmentToken } from '../../src/auth/dev-issuer/development-issuer';
import { createGateApp, type GateApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';
import { DEVELOPMENT_TICKET, seedDevelopmentTenant } from '../../src/development-seed';
import { createRootLogger } from '../../src/http/pino-logger.service';

/** `npm start` with no configuration at all: embedded PGlite, local tickets, simulated Graph, development issuer. */
describe('zero-config development mode', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gate-zero-config-'));
  let gate: GateApp;
  let curl: string | undefined;

  beforeAll(async () => {
    const config = loadAppConfig({ DATA_DIR: dataDir });
    gate = await createGateApp(config, createRootLogger('silent'));
    curl = await seedDevelopmentTenant(gate.app, config);
  });
  afterAll(async () => {
    await gate?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a curl whose call succeeds against the simulated tenant and is recorded as simulated', async () => {
    expect(curl).toContain(`"changeTicket":"${DEVELOPMENT_TICKET}"`);
    expect(curl).toContain('npm run --silent token -- --role Autopilot.ResourceAccount.Unassign');
    const url = new URL(/http:\/\/\S+/.exec(curl!)![0]);
    const body = JSON.parse(/-d '(.+)'/.exec(curl!)![1]) as object;
    const token = await signDevelopmentToken(dataDir, {
      roles: ['Autopilot.ResourceAccount.Unassign'],
      kind: 'user',
      oid: '11111111-1111-4111-8111-111111111111',
      upn: 'dev@local',
      expiresInSeconds: 600,
    });

    const response = await request(gate.app.getHttpServer())
      .post(url.pathname)
      .set('authorization', `Bearer ${token}`)
      .send(body);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ outcome: 'succeeded', simulated: true, graph: { status: 204 } });
    const rows = await gate.database.sql.query<{ outcome: string; simulated: boolean; change_ticket: string }>(
      'SELECT outcome, simulated, change_ticket FROM attempts WHERE id = $1',
      [response.body.attemptId],
    );
    expect(rows).toEqual([{ outcome: 'succeeded', simulated: true, change_ticket: DEVELOPMENT_TICKET }]);
    expect(gate.database.kind).toBe('pglite');
  });

  it('refuses production mode without a real issuer and real Graph credentials', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production', DATA_DIR: dataDir })).toThrow(/AUTH_ISSUER[\s\S]*GRAPH_MODE/);
  });
});
