import type { FastifyRequest } from 'fastify';
import type { UnassignResourceAccountCommand } from './unassign-resource-account.command';

type RequestPart = Pick<
  UnassignResourceAccountCommand,
  'authorization' | 'correlationId' | 'clientIp' | 'userAgent' | 'idempotencyKey'
>;

/** The parts of the command both entry points take the same way from the HTTP request. */
export function requestPart(request: FastifyRequest): RequestPart {
  return {
    authorization: request.headers.authorization,
    correlationId: request.id,
    clientIp: request.ip ?? null,
    userAgent: request.headers['user-agent'] ?? null,
    idempotencyKey: singleHeader(request.headers['idempotency-key']),
  };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
