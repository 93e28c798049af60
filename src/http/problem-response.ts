import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_TYPES, problemTypeUri } from './problem-code';
import { type ProblemError } from './problem.error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 body: the standard members, our stable `code`, the correlation id and the problem's extensions. */
export function problemBody(problem: ProblemError, correlationId: string): Record<string, unknown> {
  return {
    type: problemTypeUri(problem.code),
    title: PROBLEM_TYPES[problem.code].title,
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    instance: `urn:uuid:${correlationId}`,
    correlationId,
    ...problem.extensions,
  };
}

/** The headers a problem implies whatever the body's shape: Retry-After for throttling, the 401 challenge, Allow for a 405, a replay. */
export function setProblemHeaders(reply: FastifyReply, problem: ProblemError): void {
  const retryAfter = problem.extensions.retryAfterSeconds;
  if (retryAfter !== undefined) void reply.header('retry-after', String(Math.ceil(retryAfter)));
  if (problem.status === 401) void reply.header('www-authenticate', 'Bearer');
  const allowedMethods = problem.extensions.allowedMethods;
  if (Array.isArray(allowedMethods)) void reply.header('allow', allowedMethods.join(', '));
  if (problem.replay) void reply.header(IDEMPOTENT_REPLAYED, 'true');
}

/** Set on an answer repeated for an Idempotency-Key. */
export const IDEMPOTENT_REPLAYED = 'idempotent-replayed';

/** The correlation id a problem's body names: the first request's for a replay, this request's otherwise. */
export function answeringCorrelationId(problem: ProblemError, request: FastifyRequest): string {
  return problem.replay?.correlationId ?? request.id;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ProblemError): void {
  setProblemHeaders(reply, problem);
  void reply
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(problem, answeringCorrelationId(problem, request)));
}
