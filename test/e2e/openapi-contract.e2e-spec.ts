import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes, routeShape } from '../helpers/fastify-routes';
import { GateHarness } from '../helpers/gate-harness';
import { OpenApiSchemas } from '../helpers/openapi-schemas';
import { documentedOperations, examplesOf, servedOpenApi, type OpenApiDocument } from '../helpers/served-openapi';
import { aTeamsRoomIn, createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const TICKET_PATTERN = '^(CHG|RFC)[0-9]{7}$';
const V1_UNASSIGN = '/v1/autopilot-devices/{deviceId}/unassign-resource-account';
const FACADE = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';
const FACADE_UNASSIGN = `${FACADE}/{deviceId}/unassignResourceAccountFromDevice`;
// Served by @nestjs/swagger and @fastify/static, not by the API: not in the document on purpose.
const DOCUMENTATION_ROUTE = /^[A-Z]+ \/(docs|openapi\.json|openapi\.yaml)(\/|$)/;
const UNASSIGN_OPERATIONS = [
  'unassignResourceAccount',
  'unassignResourceAccountBySerial',
  'unassignResourceAccountFromDevice',
  'unassignResourceAccountFromAssignedDevice',
];

describe('OpenAPI contract', () => {
  let harness: GateHarness;
  let document: OpenApiDocument;
  let schemas: OpenApiSchemas;
  beforeAll(async () => {
    harness = await GateHarness.start({ env: { TICKET_PATTERN } });
    document = await servedOpenApi(harness);
    schemas = new OpenApiSchemas(document);
  });
  afterAll(() => harness?.close());

  const operations = () => documentedOperations(document);
  const responses = () =>
    operations().flatMap(({ method, path, operation }) =>
      Object.entries(operation.responses).map(([status, response]) => ({
        where: `${method} ${path} ${status}`,
        operation,
        status,
        response,
      })),
    );

  /** The answer is one the document describes: its status, its required headers, its media type and schema. */
  function expectAsDocumented(method: string, path: string, answer: Response): void {
    const documented = document.paths[path]?.[method]?.responses[String(answer.status)];
    expect(documented, `${method} ${path} does not document ${answer.status}: ${answer.text}`).toBeDefined();
    const missingHeaders = Object.entries(documented.headers ?? {}).filter(
      ([name, header]) => header.required && answer.headers[name.toLowerCase()] === undefined,
    );
    expect(missingHeaders.map(([name]) => name)).toEqual([]);
    if (answer.status === 204) return expect(documented.content).toBeUndefined();
    const media = documented.content?.[String(answer.headers['content-type']).split(';')[0]];
    expect(media, `${answer.headers['content-type']} is not documented for ${answer.status}`).toBeDefined();
    expect(schemas.problems(media!.schema!, answer.body)).toEqual([]);
    if (media!.schema!.$ref === '#/components/schemas/ProblemDto') {
      const documentedMembers = Object.keys(document.components.schemas.ProblemDto.properties as object);
      expect(Object.keys(answer.body as object).filter((member) => !documentedMembers.includes(member))).toEqual([]);
    }
  }

  it('documents every route the server registers, and no other', () => {
    const served = registeredRoutes(harness.gate.app.getHttpAdapter().getInstance())
      // Fastify answers HEAD for every GET route by itself.
      .filter((route) => !route.startsWith('HEAD ') && !DOCUMENTATION_ROUTE.test(route));
    const documented = operations().map(({ method, path }) => routeShape(method, path));

    expect([...new Set(served)].sort()).toEqual(documented.sort());
  });

  it('gives every operation a readable, unique operationId, a summary and a description', () => {
    const ids = operations().map(({ operation }) => operation.operationId);

    expect(ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(id ?? ''))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      operations()
        .filter(({ operation }) => !operation.summary || !operation.description)
        .map(({ operation }) => operation.operationId),
    ).toEqual([]);
    expect(ids).toEqual(expect.arrayContaining([...UNASSIGN_OPERATIONS, 'getAttempt', 'previewUnassign', 'getDevice']));
  });

  it('has an example for every request body and every answer with a body', () => {
    const bodies = operations().flatMap(({ method, path, operation }) =>
      Object.entries(operation.requestBody?.content ?? {}).map(([type, media]) => ({
        where: `${method} ${path} body ${type}`,
        media,
      })),
    );
    const answers = responses().flatMap(({ where, response }) =>
      Object.entries(response.content ?? {}).map(([type, media]) => ({ where: `${where} ${type}`, media })),
    );

    expect(bodies.length).toBeGreaterThan(0);
    expect(
      [...bodies, ...answers].filter(({ media }) => examplesOf(media).length === 0).map(({ where }) => where),
    ).toEqual([]);
  });

  it('validates every example against the schema it illustrates', () => {
    const media = [
      ...operations().flatMap(({ method, path, operation }) =>
        Object.values(operation.requestBody?.content ?? {}).map((body) => ({
          where: `${method} ${path} body`,
          media: body,
        })),
      ),
      ...responses().flatMap(({ where, response }) =>
        Object.values(response.content ?? {}).map((answer) => ({ where, media: answer })),
      ),
    ];
    const problems = media.flatMap(({ where, media: { schema, ...rest } }) =>
      examplesOf(rest).flatMap(([name, value]) =>
        schemas.problems(schema!, value).map((problem) => `${where} ${name}: ${problem}`),
      ),
    );

    expect(problems).toEqual([]);
  });

  it('documents problem answers as ProblemDto, each example a valid ProblemDto naming its status', () => {
    const problemAnswers = responses().filter(({ response }) => response.content?.['application/problem+json']);
    const problems = problemAnswers.flatMap(({ where, status, response }) => {
      const media = response.content!['application/problem+json'];
      return [
        ...(media.schema?.$ref === '#/components/schemas/ProblemDto' ? [] : [`${where}: schema is not ProblemDto`]),
        ...examplesOf(media).flatMap(([name, value]) => [
          ...schemas
            .problems({ $ref: '#/components/schemas/ProblemDto' }, value)
            .map((problem) => `${where} ${name}: ${problem}`),
          ...((value as { status?: number }).status === Number(status) ? [] : [`${where} ${name}: another status`]),
        ]),
      ];
    });

    expect(problemAnswers.length).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });

  it("documents the facade's refusals in Graph's JSON error shape, with Graph's ids on every answer of its own", () => {
    // Fastify refuses a body over its limit before the facade's handler and filter: problem+json, no Graph ids.
    const facade = responses().filter(({ where, status }) => where.startsWith(`POST ${FACADE}`) && status !== '413');
    const refusals = facade.filter(({ status }) => Number(status) >= 400);

    expect(refusals.length).toBeGreaterThan(10);
    expect(
      refusals
        .filter(
          ({ response }) =>
            response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/GraphErrorDto',
        )
        .map(({ where }) => where),
    ).toEqual([]);
    expect(
      facade
        .filter(
          ({ response }) =>
            !response.headers?.['request-id']?.required || !response.headers['client-request-id']?.required,
        )
        .map(({ where }) => where),
    ).toEqual([]);
  });

  it("documents x-request-id on every answer, WWW-Authenticate on every 401, Retry-After on every 429, Idempotent-Replayed on the unassign routes' own answers", () => {
    const all = responses();
    const without = (header: string, among: typeof all) =>
      among.filter(({ response }) => !response.headers?.[header]).map(({ where }) => where);

    expect(without('x-request-id', all)).toEqual([]);
    expect(
      without(
        'WWW-Authenticate',
        all.filter(({ status }) => status === '401'),
      ),
    ).toEqual([]);
    expect(
      without(
        'Retry-After',
        all.filter(({ status }) => status === '429'),
      ),
    ).toEqual([]);
    const ownAnswers = all.filter(
      ({ operation, where, status }) =>
        UNASSIGN_OPERATIONS.includes(operation.operationId!) &&
        !(where.startsWith(`POST ${FACADE}`) && status === '413'),
    );
    expect(without('Idempotent-Replayed', ownAnswers)).toEqual([]);
  });

  it('describes the unassign body as strictly as the validator: no other field, the configured ticket pattern', () => {
    const body = document.components.schemas.UnassignBodyDto as {
      additionalProperties?: boolean;
      properties: Record<string, { pattern?: string }>;
    };

    expect(body.additionalProperties).toBe(false);
    expect(body.properties.changeTicket.pattern).toBe(TICKET_PATTERN);
  });

  describe('answers as documented', () => {
    it('a v1 unassign without a token', async () => {
      expectAsDocumented(
        'post',
        V1_UNASSIGN,
        await unassignV1(harness, '5a1c1d5e-0000-4000-8000-000000000001', undefined, {
          changeTicket: 'CHG0001234',
          justification: JUSTIFICATION,
        }),
      );
    });

    it('a v1 unassign with an unknown field and a ticket off the pattern', async () => {
      const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });

      const answer = await unassignV1(harness, '5a1c1d5e-0000-4000-8000-000000000001', token, {
        changeTicket: 'INC0001234',
        justification: JUSTIFICATION,
        urgent: true,
      });

      expect(answer.status).toBe(400);
      expectAsDocumented('post', V1_UNASSIGN, answer);
    });

    it('a v1 unassign refused for its change ticket', async () => {
      const device = aTeamsRoomIn(harness);
      const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });

      const answer = await unassignV1(harness, device.id, token, {
        changeTicket: 'CHG0000404',
        justification: JUSTIFICATION,
      });

      expect(answer.status).toBe(422);
      expectAsDocumented('post', V1_UNASSIGN, answer);
    });

    it('a v1 unassign that succeeds, and its attempt', async () => {
      const device = aTeamsRoomIn(harness);
      const ticket = await createLocalTicket(harness, { affectedCis: [device.serialNumber] }, 'CHG7654321');
      const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });

      const answer = await unassignV1(harness, device.id, token, {
        changeTicket: ticket,
        justification: JUSTIFICATION,
      });
      const attempt = await harness.http
        .get(`/v1/attempts/${answer.body.attemptId}`)
        .set('authorization', `Bearer ${token}`);

      expect(answer.status, answer.text).toBe(200);
      expectAsDocumented('post', V1_UNASSIGN, answer);
      expect(attempt.status).toBe(200);
      expectAsDocumented('get', '/v1/attempts/{attemptId}', attempt);
    });

    it('a facade unassign without a token', async () => {
      const answer = await harness.http.post(
        `${FACADE}/5a1c1d5e-0000-4000-8000-000000000001/unassignResourceAccountFromDevice`,
      );

      expectAsDocumented('post', FACADE_UNASSIGN, answer);
      // Graph was never called: request-id is the gate's own.
      expect(answer.headers['request-id']).toBe(answer.headers['x-request-id']);
    });

    it('a facade unassign that succeeds', async () => {
      const device = aTeamsRoomIn(harness);
      const ticket = await createLocalTicket(harness, { affectedCis: [device.serialNumber] }, 'RFC7654321');
      const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });

      const answer = await harness.http
        .post(`${FACADE}/${device.id}/unassignResourceAccountFromDevice`)
        .set('authorization', `Bearer ${token}`)
        .set('x-change-ticket', ticket)
        .set('x-justification', JUSTIFICATION);

      expect(answer.status, answer.text).toBe(204);
      expectAsDocumented('post', FACADE_UNASSIGN, answer);
    });

    it('a known path asked with a method it does not have: a ProblemDto, every member documented', async () => {
      const answer = await harness.http.put(
        '/v1/autopilot-devices/5a1c1d5e-0000-4000-8000-000000000001/unassign-resource-account',
      );

      expect(answer.status).toBe(405);
      const problem = document.components.schemas.ProblemDto;
      expect(schemas.problems(problem, answer.body)).toEqual([]);
      expect(
        Object.keys(answer.body as object).filter(
          (member) => !Object.keys(problem.properties as object).includes(member),
        ),
      ).toEqual([]);
    });
  });
});
