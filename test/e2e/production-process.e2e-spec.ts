import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentSchema } from '../../src/config/app-config';
import { aTeamsRoom } from '../factories/devices';
import { anOpenChange, aTicketNumber } from '../factories/tickets';
import { GateHarness } from '../helpers/gate-harness';
import { buildGate, freePort, GateProcess, removeBuild, runGate } from '../helpers/gate-process';
import { parsePrometheusText, valueOf } from '../helpers/prometheus-text';
import { JUSTIFICATION, UNASSIGNER } from '../helpers/unassign-calls';

const ROOT = path.resolve(__dirname, '..', '..');

/** What a production deployment sets, secrets included, pointing at a database nobody listens on. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://gate:db-password-never-printed@127.0.0.1:1/gate?sslmode=disable',
  AUTH_ISSUER: 'https://login.microsoftonline.com/22222222-aaaa-bbbb-cccc-000000000002/v2.0',
  AUTH_AUDIENCE: 'api://autopilot-gate',
  AZURE_TENANT_ID: '99999999-aaaa-4bbb-8ccc-000000000099',
  AZURE_CLIENT_ID: '88888888-aaaa-4bbb-8ccc-000000000088',
  AZURE_CLIENT_SECRET: 'azure-secret-never-printed',
  SERVICENOW_INSTANCE_URL: 'https://contoso.service-now.com',
  SERVICENOW_CLIENT_ID: 'gate',
  SERVICENOW_CLIENT_SECRET: 'servicenow-secret-never-printed',
  AUDIT_SIGNING_KEY_FILE: '/run/secrets/audit-signing-key.pem',
};

/** The variable each line of a refusal names (`  NAME: why`). */
const namedVariables = (text: string) => [...text.matchAll(/^ {2}(\w+):/gm)].map((match) => match[1]).sort();

