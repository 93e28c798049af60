import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateHarness } from '../helpers/gate-harness';
import { expectProblem } from '../helpers/refusal-assertions';
import { UNASSIGNER } from '../helpers/unassign-calls';

const GRAPH_DEVICES = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';

// Every code the HTTP contract (issue 2) promises to clients.
const ISSUE_PROBLEM_CODES = [
  'INVALID_REQUEST',
  'UNAUTHENTICATED',
  'POLICY_DENIED',
  'DEVICE_NOT_FOUND',
  'NOTHING_TO_UNASSIGN',
  'CHANGE_TICKET_REJECTED',
  'GRAPH_ERROR',
  'AUDIT_UNAVAILABLE',
  'GRAPH_UNAVAILABLE',
  'GRAPH_TIMEOUT',
];

interface SchemaObject {
  $ref?: string;
  enum?: string[];
  properties: Record<string, SchemaObject>;
  required?: string[];
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string }[];
        responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
      }
    >
  >;
  components: { schemas: Record<string, SchemaObject> };
}

describe('service surface', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start();
  });
  afterAll(() => harness?.close());

  describe('GET /health/live', () => {
    it('answers 200 without a token', async () => {
      const response = await harness.http.get('/health/live');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok' });
    });
  });

  describe('GET /health/ready', () => {
    it('answers 200 with the database reachable and no pending migrations', async () => {
      const response = await harness.http.get('/health/ready');

      expect(response.status, response.text).toBe(200);
      expect(response.body).toEqual({
        status: 'ready',
        database: {
          kind: harness.database.databaseUrl ? 'postgres' : 'pglite',
          reachable: true,
          writable: true,
          pendingMigrations: [],
        },
        graph: { circuit: { state: 'closed' } },
      });
    });
  });

  describe('GET /openapi.json', () => {
    let document: OpenApiDocument;
    beforeAll(async () => {
      const response = await harness.http.get('/openapi.json');
      if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}`);
      document = response.body as OpenApiDocument;
    });

    it('documents the v1 unassign route with its problem responses', () => {
      const operation = document.paths['/v1/autopilot-devices/{deviceId}/unassign-resource-account']?.post;

      expect(operation).toBeDefined();
      expect(Object.keys(operation.responses)).toEqual(
        expect.arrayContaining([
          '200',
          '400',
          '401',
          '403',
          '404',
          '409',
          '413',
          '415',
          '422',
          '429',
          '502',
          '503',
          '504',
        ]),
      );
      expect(operation.responses['403'].content?.['application/problem+json']?.schema?.$ref).toBe(
        '#/components/schemas/ProblemDto',
      );
    });

    it('documents both Graph facade paths', () => {
      expect(document.paths[`${GRAPH_DEVICES}/{deviceId}/unassignResourceAccountFromDevice`]?.post).toBeDefined();
      expect(
        document.paths[
          `${GRAPH_DEVICES}/{profileDeviceId}/deploymentProfile/assignedDevices/{deviceId}/unassignResourceAccountFromDevice`
        ]?.post,
      ).toBeDefined();
    });

    it('documents GET /v1/attempts/{attemptId} and GET /v1/me', () => {
      expect(document.paths['/v1/attempts/{attemptId}']?.get).toBeDefined();
      expect(document.paths['/v1/me']?.get).toBeDefined();
    });

    it.each([
      ['/v1/audit/attempts', ['limit', 'cursor']],
      ['/v1/audit/attempts/export', ['format']],
      ['/v1/audit/summary', ['groupBy']],
    ])('documents %s with every filter and its answers', (path, own) => {
      const operation = document.paths[path]?.get;
      const filters = ['from', 'to', 'actor', 'deviceId', 'serialNumber', 'changeTicket', 'outcome', 'entryPoint'];

      expect(
        operation?.parameters
          ?.filter((parameter) => parameter.in === 'query')
          .map((parameter) => parameter.name)
          .sort(),
      ).toEqual([...filters, ...own].sort());
      expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403']);
      expect(operation.responses['400'].content?.['application/problem+json']?.schema?.$ref).toBe(
        '#/components/schemas/ProblemDto',
      );
    });

    it('documents the integrity report and the public key', () => {
      const integrity = document.paths['/v1/audit/integrity']?.get;

      expect(integrity?.parameters?.map((parameter) => parameter.name).sort()).toEqual(['from', 'to']);
      expect(Object.keys(integrity.responses).sort()).toEqual(['200', '400', '401', '403']);
      expect(Object.keys(document.paths['/v1/audit/public-key']?.get.responses ?? {}).sort()).toEqual([
        '200',
        '401',
        '403',
      ]);
      expect(document.components.schemas.IntegrityReportDto?.properties).toHaveProperty('firstBreak');
    });

    it('documents the ProblemDto schema with its stable code', () => {
      const problem = document.components.schemas.ProblemDto;

      expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
      expect(Object.keys(problem.properties)).toContain('attemptId');
      const codeRef =
        (problem.properties.code as { allOf?: { $ref: string }[]; $ref?: string }).allOf?.[0]?.$ref ??
        problem.properties.code.$ref;
      const codes = document.components.schemas[codeRef!.replace('#/components/schemas/', '')]?.enum;
      expect(codes).toEqual(expect.arrayContaining(ISSUE_PROBLEM_CODES));
    });
  });

  describe('GET /docs', () => {
    it('serves the Swagger UI as HTML', async () => {
      const response = await harness.http.get('/docs');

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toMatch(/swagger-ui/i);
    });
  });

  describe('an unknown route', () => {
    it('answers 404 problem+json NOT_FOUND', async () => {
      const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });

      const response = await harness.http.get('/v1/no-such-route').set('authorization', `Bearer ${token}`);

      expectProblem(response, 404, 'NOT_FOUND');
    });

    it('answers 404 problem+json NOT_FOUND without a token too', async () => {
      const response = await harness.http.post('/v2/autopilot-devices');

      expectProblem(response, 404, 'NOT_FOUND');
    });
  });
});
