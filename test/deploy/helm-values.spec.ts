import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { valueSets } from './chart-value-sets';
import { chartDir, runHelm, unpackHelm } from './helm';

const valuesText = readFileSync(path.join(chartDir, 'values.yaml'), 'utf8');
const values = parse(valuesText) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8')) as JsonSchema;

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
}

beforeAll(() => unpackHelm(), 120_000);

describe('values.schema.json', () => {
  it.each([
    ['a negative replica count', { replicaCount: -1 }, "at '/replicaCount': minimum"],
    ['an unknown key', { replicas: 3 }, "additional properties 'replicas' not allowed"],
    [
      'an unknown nested key',
      { ingress: { host: 'gate.contoso.com' } },
      "at '/ingress': additional properties 'host' not allowed",
    ],
    [
      'a client secret credential without azure.existingSecret',
      { azure: { credential: 'clientSecret' } },
      "at '/azure/existingSecret': minLength",
    ],
    [
      'a client certificate credential without azure.existingSecret',
      { azure: { credential: 'clientCertificate' } },
      "at '/azure/existingSecret': minLength",
    ],
    [
      'ServiceNow tickets without serviceNow.existingSecret',
      { serviceNow: { existingSecret: '' } },
      "at '/serviceNow/existingSecret': minLength",
    ],
    ['no database secret', { database: { existingSecret: '' } }, "at '/database/existingSecret'"],
    [
      'a NetworkPolicy without the database address',
      { networkPolicy: { enabled: true } },
      "at '/networkPolicy/egress/postgresCidrs': minItems",
    ],
    [
      'a memory limit the heap cannot be sized from',
      { resources: { limits: { memory: '256M' } } },
      "at '/resources/limits/memory'",
    ],
    ['an empty inline policy', { policy: { content: '' } }, "at '/policy/content': minLength"],
    ['a TRUST_PROXY that is neither a count nor addresses', { trustProxy: 'yes please' }, "at '/trustProxy'"],
    [
      'a trace collector that is not an http(s) URL',
      { tracing: { otlpEndpoint: 'otel-collector:4318' } },
      "at '/tracing/otlpEndpoint'",
    ],
  ])('refuses %s before rendering', (_, badValues, message) => {
    const run = runHelm('template', badValues);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("values don't meet the specifications of the schema");
    expect(run.stderr).toContain(message);
  });

  it('accepts local tickets without ServiceNow credentials, and TRUST_PROXY as a CIDR list', () => {
    const run = runHelm('template', {
      tickets: { provider: 'local' },
      serviceNow: { existingSecret: '' },
      trustProxy: '10.0.0.0/8, 192.168.0.0/16',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('declares no value that values.yaml lacks (values.yaml documents each one)', () => {
    expect(schemaPathsMissingFrom(values, schema)).toEqual([]);
  });
});

describe('values.yaml', () => {
  it('holds secret references only, never a secret value', () => {
    expect(valuesText).not.toMatch(/[a-z]+:\/\/[^\s/:@]+:[^\s/@]+@/); // credentials in a URL
    expect(valuesText).not.toMatch(/-----BEGIN|eyJ[A-Za-z0-9_-]{10,}/); // PEM, JWT
    const leaves = leafEntries(values);
    // Names of Secrets: the only keys that may mention one.
    const isReference = (key: string) => /(existingSecret|tlsSecretName|imagePullSecrets)$/.test(key);
    const references = leaves.filter(([key]) => isReference(key));
    expect(references.map(([key]) => key)).toEqual([
      'imagePullSecrets',
      'ingress.tlsSecretName',
      'azure.existingSecret',
      'database.existingSecret',
      'serviceNow.existingSecret',
    ]);
    for (const [key, value] of references) expect(JSON.stringify(value), key).toMatch(/^(""|\[\]|"[a-z0-9-]+")$/);
    const secretLooking = leaves.filter(
      ([key]) => /password|secret|token|apikey|privatekey/i.test(key) && !isReference(key),
    );
    expect(secretLooking).toEqual([]);
  });

  it('every value set used by the tests is valid for the schema', () => {
    for (const set of Object.values(valueSets)) expect(runHelm('template', set).status).toBe(0);
  });
});

describe('the chart README', () => {
  it('has the parameters table @bitnami/readme-generator-for-helm makes from values.yaml (npm run helm:docs)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'autopilot-gate-readme-'));
    try {
      for (const file of ['values.yaml', 'README.md']) copyFileSync(path.join(chartDir, file), path.join(dir, file));
      const generator = path.resolve(
        __dirname,
        '..',
        '..',
        'node_modules',
        '@bitnami',
        'readme-generator-for-helm',
        'bin',
        'index.js',
      );
      const run = spawnSync(
        process.execPath,
        [generator, '--values', path.join(dir, 'values.yaml'), '--readme', path.join(dir, 'README.md')],
        {
          encoding: 'utf8',
        },
      );
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe(
        readFileSync(path.join(chartDir, 'README.md'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function leafEntries(node: unknown, prefix = ''): [string, unknown][] {
  if (node === null || typeof node !== 'object' || Array.isArray(node) || Object.keys(node).length === 0)
    return [[prefix, node]];
  return Object.entries(node).flatMap(([key, child]) => leafEntries(child, prefix ? `${prefix}.${key}` : key));
}

function schemaPathsMissingFrom(node: unknown, schemaNode: JsonSchema, prefix = ''): string[] {
  return Object.entries(schemaNode.properties ?? {}).flatMap(([key, child]) => {
    const here = prefix ? `${prefix}.${key}` : key;
    const container = node as Record<string, unknown>;
    if (!(key in container)) return [here];
    return schemaPathsMissingFrom(container[key], child, here);
  });
}
