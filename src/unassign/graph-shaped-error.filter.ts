import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemCode } from '../http/problem-code';
import { problemFromError } from '../http/problem-from-error';
import { answeringCorrelationId, setProblemHeaders } from '../http/problem-response';
import { graphAnswerIds, setGraphAnswerIds } from './graph-facade-ids';

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
    const ids = graphAnswerIds(request, problem.extensions.graph, answeringCorrelationId(problem, request));
    setProblemHeaders(reply, problem);
    setGraphAnswerIds(reply, ids);
    void reply
      .status(problem.status)
      .type('application/json')
      .send({
        error: {
          code: GRAPH_CODES[problem.code] ?? 'InternalServerError',
          message: problem.detail,
          innerError: {
            date: graphDate(problem.replay?.answeredAt ?? new Date()),
            ...ids,
            gateCode: problem.code,
            ...(problem.extensions.attemptId ? { attemptId: problem.extensions.attemptId } : {}),
            ...(problem.extensions.reasons ? { reasons: problem.extensions.reasons } : {}),
          },
        },
      });
  }
}
