import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ATTEMPT_OUTCOMES } from '../attempts/attempt';
import type { AuthenticationFailureReason } from '../auth/authentication-failure';
import type { UnavailableCause } from '../graph/graph-client';
import type { TicketRejectionCode } from '../tickets/ticket-rules';
import { ProblemCode } from './problem-code';

// Records keyed by the code's own types, so the compiler fails when a reason or rejection is added but not documented.
const TICKET_REJECTIONS: Record<TicketRejectionCode, true> = {
  TICKET_NOT_FOUND: true,
  TICKET_STATE_NOT_ACCEPTED: true,
  TICKET_NOT_APPROVED: true,
  TICKET_WINDOW_MISSING: true,
  TICKET_BEFORE_WINDOW: true,
  TICKET_AFTER_WINDOW: true,
  DEVICE_NOT_IN_TICKET: true,
  TICKET_WRITTEN_BY_REQUESTER: true,
};

type RateLimitReason = 'caller_limit' | 'ip_limit' | 'gate_pacing';
const REASONS: Record<AuthenticationFailureReason | RateLimitReason | UnavailableCause, true> = {
  missing_token: true,
  malformed_token: true,
  unsupported_algorithm: true,
  invalid_signature: true,
  expired: true,
  not_yet_valid: true,
  wrong_issuer: true,
  wrong_audience: true,
  tenant_not_allowed: true,
  missing_claims: true,
  keys_unavailable: true,
  caller_limit: true,
  ip_limit: true,
  gate_pacing: true,
  token_endpoint: true,
  connection: true,
  circuit_open: true,
};

class FieldErrorDto {
  @ApiProperty({
    description: 'The body field, query parameter, path parameter or header at fault.',
    example: 'changeTicket',
  })
  path!: string;
  @ApiProperty({ example: 'must match ^CHG[0-9]{7,}$' }) message!: string;
}

export class TicketRejectionDto {
  @ApiProperty({ enum: Object.keys(TICKET_REJECTIONS) }) code!: string;
  @ApiProperty({ example: 'The change ticket CHG0001234 is not approved.' }) detail!: string;
}

class GraphAnswerDto {
  @ApiPropertyOptional({ type: 'integer', description: "Graph's HTTP status; absent when no answer came." })
  status?: number;
  @ApiPropertyOptional({ description: "Graph's error code." }) code?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "Graph's request-id (what Microsoft support looks up).",
  })
  requestId?: string | null;
  @ApiPropertyOptional({ description: 'The client-request-id the gate sent to Graph.' }) clientRequestId?: string;
}

class LastSucceededDto {
  @ApiProperty({ format: 'uuid' }) attemptId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

/** OpenAPI description of the RFC 9457 body every v1 error has (problem-response.ts writes it). */
export class ProblemDto {
  @ApiProperty({ example: 'https://autopilot-gate.dev/problems/policy-denied' }) type!: string;
  @ApiProperty({ example: 'The policy does not allow this action' }) title!: string;
  @ApiProperty({ type: 'integer', example: 403 }) status!: number;
  @ApiProperty({ example: 'Your roles do not allow unassigning this device.' }) detail!: string;
  @ApiProperty({ enum: ProblemCode, enumName: 'ProblemCode' }) code!: ProblemCode;
  @ApiProperty({ example: 'urn:uuid:5f9d8c7b-0000-4000-8000-000000000002' }) instance!: string;
  @ApiProperty({ description: "The request's id (the x-request-id header); a replay names the first request's." })
  correlationId!: string;
  @ApiPropertyOptional({
    description: 'The attempt recorded for this request (unassign and preview routes).',
    format: 'uuid',
  })
  attemptId?: string;
  @ApiPropertyOptional({
    enum: ATTEMPT_OUTCOMES.filter((outcome) => outcome !== 'in_flight'),
    description: 'How the attempt ended (unassign routes).',
  })
  outcome?: string;
  @ApiPropertyOptional({
    enum: Object.keys(REASONS),
    description:
      'UNAUTHENTICATED: why the token was refused; RATE_LIMITED: whose limit; GRAPH_UNAVAILABLE: what failed.',
  })
  reason?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Every problem with the request (INVALID_REQUEST).' })
  errors?: FieldErrorDto[];
  @ApiPropertyOptional({
    type: [TicketRejectionDto],
    description: 'Every failed change-ticket check (CHANGE_TICKET_REJECTED).',
  })
  reasons?: TicketRejectionDto[];
  @ApiPropertyOptional({ type: GraphAnswerDto, description: 'What Microsoft Graph answered, when it was called.' })
  graph?: GraphAnswerDto;
  @ApiPropertyOptional({
    type: 'number',
    description: 'Seconds to wait before retrying (the Retry-After header has it rounded up).',
  })
  retryAfterSeconds?: number;
  @ApiPropertyOptional({
    type: LastSucceededDto,
    description: "NOTHING_TO_UNASSIGN: the device's last successful unassign, if any.",
  })
  lastSucceeded?: LastSucceededDto;
  @ApiPropertyOptional({
    type: [String],
    description: 'AMBIGUOUS_DEVICE: the ids of the devices with this serial number.',
  })
  candidates?: string[];
  @ApiPropertyOptional({ format: 'uuid', description: 'IDEMPOTENCY_CONFLICT: the attempt that holds the key.' })
  attemptIdOfKey?: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'METHOD_NOT_ALLOWED: the methods the path answers (also in the Allow header).',
  })
  allowedMethods?: string[];
}
