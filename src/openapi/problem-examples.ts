import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';

export const EXAMPLE_ATTEMPT_ID = '3f2b8c1e-6d4a-4e7b-9a10-2c5d7e9f0a11';
export const EXAMPLE_DEVICE_ID = '5a1c1d5e-0000-4000-8000-000000000001';
export const EXAMPLE_REQUEST_ID = 'req-7Hq2mZ0kP4sT9vWx';
const GRAPH = {
  status: 503,
  requestId: 'b0d1e2f3-0000-4000-8000-00000000a001',
  clientRequestId: 'c0d1e2f3-0000-4000-8000-00000000b002',
};
const attempt = (outcome: string) => ({ attemptId: EXAMPLE_ATTEMPT_ID, outcome });

/** One realistic refusal per code, as the gate raises it, for the OpenAPI examples. */
export const PROBLEM_EXAMPLES: Record<ProblemCode, ProblemError> = {
  [ProblemCode.InvalidRequest]: new ProblemError(
    ProblemCode.InvalidRequest,
    'changeTicket: must match ^CHG[0-9]{7,}$',
    {
      errors: [{ path: 'changeTicket', message: 'must match ^CHG[0-9]{7,}$' }],
      ...attempt('invalid_request'),
    },
  ),
  [ProblemCode.Unauthenticated]: new ProblemError(ProblemCode.Unauthenticated, 'The token has expired.', {
    reason: 'expired',
  }),
  [ProblemCode.PolicyDenied]: new ProblemError(
    ProblemCode.PolicyDenied,
    'The policy does not allow you to unassign this device.',
    attempt('policy_denied'),
  ),
  [ProblemCode.DeviceNotFound]: new ProblemError(
    ProblemCode.DeviceNotFound,
    `No Autopilot device ${EXAMPLE_DEVICE_ID} in the tenant.`,
    attempt('device_not_found'),
  ),
  [ProblemCode.AttemptNotFound]: new ProblemError(
    ProblemCode.AttemptNotFound,
    `No attempt ${EXAMPLE_ATTEMPT_ID} is visible to you.`,
  ),
  [ProblemCode.ChangeTicketNotFound]: new ProblemError(
    ProblemCode.ChangeTicketNotFound,
    'No local change ticket CHG0001234 is visible to you.',
  ),
  [ProblemCode.NotFound]: new ProblemError(ProblemCode.NotFound, 'No route matches this method and path.'),
  [ProblemCode.MethodNotAllowed]: new ProblemError(ProblemCode.MethodNotAllowed, 'The request was refused.'),
  [ProblemCode.NothingToUnassign]: new ProblemError(
    ProblemCode.NothingToUnassign,
    `Device ${EXAMPLE_DEVICE_ID} has no resource account; nothing was forwarded.`,
    {
      lastSucceeded: { attemptId: '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4', at: '2026-11-30T09:12:44.120Z' },
      ...attempt('nothing_to_unassign'),
    },
  ),
  [ProblemCode.AmbiguousDevice]: new ProblemError(
    ProblemCode.AmbiguousDevice,
    '2 Autopilot devices have the serial number SIM-MTR-0001; address one by its id.',
    {
      candidates: [EXAMPLE_DEVICE_ID, '5a1c1d5e-0000-4000-8000-000000000002'],
      ...attempt('ambiguous_device'),
    },
  ),
  [ProblemCode.IdempotencyConflict]: new ProblemError(
    ProblemCode.IdempotencyConflict,
    'This Idempotency-Key was used for another request; use a new key for a new request.',
    {
      attemptIdOfKey: '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4',
      ...attempt('request_conflict'),
    },
  ),
  [ProblemCode.RequestInProgress]: new ProblemError(
    ProblemCode.RequestInProgress,
    'Another request for this device is in flight; retry once it has settled. Nothing was forwarded.',
    {
      retryAfterSeconds: 2,
      ...attempt('request_conflict'),
    },
  ),
  [ProblemCode.PayloadTooLarge]: new ProblemError(
    ProblemCode.PayloadTooLarge,
    'The body exceeds 16384 bytes.',
    attempt('invalid_request'),
  ),
  [ProblemCode.UnsupportedMediaType]: new ProblemError(
    ProblemCode.UnsupportedMediaType,
    'Send the body as application/json.',
    attempt('invalid_request'),
  ),
  [ProblemCode.ChangeTicketRejected]: new ProblemError(
    ProblemCode.ChangeTicketRejected,
    'The change ticket CHG0001234 does not allow this action.',
    {
      reasons: [
        { code: 'TICKET_AFTER_WINDOW', detail: 'The change window of CHG0001234 ended at 2026-11-30T18:00:00.000Z.' },
      ],
      ...attempt('ticket_rejected'),
    },
  ),
  [ProblemCode.RateLimited]: new ProblemError(
    ProblemCode.RateLimited,
    'Too many requests from you; retry in 12 s. Nothing was forwarded.',
    {
      reason: 'caller_limit',
      retryAfterSeconds: 12,
      ...attempt('rate_limited'),
    },
  ),
  [ProblemCode.GraphError]: new ProblemError(
    ProblemCode.GraphError,
    'Microsoft Graph refused the request (400 BadRequest).',
    {
      graph: { ...GRAPH, status: 400, code: 'BadRequest' },
      ...attempt('graph_failed'),
    },
  ),
  [ProblemCode.AuditUnavailable]: new ProblemError(
    ProblemCode.AuditUnavailable,
    'The attempt could not be recorded, so nothing was forwarded to Microsoft Graph.',
  ),
  [ProblemCode.GraphUnavailable]: new ProblemError(ProblemCode.GraphUnavailable, 'Microsoft Graph is unavailable.', {
    graph: GRAPH,
    retryAfterSeconds: 30,
    ...attempt('graph_unavailable'),
  }),
  [ProblemCode.TicketProviderUnavailable]: new ProblemError(
    ProblemCode.TicketProviderUnavailable,
    'The change ticket system could not be reached; nothing was forwarded.',
    attempt('ticket_unavailable'),
  ),
  [ProblemCode.GraphTimeout]: new ProblemError(
    ProblemCode.GraphTimeout,
    'Microsoft Graph did not answer in time; check the device before retrying.',
    {
      graph: { clientRequestId: GRAPH.clientRequestId },
      ...attempt('graph_timeout'),
    },
  ),
  [ProblemCode.InternalError]: new ProblemError(
    ProblemCode.InternalError,
    'An unexpected error occurred.',
    attempt('internal_error'),
  ),
};
