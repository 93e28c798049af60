export const ATTEMPT_OUTCOMES = [
  'in_flight',
  'succeeded',
  'invalid_request',
  'unauthenticated',
  'policy_denied',
  'device_not_found',
  'nothing_to_unassign',
  'ticket_rejected',
  'rate_limited',
  'graph_failed',
  'graph_unavailable',
  'graph_timeout',
  'unknown',
] as const;

export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];
export type TerminalOutcome = Exclude<AttemptOutcome, 'in_flight'>;

/** Which door the request came through: our v1 contract or the Graph-compatible facade. */
export const ENTRY_POINTS = ['v1', 'graph-facade'] as const;
export type EntryPoint = (typeof ENTRY_POINTS)[number];

/** What each door answers on success: our JSON result, or Graph's own empty 204. */
export const SUCCESS_STATUS: Record<EntryPoint, number> = { v1: 200, 'graph-facade': 204 };

/** One request to unassign, as recorded: who, what, why, the decision, what Graph said, and when. */
export interface AttemptRecord {
  id: string;
  receivedAt: Date;
  settledAt: Date | null;
  outcome: AttemptOutcome;
  httpStatus: number | null;
  errorCode: string | null;
  entryPoint: EntryPoint;
  simulated: boolean;
  correlationId: string;

  actorOid: string | null;
  actorTenantId: string | null;
  actorUpn: string | null;
  actorAppId: string | null;
  actorKind: 'user' | 'app' | null;
  actorRoles: string[];
  clientIp: string | null;
  userAgent: string | null;

  deviceId: string | null;
  deviceSnapshot: Record<string, unknown> | null;

  changeTicket: string | null;
  ticketSnapshot: Record<string, unknown> | null;
  justification: string | null;
  breakGlass: boolean;

  decision: 'allowed' | 'denied' | null;
  decisionReason: string | null;
  policyVersion: string;

  graphStatus: number | null;
  graphErrorCode: string | null;
  graphErrorMessage: string | null;
  graphRequestId: string | null;
  graphClientRequestId: string | null;
  graphDurationMs: number | null;
  durationMs: number | null;
}
