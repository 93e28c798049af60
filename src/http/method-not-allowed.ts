import type { FastifyRequest } from 'fastify';
import { ProblemCode } from './problem-code';
import { ProblemError } from './problem.error';

/** The methods our routes use; Fastify adds HEAD to every GET route itself. */
const ROUTED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * For a request that matched no route: the methods its path does have (empty for an unknown path).
 * Asks the router itself, so parametrised paths count exactly as Fastify would match them.
 */
export function methodsAllowedFor(request: FastifyRequest): string[] {
  if (request.routeOptions.url !== undefined) return [];
  const url = request.url.split('?')[0];
  return ROUTED_METHODS.filter(
    (method) => method !== request.method && request.server.findRoute({ method, url }) !== null,
  );
}

export function methodNotAllowed(method: string, allowedMethods: string[]): ProblemError {
  return new ProblemError(
    ProblemCode.MethodNotAllowed,
    `${method} is not allowed on this path; it answers ${allowedMethods.join(', ')}.`,
    { allowedMethods },
  );
}
