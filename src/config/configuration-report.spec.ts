import { describe, expect, it } from 'vitest';
import { environmentSchema } from './app-config';
import { describeConfiguration, renderConfigurationReport } from './configuration-report';

const entryOf = (env: Record<string, string>, variable: string) =>
  describeConfiguration(env).entries.find((entry) => entry.variable === variable);

describe(describeConfiguration.name, () => {
  it('lists every variable the gate reads, once, in the order of the schema', () => {
    const { entries, problems } = describeConfiguration({});

    expect(entries.map((entry) => entry.variable)).toEqual(Object.keys(environmentSchema.shape));
    expect(problems).toEqual([]);
  });

  it('says where each value came from: the environment, a default, a default derived from other variables, or nowhere', () => {
    const env = { PORT: '8080', AZURE_TENANT_ID: '99999999-aaaa-4bbb-8ccc-000000000099', AZURE_CLIENT_ID: 'client' };

    expect(entryOf(env, 'PORT')).toEqual({ variable: 'PORT', value: '8080', source: 'environment' });
    expect(entryOf(env, 'METRICS_PORT')).toEqual({ variable: 'METRICS_PORT', value: '9464', source: 'default' });
    expect(entryOf(env, 'GRAPH_MODE')).toEqual({ variable: 'GRAPH_MODE', value: 'live', source: 'derived' });
    expect(entryOf(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')).toEqual({
      variable: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      value: '',
      source: 'unset',
    });
  });

  it('masks passwords and secrets, and the password of a URL, wherever it is written', () => {
    const env = {
      DATABASE_URL: 'postgresql://gate:db-pass-1@db.internal:5432/gate?sslmode=require&sslpassword=key-pass-2',
      SERVICENOW_PASSWORD: 'sn-pass-3',
      SERVICENOW_CLIENT_SECRET: 'sn-secret-4',
      AZURE_CLIENT_SECRET: 'azure-secret-5',
      AZURE_CLIENT_CERTIFICATE_PASSWORD: 'cert-pass-6',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel:collector-pass-7@collector.example',
    };

    const text = renderConfigurationReport(describeConfiguration(env));

    for (const secret of [
      'db-pass-1',
      'key-pass-2',
      'sn-pass-3',
      'sn-secret-4',
      'azure-secret-5',
      'cert-pass-6',
      'collector-pass-7',
    ])
      expect(text).not.toContain(secret);
    expect(entryOf(env, 'DATABASE_URL')?.value).toBe(
      'postgresql://gate:********@db.internal:5432/gate?sslmode=require&sslpassword=********',
    );
    expect(entryOf(env, 'AZURE_CLIENT_SECRET')).toEqual({
      variable: 'AZURE_CLIENT_SECRET',
      value: '********',
      source: 'environment',
    });
  });

  it('reports a wrong configuration as the lines a refused start prints, one per variable', () => {
    const { problems } = describeConfiguration({ NODE_ENV: 'production', PORT: 'eighty' });

    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
      'AUDIT_SIGNING_KEY_FILE',
      'AUTH_ISSUER',
      'DATABASE_URL',
      'GRAPH_MODE',
      'PORT',
      'TICKET_PROVIDER',
    ]);
  });
});
