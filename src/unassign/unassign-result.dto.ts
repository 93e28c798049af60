import { ApiProperty } from '@nestjs/swagger';

class GraphExchangeDto {
  @ApiProperty({ type: 'integer', example: 204 }) status!: number;
  @ApiProperty({ nullable: true, type: String, description: "Graph's request-id response header." }) requestId!:
    string | null;
  @ApiProperty({ description: 'The client-request-id the gate sent (Intune logs it as the Activity ID).' })
  clientRequestId!: string;
}

export class UnassignResultDto {
  @ApiProperty({ format: 'uuid' }) attemptId!: string;
  @ApiProperty({ enum: ['succeeded'] }) outcome!: 'succeeded';
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty({ nullable: true, type: String, example: 'CHG0001234' }) changeTicket!: string | null;
  @ApiProperty({ description: 'True when the caller bypassed the change ticket check (break-glass).' })
  breakGlass!: boolean;
  @ApiProperty({ description: 'True when the simulated Graph tenant served the call (development only).' })
  simulated!: boolean;
  @ApiProperty({ type: GraphExchangeDto }) graph!: GraphExchangeDto;
}

/** The pattern comes from TICKET_PATTERN at start-up (openapi-document.ts); no other field is accepted (`.strict()`). */
export class UnassignBodyDto {
  @ApiProperty({
    example: 'CHG0001234',
    required: false,
    minLength: 1,
    maxLength: 100,
    description:
      'Change ticket number, matching TICKET_PATTERN. Required unless the caller may bypass ChangeTicket (break-glass).',
  })
  changeTicket?: string;
  @ApiProperty({
    minLength: 10,
    maxLength: 1000,
    description:
      'Why: at least 10 characters that show (surrounding blanks and invisible characters do not count), no control characters.',
    example: 'Room moved to building B; account re-assigned by INC0012345.',
  })
  justification!: string;
}

export const UNASSIGN_BODY_EXAMPLES = {
  withTicket: {
    summary: 'With a change ticket',
    value: {
      changeTicket: 'CHG0001234',
      justification: 'Room moved to building B; account re-assigned by INC0012345.',
    },
  },
  breakGlass: {
    summary: 'Break-glass (no ticket; only for callers who may bypass ChangeTicket)',
    value: { justification: 'P1 outage INC0099999: room account locked out during the board meeting.' },
  },
};

export const UNASSIGN_RESULT_EXAMPLE: UnassignResultDto = {
  attemptId: '3f2b8c1e-6d4a-4e7b-9a10-2c5d7e9f0a11',
  outcome: 'succeeded',
  deviceId: '5a1c1d5e-0000-4000-8000-000000000001',
  changeTicket: 'CHG0001234',
  breakGlass: false,
  simulated: false,
  graph: {
    status: 204,
    requestId: 'b0d1e2f3-0000-4000-8000-00000000a001',
    clientRequestId: 'c0d1e2f3-0000-4000-8000-00000000b002',
  },
};
