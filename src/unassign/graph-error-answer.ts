import { ProblemCode } from '../http/problem-code';
import type { ProblemError } from '../http/problem.error';
import type { GraphAnswerIds } from './graph-facade-ids';

export const GRAPH_ERROR_CODES: Partial<Record<ProblemCode, string>> = {
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

/** The facade's error body, as Graph shapes its own: {error: {code, message, innerError}}, plus our code and attemptId. */
export function graphErrorBody(problem: ProblemError, ids: GraphAnswerIds, answeredAt: Date): Record<string, unknown> {
  return {
    error: {
      code: GRAPH_ERROR_CODES[problem.code] ?? 'InternalServerError',
      message: problem.detail,
      innerError: {
        date: graphDate(answeredAt),
        ...ids,
        gateCode: problem.code,
        ...(problem.extensions.attemptId ? { attemptId: problem.extensions.attemptId } : {}),
        ...(problem.extensions.reasons ? { reasons: problem.extensions.reasons } : {}),
      },
    },
  };
}
