/** Stable problem codes: clients branch on these, never on `detail`. */
export enum ProblemCode {
  InvalidRequest = 'INVALID_REQUEST',
  Unauthenticated = 'UNAUTHENTICATED',
  PolicyDenied = 'POLICY_DENIED',
  DeviceNotFound = 'DEVICE_NOT_FOUND',
  AttemptNotFound = 'ATTEMPT_NOT_FOUND',
  ChangeTicketNotFound = 'CHANGE_TICKET_NOT_FOUND',
  NotFound = 'NOT_FOUND',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  NothingToUnassign = 'NOTHING_TO_UNASSIGN',
  AmbiguousDevice = 'AMBIGUOUS_DEVICE',
  IdempotencyConflict = 'IDEMPOTENCY_CONFLICT',
  RequestInProgress = 'REQUEST_IN_PROGRESS',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  ChangeTicketRejected = 'CHANGE_TICKET_REJECTED',
  RateLimited = 'RATE_LIMITED',
  GraphError = 'GRAPH_ERROR',
  AuditUnavailable = 'AUDIT_UNAVAILABLE',
  GraphUnavailable = 'GRAPH_UNAVAILABLE',
  TicketProviderUnavailable = 'TICKET_PROVIDER_UNAVAILABLE',
  GraphTimeout = 'GRAPH_TIMEOUT',
  InternalError = 'INTERNAL_ERROR',
}

interface ProblemType {
  status: number;
  title: string;
}

export const PROBLEM_TYPES: Record<ProblemCode, ProblemType> = {
  [ProblemCode.InvalidRequest]: { status: 400, title: 'The request is invalid' },
  [ProblemCode.Unauthenticated]: { status: 401, title: 'The caller could not be authenticated' },
  [ProblemCode.PolicyDenied]: { status: 403, title: 'The policy does not allow this action' },
  [ProblemCode.DeviceNotFound]: { status: 404, title: 'The Autopilot device does not exist' },
  [ProblemCode.AttemptNotFound]: { status: 404, title: 'No such attempt is visible to the caller' },
  [ProblemCode.ChangeTicketNotFound]: { status: 404, title: 'No such change ticket' },
  [ProblemCode.NotFound]: { status: 404, title: 'Not Found' },
  [ProblemCode.MethodNotAllowed]: { status: 405, title: 'Method Not Allowed' },
  [ProblemCode.NothingToUnassign]: { status: 409, title: 'The device has no resource account to unassign' },
  [ProblemCode.AmbiguousDevice]: { status: 409, title: 'The serial number names more than one device' },
  [ProblemCode.IdempotencyConflict]: { status: 409, title: 'The Idempotency-Key was used for another request' },
  [ProblemCode.RequestInProgress]: {
    status: 409,
    title: 'The same request, or one for the same device, is still in flight',
  },
  [ProblemCode.PayloadTooLarge]: { status: 413, title: 'The request body is too large' },
  [ProblemCode.UnsupportedMediaType]: { status: 415, title: 'The request body must be JSON' },
  [ProblemCode.ChangeTicketRejected]: { status: 422, title: 'The change ticket does not allow this action' },
  [ProblemCode.RateLimited]: { status: 429, title: 'Too many requests; retry later' },
  [ProblemCode.GraphError]: { status: 502, title: 'Microsoft Graph refused or failed the request' },
  [ProblemCode.AuditUnavailable]: { status: 503, title: 'The attempt could not be recorded; nothing was forwarded' },
  [ProblemCode.GraphUnavailable]: { status: 503, title: 'Microsoft Graph is unavailable' },
  [ProblemCode.TicketProviderUnavailable]: { status: 503, title: 'The change ticket could not be checked' },
  [ProblemCode.GraphTimeout]: { status: 504, title: 'Microsoft Graph did not answer in time' },
  [ProblemCode.InternalError]: { status: 500, title: 'Internal Server Error' },
};

export const PROBLEM_TYPE_BASE_URI = 'https://autopilot-gate.dev/problems/';

export function problemTypeUri(code: ProblemCode): string {
  return `${PROBLEM_TYPE_BASE_URI}${code.toLowerCase().replace(/_/g, '-')}`;
}
