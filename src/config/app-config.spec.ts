import { describe, expect, it } from 'vitest';
import { InvalidConfigurationError, loadAppConfig } from './app-config';

const ISSUER = 'https://login.microsoftonline.com/22222222-aaaa-bbbb-cccc-000000000002/v2.0';

const SERVICENOW = { SERVICENOW_INSTANCE_URL: 'https://contoso.service-now.com/' };

/** What a production deployment with a client secret sets. */
const PRODUCTION: Record<string, string> = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://gate@db.internal:5432/gate',
  AUTH_ISSUER: ISSUER,
  AUTH_AUDIENCE: 'api://autopilot-gate',
  AZURE_TENANT_ID: '99999999-aaaa-4bbb-8ccc-000000000099',
  AZURE_CLIENT_ID: '88888888-aaaa-4bbb-8ccc-000000000088',
  AZURE_CLIENT_SECRET: 'secret',
  ...SERVICENOW,
  SERVICENOW_USERNAME: 'gate',
  SERVICENOW_PASSWORD: 'pw',
  AUDIT_SIGNING_KEY_FILE: '/run/secrets/audit-signing-key.pem',
};

function refusalOf(env: Record<string, string | undefined>): string {
  try {
    loadAppConfig(env);
  } catch (error) {
    if (error instanceof InvalidConfigurationError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

/** The variable names the refusal lists, one per line. */
const namedVariables = (message: string) => [...message.matchAll(/^ {2}(\w+):/gm)].map((match) => match[1]).sort();

describe(loadAppConfig.name, () => {
  it('starts in development mode with a simulated Graph, local tickets and PGlite when nothing is configured', () => {
    const config = loadAppConfig({});

    expect(config.production).toBe(false);
    expect(config.auth).toEqual({ mode: 'development', dataDir: './.data', clockSkewSeconds: 60 });
    expect(config.graph.mode).toBe('simulated');
    expect(config.tickets.provider).toBe('local');
    expect(config.tickets.serviceNow).toBeUndefined();
    expect(config.database.url).toBeUndefined();
    expect(config.database.dataDir).toBe('./.data');
    expect(config.port).toBe(3000);
    expect(config.policyFile).toBe('config/policy.yaml');
    expect(config.tickets.pattern.source).toBe('^CHG[0-9]{7,}$');
  });

  it('treats empty variables as unset', () => {
    const config = loadAppConfig({ AUTH_ISSUER: '', DATABASE_URL: '', AZURE_TENANT_ID: '' });

    expect(config.auth.mode).toBe('development');
    expect(config.database.url).toBeUndefined();
    expect(config.graph.mode).toBe('simulated');
  });

  it('accepts a production configuration with a real issuer and live Graph credentials', () => {
    const config = loadAppConfig(PRODUCTION);

    expect(config.production).toBe(true);
    expect(config.auth).toMatchObject({ mode: 'entra', issuer: ISSUER, audience: 'api://autopilot-gate' });
    expect(config.graph.mode).toBe('live');
  });

  it('refuses production without an issuer, with the simulated Graph, the embedded database and local tickets, naming every variable', () => {
    const message = refusalOf({ NODE_ENV: 'production' });

    expect(namedVariables(message)).toEqual([
      'AUDIT_SIGNING_KEY_FILE',
      'AUTH_ISSUER',
      'DATABASE_URL',
      'GRAPH_MODE',
      'TICKET_PROVIDER',
    ]);
    expect(message).toContain('ALLOW_EMBEDDED_DATABASE=true');
    expect(message).toContain('ALLOW_LOCAL_TICKETS=true');
  });

  it('names every wrong variable at once, those that do not parse and those whose combination is refused', () => {
    const message = refusalOf({
      ...PRODUCTION,
      DATABASE_POOL_MAX: 'many',
      GRAPH_RATE_BURST: '0',
      AUTH_ISSUER: '',
      METRICS_PORT: '3000',
    });

    expect(namedVariables(message)).toEqual(['AUTH_ISSUER', 'DATABASE_POOL_MAX', 'GRAPH_RATE_BURST', 'METRICS_PORT']);
  });

  it('serves metrics on METRICS_PORT (9464 by default), never on the API port, and traces only with an OTLP endpoint', () => {
    expect(loadAppConfig({})).toMatchObject({
      metrics: { port: 9464 },
      tracing: { otlpEndpoint: undefined, serviceName: 'autopilot-gate' },
    });
    expect(
      loadAppConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.monitoring:4318',
        OTEL_SERVICE_NAME: 'gate-eu',
      }).tracing,
    ).toEqual({
      otlpEndpoint: 'http://otel-collector.monitoring:4318',
      serviceName: 'gate-eu',
    });
    expect(namedVariables(refusalOf({ PORT: '8080', METRICS_PORT: '8080' }))).toEqual(['METRICS_PORT']);
    expect(namedVariables(refusalOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }))).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ]);
  });

  it('refuses production with live Graph but no credentials, naming every bad variable', () => {
    const message = refusalOf({
      ...PRODUCTION,
      GRAPH_MODE: 'live',
      AZURE_TENANT_ID: '',
      AZURE_CLIENT_ID: '',
      AUTH_ISSUER: '',
    });

    expect(namedVariables(message)).toEqual(['AUTH_ISSUER', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID']);
  });

  it('refuses production without a key to sign the audit checkpoints', () => {
    const { AUDIT_SIGNING_KEY_FILE: _, ...withoutKey } = PRODUCTION;

    expect(namedVariables(refusalOf(withoutKey))).toEqual(['AUDIT_SIGNING_KEY_FILE']);
  });

  it('reads the audit settings, with their defaults', () => {
    expect(loadAppConfig({}).audit).toEqual({
      signingKeyFile: undefined,
      dataDir: './.data',
      sealIntervalMs: 1000,
      checkpointEvery: 1000,
      checkpointIntervalMs: 3_600_000,
      retention: { days: 2557, job: false, intervalMs: 3_600_000 },
    });
    expect(
      loadAppConfig({ AUDIT_RETENTION_JOB: 'true', AUDIT_RETENTION_DAYS: '3650', AUDIT_SEAL_INTERVAL_MS: '0' }).audit,
    ).toMatchObject({
      sealIntervalMs: 0,
      retention: { days: 3650, job: true },
    });
  });

  it('allows the embedded database and local tickets in production only when told to, and reports each allowance', () => {
    const withoutBoth = {
      ...PRODUCTION,
      DATABASE_URL: '',
      SERVICENOW_INSTANCE_URL: '',
      SERVICENOW_USERNAME: '',
      SERVICENOW_PASSWORD: '',
    };

    const config = loadAppConfig({ ...withoutBoth, ALLOW_EMBEDDED_DATABASE: 'true', ALLOW_LOCAL_TICKETS: 'true' });

    expect(config.database.url).toBeUndefined();
    expect(config.tickets.provider).toBe('local');
    expect(config.allowances).toEqual([
      expect.stringContaining('ALLOW_EMBEDDED_DATABASE'),
      expect.stringContaining('ALLOW_LOCAL_TICKETS'),
    ]);
    expect(config.tickets.separationOfDuties).toBe(true);
    expect(loadAppConfig(PRODUCTION).allowances).toEqual([]);
  });

  it.each(['AUTH_ISSUER', 'AUTH_JWKS_URI', 'GRAPH_BASE_URL', 'SERVICENOW_INSTANCE_URL', 'AZURE_AUTHORITY_HOST'])(
    'refuses a plain-http %s on a host that is not loopback in production',
    (variable) => {
      const message = refusalOf({
        ...PRODUCTION,
        [variable]: 'http://10.1.2.3:8080/22222222-aaaa-bbbb-cccc-000000000002/v2.0',
      });

      expect(namedVariables(message)).toEqual([variable]);
      expect(message).toContain('must use https');
    },
  );

  it('accepts plain http on loopback in production, as browsers do', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '[::1]']) {
      expect(loadAppConfig({ ...PRODUCTION, GRAPH_BASE_URL: `http://${host}:4010/beta` }).graph.baseUrl).toBe(
        `http://${host}:4010/beta`,
      );
    }
  });

  it('defaults the allowed tenants to the tenant the issuer names, and refuses an issuer that names none without a list', () => {
    expect(loadAppConfig(PRODUCTION).auth).toMatchObject({ allowedTenants: ['22222222-aaaa-bbbb-cccc-000000000002'] });
    expect(
      loadAppConfig({ ...PRODUCTION, AUTH_ALLOWED_TENANTS: 'AAAAAAAA-0000-4000-8000-000000000001, b' }).auth,
    ).toMatchObject({
      allowedTenants: ['aaaaaaaa-0000-4000-8000-000000000001', 'b'],
    });
    const message = refusalOf({ ...PRODUCTION, AUTH_ISSUER: 'https://login.microsoftonline.com/organizations/v2.0' });
    expect(namedVariables(message)).toEqual(['AUTH_ALLOWED_TENANTS']);
  });

  it('takes TRUST_PROXY as a hop count or a list of proxy addresses, and refuses true', () => {
    expect(loadAppConfig({}).trustProxy).toBe(false);
    expect(loadAppConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadAppConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7, fd00::/8' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
    ]);
    expect(refusalOf({ TRUST_PROXY: 'true' })).toMatch(/TRUST_PROXY: true would trust every hop/);
    expect(namedVariables(refusalOf({ TRUST_PROXY: '10.0.0.0/33' }))).toEqual(['TRUST_PROXY']);
  });

  it('serves the OpenAPI document outside production by default, and in production only when enabled', () => {
    expect(loadAppConfig({}).openApiEnabled).toBe(true);
    expect(loadAppConfig(PRODUCTION).openApiEnabled).toBe(false);
    expect(loadAppConfig({ ...PRODUCTION, OPENAPI_ENABLED: 'true' }).openApiEnabled).toBe(true);
  });

  it('refuses production that asks for the simulated Graph explicitly', () => {
    const message = refusalOf({ ...PRODUCTION, GRAPH_MODE: 'simulated' });

    expect(namedVariables(message)).toEqual(['GRAPH_MODE']);
  });

  it('refuses a sweeper that could take the attempt of a request still at Graph: stale after twice the call deadline', () => {
    const deadline = { GRAPH_CALL_DEADLINE_MS: '30000' };

    expect(namedVariables(refusalOf({ ...deadline, SWEEP_STALE_AFTER_MS: '45000' }))).toEqual(['SWEEP_STALE_AFTER_MS']);
    expect(namedVariables(refusalOf({ ...deadline, SWEEP_STALE_AFTER_MS: '60000' }))).toEqual(['SWEEP_STALE_AFTER_MS']);
    expect(loadAppConfig({ ...deadline, SWEEP_STALE_AFTER_MS: '60001' }).resilience.sweeper.staleAfterMs).toBe(60_001);
  });

  it('refuses AUTH_ISSUER without AUTH_AUDIENCE', () => {
    const message = refusalOf({ AUTH_ISSUER: ISSUER });

    expect(namedVariables(message)).toEqual(['AUTH_AUDIENCE']);
  });

  it('refuses SERVICENOW_INSTANCE_URL without credentials', () => {
    const message = refusalOf(SERVICENOW);

    expect(namedVariables(message)).toEqual(['SERVICENOW_USERNAME']);
    expect(message).toContain('SERVICENOW_CLIENT_ID');
  });

  it('refuses TICKET_PROVIDER=servicenow without an instance URL', () => {
    const message = refusalOf({
      TICKET_PROVIDER: 'servicenow',
      SERVICENOW_USERNAME: 'gate',
      SERVICENOW_PASSWORD: 'pw',
    });

    expect(namedVariables(message)).toEqual(['SERVICENOW_INSTANCE_URL']);
  });

  it('selects ServiceNow with basic credentials when only a username and password are set', () => {
    const config = loadAppConfig({ ...SERVICENOW, SERVICENOW_USERNAME: 'gate', SERVICENOW_PASSWORD: 'pw' });

    expect(config.tickets.provider).toBe('servicenow');
    expect(config.tickets.serviceNow).toMatchObject({
      instanceUrl: 'https://contoso.service-now.com',
      credentials: { kind: 'basic', username: 'gate', password: 'pw' },
    });
  });

  it('prefers OAuth client credentials over basic when both are set', () => {
    const config = loadAppConfig({
      ...SERVICENOW,
      SERVICENOW_USERNAME: 'gate',
      SERVICENOW_PASSWORD: 'pw',
      SERVICENOW_CLIENT_ID: 'client',
      SERVICENOW_CLIENT_SECRET: 'client-secret',
    });

    expect(config.tickets.serviceNow?.credentials).toEqual({
      kind: 'oauth',
      clientId: 'client',
      clientSecret: 'client-secret',
    });
  });

  it('derives GRAPH_SCOPE from the origin of GRAPH_BASE_URL', () => {
    expect(loadAppConfig({}).graph.scope).toBe('https://graph.microsoft.com/.default');
    expect(loadAppConfig({ GRAPH_BASE_URL: 'https://graph.microsoft.us/beta/' }).graph).toMatchObject({
      baseUrl: 'https://graph.microsoft.us/beta',
      scope: 'https://graph.microsoft.us/.default',
    });
    expect(loadAppConfig({ GRAPH_BASE_URL: 'http://127.0.0.1:4010/beta' }).graph.scope).toBe(
      'http://127.0.0.1:4010/.default',
    );
  });

  it('keeps an explicit GRAPH_SCOPE', () => {
    const config = loadAppConfig({
      GRAPH_BASE_URL: 'https://graph.microsoft.us/beta',
      GRAPH_SCOPE: 'https://graph.microsoft.us/custom',
    });

    expect(config.graph.scope).toBe('https://graph.microsoft.us/custom');
  });

  it('refuses an invalid TICKET_PATTERN', () => {
    expect(namedVariables(refusalOf({ TICKET_PATTERN: '^CHG[0-9' }))).toEqual(['TICKET_PATTERN']);
  });
});
