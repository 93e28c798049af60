import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ProblemCode } from './problem-code';

/** OpenAPI description of the RFC 9457 body every error has. */
export class ProblemDto {
  @ApiProperty({ example: 'https://autopilot-gate.dev/problems/policy-denied' }) type!: string;
  @ApiProperty({ example: 'The policy does not allow this action' }) title!: string;
  @ApiProperty({ example: 403 }) status!: number;
  @ApiProperty({ example: 'Your roles do not allow unassigning this device.' }) detail!: string;
  @ApiProperty({ enum: ProblemCode, enumName: 'ProblemCode' }) code!: ProblemCode;
  @ApiProperty({ example: 'urn:uuid:5f9d8c7b-0000-4000-8000-000000000002' }) instance!: string;
  @ApiProperty({ description: 'Correlation id of the request (also the x-request-id response header).' }) correlationId!: string;
  @ApiPropertyOptional({ description: 'The attempt recorded for this request (unassign routes).', format: 'uuid' }) attemptId?: string;
  @ApiPropertyOptional({ description: 'Every failed change-ticket check (CHANGE_TICKET_REJECTED).', type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, detail: { type: 'string' } } } })
  reasons?: { code: string; detail: string }[];
  @ApiPropertyOptional({ description: 'What Microsoft Graph answered (GRAPH_ERROR, RATE_LIMITED, ...).', type: 'object', additionalProperties: true })
  graph?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'Validation errors with their JSON path (INVALID_REQUEST).', type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } })
  errors?: { path: string; message: string }[];
}
