import type { GraphTry } from '../graph/graph-client';

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
  'ticket_unavailable',
  'internal_error',
  'replayed',
  'request_conflict',
  'previewed',
  'ambiguous_device',
] as const;

export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];
export type TerminalOutcome = Exclude<AttemptOutcome, 'in_flight'>;

/**
 * Which door the request came through: our v1 contract by device id or by serial number, the Graph-compatible facade,
 * or a preview (every check, nothing forwarded) by id or by serial.
 */
export const ENTRY_POINTS = ['v1', 'v1-by-serial', 'graph-facade', 'preview', 'preview-by-serial'] as const;
export type EntryPoint = (typeof ENTRY_POINTS)[number];

/** What each door answers on success: our JSON result, or Graph's own empty 204. */
export const SUCCESS_STATUS: Record<EntryPoint, number> = {
  v1: 200,
  'v1-by-serial': 200,
  'graph-facade': 204,
  preview: 200,
  'preview-by-serial': 200,
};

/** Every field of an attempt record, in the order the record lists them: what policy `fields` and conditions may name. */
export const ATTEMPT_FIELDS = [
  'id',
  'receivedAt',
  'settledAt',
  'outcome',
  'httpStatus',
  'errorCode',
  'entryPoint',
  'simulated',
  'correlationId',
  'actorOid',
  'actorTenantId',
  'actorUpn',
  'actorAppId',
  'actorKind',
  'actorRoles',
  'clientIp',
  'userAgent',
  'deviceId',
  'deviceSnapshot',
  'changeTicket',
  'ticketSnapshot',
  'justification',
  'breakGlass',
  'decision',
  'decisionReason',
  'policyVersion',
  'graphStatus',
  'graphErrorCode',
  'graphErrorMessage',
  'graphRequestId',
  'graphClientRequestId',
  'graphDurationMs',
  'durationMs',
  'idempotencyKey',
  'replayOf',
  'reconciled',
  'graphTries',
  'answer',
  'serialNumber',
] as const satisfies readonly (keyof AttemptRecord)[];

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
  /** The serial number the caller named, when it addressed the device by serial. */
  serialNumber: string | null;
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

  idempotencyKey: string | null;
  /** For a `replayed` attempt: the attempt whose answer it repeated. */
  replayOf: string | null;
  /** The unassign's answer was lost, and a read of the device showed the account gone. */
  reconciled: boolean;
  graphTries: GraphTry[] | null;
  /** What a refusal answered besides status and code: its detail and extensions, so a replay answers the same. */
  answer: Record<string, unknown> | null;
}
