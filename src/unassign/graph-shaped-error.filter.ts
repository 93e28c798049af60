import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemCode } from '../http/problem-code';
import { problemFromError } from '../http/problem-from-error';
import { answeringCorrelationId, setProblemHeaders } from '../http/problem-response';

const GRAPH_CODES: Partial<Record<ProblemCode, string>> = {
  [ProblemCode.InvalidRequest]: 'BadRequest',
  [ProblemCode.Unauthenticated]: 'InvalidAuthenticationToken',
  [ProblemCode.PolicyDenied]: 'Forbidden',
  [ProblemCode.DeviceNotFound]: 'ResourceNotFound',
  [ProblemCode.NothingToUnassign]: 'Conflict',
  [ProblemCode.AmbiguousDevice]: 'Conflict',
  [ProblemCode.IdempotencyConflict]: 'Conflict',
  [ProblemCode.RequestInProgress]: 'Conflict',
  [ProblemCode.ChangeTicketRejected]: 'ChangeTicketRejected',
  [ProblemCode.RateLimited]: 'TooManyRequests',
  [ProblemCode.GraphError]: 'BadGateway',
  [ProblemCode.AuditUnavailable]: 'ServiceNotAvailable',
  [ProblemCode.GraphUnavailable]: 'ServiceNotAvailable',
  [ProblemCode.TicketProviderUnavailable]: 'ServiceNotAvailable',
  [ProblemCode.GraphTimeout]: 'GatewayTimeout',
};

/** Graph's own date format in innerError: ISO without a zone suffix. */
const graphDate = (at: Date) => at.toISOString().slice(0, 19);

/**
 * The facade answers errors the way Graph does, so scripts written against Graph keep working:
 * {error: {code, message, innerError: {request-id, client-request-id, date}}}, plus our code and attemptId.
 */
@Catch()
export class GraphShapedErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem } = problemFromError(error);
    const clientRequestId = clientRequestIdOf(request);
    const requestId = answeringCorrelationId(problem, request);
    setProblemHeaders(reply, problem);
    void reply
      .status(problem.status)
      .header('request-id', request.id)
      .header('client-request-id', clientRequestId)
      .type('application/json')
      .send({
        error: {
          code: GRAPH_CODES[problem.code] ?? 'InternalServerError',
          message: problem.detail,
          innerError: {
            date: graphDate(problem.replay?.answeredAt ?? new Date()),
            'request-id': requestId,
            'client-request-id': clientRequestId,
            gateCode: problem.code,
            ...(problem.extensions.attemptId ? { attemptId: problem.extensions.attemptId } : {}),
            ...(problem.extensions.reasons ? { reasons: problem.extensions.reasons } : {}),
          },
        },
      });
  }
}

export function clientRequestIdOf(request: FastifyRequest): string {
  const header = request.headers['client-request-id'];
  return typeof header === 'string' && /^[\w-]{1,100}$/.test(header) ? header : request.id;
}