describe('the gate as production runs it (node dist/main.js)', () => {
  let harness: GateHarness;
  let mainJs: string;
  beforeAll(async () => {
    harness = await GateHarness.prepare();
    mainJs = await buildGate();
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
    removeBuild();
  });

  it('writes only JSON lines to stdout, and serves /metrics on METRICS_PORT only, on HOST', async () => {
    const gate = await GateProcess.start(mainJs, harness.environment({}), await freePort());
    try {
      const admin = await harness.issuer.userToken({ roles: ['ChangeTickets.Admin'] });
      const ticket = aTicketNumber();
      const created = await fetch(`${gate.url}/v1/change-tickets/${ticket}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(anOpenChange()),
      });
      expect(created.status).toBe(200);
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const unassigned = await fetch(`${gate.url}/v1/autopilot-devices/${device.id}/unassign-resource-account`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await harness.issuer.userToken({ roles: [UNASSIGNER] })}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ changeTicket: ticket, justification: JUSTIFICATION }),
      });
      expect(unassigned.status).toBe(200);
      const { attemptId } = (await unassigned.json()) as { attemptId: string };

      const metrics = parsePrometheusText(await (await fetch(gate.metricsUrl)).text());
      expect(
        valueOf(metrics, 'autopilot_gate_attempts_total', {
          outcome: 'succeeded',
          entry_point: 'v1',
          settled_by: 'request',
        }),
      ).toBe(1);
      expect(
        valueOf(metrics, 'autopilot_gate_http_requests_total', {
          method: 'PUT',
          route: '/v1/change-tickets/:number',
          status: '200',
        }),
      ).toBe(1);
      expect((await fetch(`${gate.url}/metrics`)).status).toBe(404);
      const elsewhere = Object.values(networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal);
      if (elsewhere) {
        // HOST is 127.0.0.1: the metrics listener is not reachable on the machine's other addresses either.
        await expect(fetch(gate.metricsUrl.replace('127.0.0.1', elsewhere.address))).rejects.toThrow();
      }

      gate.kill('SIGTERM');
      expect(await gate.exited).toEqual({ code: 0, signal: null });
      const lines = gate.stdout
        .join('')
        .split('\n')
        .filter((line) => line !== '');
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.every((entry) => typeof entry.level === 'number' && typeof entry.msg === 'string')).toBe(true);
      expect(entries.find((entry) => entry.msg === 'autopilot-gate listening')).toMatchObject({
        metricsPort: Number(new URL(gate.metricsUrl).port),
      });
      expect(entries.filter((entry) => entry.msg === 'request' && entry.attemptId === attemptId)).toHaveLength(1);
      expect(gate.stderr.join('')).toBe('');
    } finally {
      gate.kill('SIGKILL');
    }
  }, 60_000);

  it('prints the effective configuration with --print-config, secrets masked, and exits 0 without touching the database', async () => {
    const run = await runGate(mainJs, ['--print-config'], { ...PRODUCTION, METRICS_PORT: '9100' });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = new Map(
      run.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => {
          const [variable, value, source] = line.split(/\s{2,}/);
          return [variable, { value, source }] as const;
        }),
    );
    expect([...rows.keys()]).toEqual(Object.keys(environmentSchema.shape));
    expect(rows.get('DATABASE_URL')).toEqual({
      value: 'postgresql://gate:********@127.0.0.1:1/gate?sslmode=disable',
      source: 'environment',
    });
    expect(rows.get('AZURE_CLIENT_SECRET')).toEqual({ value: '********', source: 'environment' });
    expect(rows.get('METRICS_PORT')).toEqual({ value: '9100', source: 'environment' });
    expect(rows.get('PORT')).toEqual({ value: '3000', source: 'default' });
    expect(rows.get('GRAPH_MODE')).toEqual({ value: 'live', source: 'derived' });
    expect(rows.get('TICKET_PROVIDER')).toEqual({ value: 'servicenow', source: 'derived' });
    for (const secret of ['db-password-never-printed', 'azure-secret-never-printed', 'servicenow-secret-never-printed'])
      expect(run.stdout).not.toContain(secret);
  });

  it('does not even create the embedded database directory for --print-config', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'gate-print-config-')), 'data');

    const run = await runGate(mainJs, ['--print-config'], { DATA_DIR: dataDir });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^DATA_DIR\\s+${dataDir}\\s+environment$`, 'm'));
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses to start on a wrong production configuration with one line per wrong variable, naming each', async () => {
    const run = await runGate(mainJs, [], {
      ...PRODUCTION,
      AUTH_ISSUER: '',
      DATABASE_POOL_MAX: 'many',
      GRAPH_BASE_URL: 'http://graph.example/beta',
      SWEEP_STALE_AFTER_MS: '1000',
    });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toBe('autopilot-gate did not start: Invalid configuration:');
    expect(namedVariables(run.stderr)).toEqual([
      'AUTH_ISSUER',
      'DATABASE_POOL_MAX',
      'GRAPH_BASE_URL',
      'SWEEP_STALE_AFTER_MS',
    ]);
    expect(run.stderr).not.toContain('secret-never-printed');
  });

  it.each([
    ['nothing listens on its port', 'postgresql://gate:db-password-never-printed@127.0.0.1:1/gate', '127.0.0.1:1'],
    [
      'its host name does not resolve',
      'postgresql://gate:db-password-never-printed@gate-db.invalid:5432/gate',
      'gate-db.invalid:5432',
    ],
  ])('refuses to start in one line naming the database host when %s', async (_why, databaseUrl, where) => {
    const run = await runGate(mainJs, [], { DATABASE_URL: databaseUrl });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^autopilot-gate did not start: cannot connect to the database at /),
    ]);
    expect(run.stderr).toContain(`at ${where}: `);
    expect(run.stderr).not.toContain('password-never-printed');
  });
});

describe('npm run db:generate (part of every npm start and build)', () => {
  it('generates the Prisma client printing nothing, again only when the schema changed', async () => {
    // A copy of the schema beside the project's node_modules, so the project's own generated client is left alone.
    const copy = mkdtempSync(path.join(tmpdir(), 'gate-generate-'));
    try {
      cpSync(path.join(ROOT, 'prisma'), path.join(copy, 'prisma'), { recursive: true });
      cpSync(path.join(ROOT, 'prisma.config.ts'), path.join(copy, 'prisma.config.ts'));
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
      const generate = () =>
        promisify(execFile)(process.execPath, [path.join(copy, 'prisma', 'generate-client.mjs')], { cwd: copy });
      const generated = path.join(copy, 'src', 'generated', 'prisma');
      const clientWritten = () => statSync(path.join(generated, 'client.ts')).mtimeMs;

      expect(await generate()).toEqual({ stdout: '', stderr: '' });
      const firstWrite = clientWritten();
      expect(await generate()).toEqual({ stdout: '', stderr: '' });
      expect(clientWritten()).toBe(firstWrite);

      appendFileSync(path.join(copy, 'prisma', 'schema.prisma'), '\nmodel GenerationProbe {\n  id Int @id\n}\n');
      expect(await generate()).toEqual({ stdout: '', stderr: '' });
      expect(clientWritten()).toBeGreaterThan(firstWrite);
      expect(existsSync(path.join(generated, 'models', 'GenerationProbe.ts'))).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);
});
