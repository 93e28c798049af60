import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createGateApp, type GateApp } from '../../src/bootstrap';
import { openSqlSession, type SqlSession } from '../../src/database/database-connection';
import type { SqlExecutor } from '../../src/database/sql-executor';
import { loadAppConfig } from '../../src/config/app-config';
import { createRootLogger } from '../../src/http/pino-logger.service';
import { MetricsEndpoint } from '../../src/metrics/metrics-endpoint';
import { FakeAuthorityServer } from '../fakes/fake-authority.server';
import { FakeGraphServer } from '../fakes/fake-graph.server';
import { FakeServiceNowServer } from '../fakes/fake-servicenow.server';
import { JwksIssuerServer } from '../fakes/jwks-issuer.server';
import { parsePrometheusText, type Exposition } from './prometheus-text';
import { createTestDatabase, type TestDatabase } from './test-database';

export const GATE_AUDIENCE = 'api://autopilot-gate-tests';
export const GRAPH_TENANT = '99999999-aaaa-4bbb-8ccc-000000000099';
export const GRAPH_CLIENT_ID = '88888888-aaaa-4bbb-8ccc-000000000088';
export const GRAPH_CLIENT_SECRET = 'graph-client-secret-never-logged-7f3a9c';
export const SERVICENOW_USER = 'gate-integration';
export const SERVICENOW_PASSWORD = 'servicenow-password-never-logged-5d1e';

export interface HarnessOptions {
  /** Replaces config/policy.yaml. */
  policyYaml?: string;
  ticketProvider?: 'local' | 'servicenow';
  env?: Record<string, string>;
  /** Also listen for /metrics, on a port of its own as main.ts does (an ephemeral one here). */
  metrics?: boolean;
  /** The level the captured logs are written at (info unless told). */
  logLevel?: string;
}

/**
 * One gate wired to real fakes on 127.0.0.1: Graph, the Entra authority (HTTPS, used by @azure/identity),
 * the callers' JWKS issuer and ServiceNow; its own database (Postgres clone or PGlite); logs captured in memory.
 */
export class GateHarness {
  readonly logs: string[] = [];
  gate!: GateApp;
  /** Set when booted with `metrics: true`. */
  metricsPort?: number;
  private gateStopped = false;
  database!: TestDatabase;
  private session?: Promise<SqlSession>;

  private constructor(
    readonly graph: FakeGraphServer,
    readonly authority: FakeAuthorityServer,
    readonly issuer: JwksIssuerServer,
    readonly serviceNow: FakeServiceNowServer,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<GateHarness> {
    const harness = await GateHarness.prepare();
    await harness.boot(options);
    return harness;
  }

  /** The fakes and the database, without the gate: for a test that puts something between them first. */
  static async prepare(): Promise<GateHarness> {
    const authority = await FakeAuthorityServer.start({ clients: { [GRAPH_CLIENT_ID]: GRAPH_CLIENT_SECRET } });
    const graph = await FakeGraphServer.start({
      isValidAccessToken: (token) => authority.issuedTokens.includes(token),
    });
    const issuer = await JwksIssuerServer.start({ audience: GATE_AUDIENCE });
    const serviceNow = await FakeServiceNowServer.start({ username: SERVICENOW_USER, password: SERVICENOW_PASSWORD });
    const harness = new GateHarness(graph, authority, issuer, serviceNow);
    harness.database = await createTestDatabase();
    return harness;
  }

  async boot(options: HarnessOptions = {}): Promise<void> {
    this.gate = await createGateApp(
      loadAppConfig(this.environment(options)),
      this.captureLogs(options.logLevel ?? 'info'),
    );
    if (options.metrics) this.metricsPort = await this.gate.app.get(MetricsEndpoint).listen('127.0.0.1', 0);
  }

  /** GET /metrics on the metrics port, parsed. */
  async scrapeMetrics(): Promise<Exposition> {
    if (this.metricsPort === undefined) throw new Error('boot the harness with metrics: true');
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
    return parsePrometheusText(await response.text());
  }

  /** The captured log lines, parsed. */
  logLines(): Record<string, unknown>[] {
    return this.logs
      .flatMap((chunk) => chunk.split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  get http(): TestAgent {
    return request(this.gate.app.getHttpServer());
  }

  environment(options: HarnessOptions): Record<string, string> {
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      AUTH_ISSUER: this.issuer.issuer,
      AUTH_AUDIENCE: GATE_AUDIENCE,
      GRAPH_MODE: 'live',
      GRAPH_BASE_URL: this.graph.baseUrl,
      GRAPH_TIMEOUT_MS: '2500',
      AZURE_TENANT_ID: GRAPH_TENANT,
      AZURE_CLIENT_ID: GRAPH_CLIENT_ID,
      AZURE_CLIENT_SECRET: GRAPH_CLIENT_SECRET,
      AZURE_AUTHORITY_HOST: this.authority.authorityHost,
      AZURE_DISABLE_INSTANCE_DISCOVERY: 'true',
      TICKET_PROVIDER: options.ticketProvider ?? 'local',
      // Limits and the breaker are shared state within a gate: tests that are not about them keep them out of the way.
      GRAPH_BREAKER_FAILURES: '1000',
      GRAPH_RATE_PER_SECOND: '100000',
      GRAPH_RATE_BURST: '100000',
      RATE_LIMIT_PER_CALLER: '100000',
      RATE_LIMIT_PER_IP_UNAUTHENTICATED: '100000',
      DATA_DIR: this.database.dataDir,
      ...(this.database.databaseUrl ? { DATABASE_URL: this.database.databaseUrl, DATABASE_POOL_MAX: '4' } : {}),
      ...(options.ticketProvider === 'servicenow'
        ? {
            SERVICENOW_INSTANCE_URL: this.serviceNow.instanceUrl,
            SERVICENOW_USERNAME: SERVICENOW_USER,
            SERVICENOW_PASSWORD: SERVICENOW_PASSWORD,
            SERVICENOW_TIMEOUT_MS: '2500',
            // The work-note sender's requests would take a response a test scripted for its ticket look-up: tests
            // about notes send them with sendDue() or set their own interval.
            WORK_NOTES_INTERVAL_MS: '3600000',
          }
        : {}),
      ...options.env,
    };
    if (options.policyYaml) {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'gate-policy-')), 'policy.yaml');
      writeFileSync(file, options.policyYaml);
      env.POLICY_FILE = file;
    }
    return env;
  }

  /** Every attempt row as the database holds it, oldest first. */
  async attemptRows(): Promise<Record<string, unknown>[]> {
    return (await this.sql()).query('SELECT * FROM attempts ORDER BY received_at, id');
  }

  /** The in-process gate's connection, or (with the gate in a process of its own, on Postgres) one of the test's. */
  private async sql(): Promise<SqlExecutor> {
    if (this.gate) return this.gate.database.sql;
    this.session ??= openSqlSession({ databaseUrl: this.database.databaseUrl, dataDir: this.database.dataDir });
    return (await this.session).sql;
  }

  /** Shuts the gate down as SIGTERM would (its shutdown hooks run); close() then leaves it alone. */
  async stopGate(): Promise<void> {
    this.gateStopped = true;
    await this.gate.app.close();
  }

  async close(): Promise<void> {
    if (!this.gateStopped) await this.gate?.app.close();
    await (await this.session)?.close();
    await Promise.all([this.graph.close(), this.authority.close(), this.issuer.close(), this.serviceNow.close()]);
    await this.database?.drop();
  }

  private captureLogs(level: string) {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.logs.push(chunk.toString());
        done();
      },
    });
    return createRootLogger(level, sink);
  }
}
