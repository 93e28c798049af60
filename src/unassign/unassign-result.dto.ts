import { ApiProperty } from '@nestjs/swagger';

class GraphExchangeDto {
  @ApiProperty({ example: 204 }) status!: number;
  @ApiProperty({ nullable: true, type: String, description: "Graph's request-id response header." }) requestId!: string | null;
  @ApiProperty({ description: 'The client-request-id the gate sent (Intune logs it as the Activity ID).' }) clientRequestId!: string;
}

export class UnassignResultDto {
  @ApiProperty({ format: 'uuid' }) attemptId!: string;
  @ApiProperty({ enum: ['succeeded'] }) outcome!: 'succeeded';
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty({ nullable: true, type: String, example: 'CHG0001234' }) changeTicket!: string | null;
  @ApiProperty({ description: 'True when the caller bypassed the change ticket check (break-glass).' }) breakGlass!: boolean;
  @ApiProperty({ description: 'True when the simulated Graph tenant served the call (development only).' }) simulated!: boolean;
  @ApiProperty({ type: GraphExchangeDto }) graph!: GraphExchangeDto;
}

export class UnassignBodyDto {
  @ApiProperty({ example: 'CHG0001234', required: false, description: 'Change ticket number (TICKET_PATTERN). Required unless the caller may bypass ChangeTicket (break-glass).' })
  changeTicket?: string;
  @ApiProperty({ minLength: 10, maxLength: 1000, example: 'Room moved to building B; account re-assigned by INC0012345.' })
  justification!: string;
}
