import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { HeaderObject } from '@nestjs/swagger';
import type { RefusalShape } from '../http/api-problem-responses.decorator';
import { ProblemCode } from '../http/problem-code';
import { TicketRejectionDto } from '../http/problem.dto';
import { IDEMPOTENT_REPLAYED_HEADER } from '../http/response-headers';
import { PROBLEM_EXAMPLES } from '../openapi/problem-examples';
import { GRAPH_ERROR_CODES, graphErrorBody } from './graph-error-answer';

class GraphInnerErrorDto {
  @ApiProperty({
    description: 'When the answer was given, as Graph writes it: UTC, ISO 8601 without a zone.',
    example: '2026-12-03T14:32:48',
  })
  date!: string;
  @ApiProperty({
    name: 'request-id',
    description: "Graph's own request-id when Graph answered during this request, else the gate's id.",
  })
  requestId!: string;
  @ApiProperty({
    name: 'client-request-id',
    description: "The client-request-id Graph was sent: the caller's own when it is a GUID, else the gate's id.",
  })
  clientRequestId!: string;
  @ApiProperty({
    enum: ProblemCode,
    enumName: 'ProblemCode',
    description: "The gate's stable code, as in the v1 problem's `code`.",
  })
  gateCode!: ProblemCode;
  @ApiPropertyOptional({ format: 'uuid', description: 'The attempt recorded for this request.' }) attemptId?: string;
  @ApiPropertyOptional({
    type: [TicketRejectionDto],
    description: 'Every failed change-ticket check (CHANGE_TICKET_REJECTED).',
  })
  reasons?: TicketRejectionDto[];
}

class GraphErrorDetailDto {
  @ApiProperty({
    enum: [...new Set(Object.values(GRAPH_ERROR_CODES)), 'InternalServerError'],
    description: "Graph's error code for this kind of refusal.",
  })
  code!: string;
  @ApiProperty({ description: 'What went wrong, for a person.' }) message!: string;
  @ApiProperty({ type: GraphInnerErrorDto }) innerError!: GraphInnerErrorDto;
}

/** The facade's error body, in Microsoft Graph's shape (graph-error-answer.ts writes it). */
export class GraphErrorDto {
  @ApiProperty({ type: GraphErrorDetailDto }) error!: GraphErrorDetailDto;
}

const EXAMPLE_GRAPH_IDS = {
  'request-id': 'b0d1e2f3-0000-4000-8000-00000000a001',
  'client-request-id': 'c0d1e2f3-0000-4000-8000-00000000b002',
};

/** The two ids on every facade answer, as Graph sends them. */
export const GRAPH_ANSWER_ID_HEADERS: Record<string, HeaderObject> = {
  'request-id': {
    description:
      "Graph's own request-id when Graph answered during this request (on a replay, the first request's), else the gate's id (also in x-request-id).",
    required: true,
    schema: { type: 'string', example: EXAMPLE_GRAPH_IDS['request-id'] },
  },
  'client-request-id': {
    description:
      "The client-request-id Graph was sent: the caller's own when it is a GUID (a Graph SDK sends one), else the gate's id.",
    required: true,
    schema: { type: 'string', example: EXAMPLE_GRAPH_IDS['client-request-id'] },
  },
};

export const GRAPH_ERROR_SHAPE: RefusalShape = {
  contentType: 'application/json',
  schemaName: GraphErrorDto.name,
  example: (code) => graphErrorBody(PROBLEM_EXAMPLES[code], EXAMPLE_GRAPH_IDS, new Date('2026-12-03T14:32:48Z')),
  headers: { ...GRAPH_ANSWER_ID_HEADERS, ...IDEMPOTENT_REPLAYED_HEADER },
};
