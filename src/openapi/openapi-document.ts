import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config';
import { ProblemDto } from '../http/problem.dto';
import { REQUEST_ID_HEADER } from '../http/response-headers';

/** The document served at /openapi.json: what the decorators say, plus what only the running server knows. */
export function createOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('autopilot-gate')
      .setDescription(
        'Gate in front of Microsoft Graph unassignResourceAccountFromDevice. Errors are RFC 9457 application/problem+json ' +
          "with a stable `code`; on the Graph-compatible facade they are Graph's own JSON error shape. Every answer carries `x-request-id`.",
      )
      .setVersion('1')
      .addServer('/', 'This gate, as it serves this document')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'Entra ID access token for the gate',
      })
      .build(),
    { extraModels: [ProblemDto] },
  );
  // package.json's UNLICENSED: proprietary and unpublished, so there is no licence text at a URL to name.
  document.info.license = { name: 'Proprietary (UNLICENSED)' };
  addRequestIdHeader(document);
  describeBodyRules(document, config);
  collapseSingleAllOf(document);
  return document;
}

/** fastify-setup.ts sets x-request-id on every answer, errors and framework answers included. */
function addRequestIdHeader(document: OpenAPIObject): void {
  for (const operation of operations(document)) {
    for (const response of Object.values(operation.responses)) {
      if (response === undefined || '$ref' in response) continue;
      response.headers = { ...REQUEST_ID_HEADER, ...response.headers };
    }
  }
}

/** The validators are strict (zod `.strict()`) and the ticket pattern is configuration (TICKET_PATTERN). */
function describeBodyRules(document: OpenAPIObject, config: AppConfig): void {
  const schemas = document.components?.schemas as Record<string, SchemaObject>;
  // The local ticket routes exist only with TICKET_PROVIDER=local.
  for (const name of ['UnassignBodyDto', 'LocalChangeTicketInputDto'])
    if (schemas[name]) schemas[name].additionalProperties = false;
  const changeTicket = schemas.UnassignBodyDto.properties?.changeTicket as SchemaObject;
  changeTicket.pattern = config.tickets.pattern.source;
}

/** @nestjs/swagger wraps a named enum in a one-element allOf; a plain $ref says the same and lints clean. */
function collapseSingleAllOf(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const allOf = (value as { allOf?: unknown[] } | null)?.allOf;
    if (allOf?.length === 1 && Object.keys(value as object).length === 1)
      (node as Record<string, unknown>)[key] = allOf[0];
    collapseSingleAllOf((node as Record<string, unknown>)[key]);
  }
}

function operations(document: OpenAPIObject) {
  const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
  return Object.values(document.paths).flatMap((path) =>
    methods.map((method) => path[method]).filter((operation) => operation !== undefined),
  );
}
