import { ApiProperty } from '@nestjs/swagger';
import { ATTEMPT_OUTCOMES, ENTRY_POINTS } from './attempt';

const text = { type: String, nullable: true };
const int = { type: Number, nullable: true };
const json = { type: 'object', nullable: true, additionalProperties: true } as const;

/** An attempt as recorded (GET /v1/attempts/{attemptId}). */
export class AttemptDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) settledAt!: string | null;
  @ApiProperty({ enum: ATTEMPT_OUTCOMES, enumName: 'AttemptOutcome' }) outcome!: string;
  @ApiProperty({ ...int, description: 'The HTTP status the gate answered with.' }) httpStatus!: number | null;
  @ApiProperty({ ...text, description: 'The problem code the gate answered with.' }) errorCode!: string | null;
  @ApiProperty({ enum: ENTRY_POINTS }) entryPoint!: string;
  @ApiProperty({ description: 'Served by the simulated Graph tenant (development only).' }) simulated!: boolean;
  @ApiProperty() correlationId!: string;
  @ApiProperty(text) actorOid!: string | null;
  @ApiProperty(text) actorTenantId!: string | null;
  @ApiProperty(text) actorUpn!: string | null;
  @ApiProperty(text) actorAppId!: string | null;
  @ApiProperty({ enum: ['user', 'app'], nullable: true }) actorKind!: string | null;
  @ApiProperty({ type: [String] }) actorRoles!: string[];
  @ApiProperty(text) clientIp!: string | null;
  @ApiProperty(text) userAgent!: string | null;
  @ApiProperty(text) deviceId!: string | null;
  @ApiProperty({ ...json, description: 'The device as read from Graph before the action.' }) deviceSnapshot!: object | null;
  @ApiProperty(text) changeTicket!: string | null;
  @ApiProperty({ ...json, description: 'The change ticket as read when it was checked.' }) ticketSnapshot!: object | null;
  @ApiProperty(text) justification!: string | null;
  @ApiProperty() breakGlass!: boolean;
  @ApiProperty({ enum: ['allowed', 'denied'], nullable: true }) decision!: string | null;
  @ApiProperty(text) decisionReason!: string | null;
  @ApiProperty({ description: 'sha256 of the policy file in force.' }) policyVersion!: string;
  @ApiProperty(int) graphStatus!: number | null;
  @ApiProperty(text) graphErrorCode!: string | null;
  @ApiProperty(text) graphErrorMessage!: string | null;
  @ApiProperty(text) graphRequestId!: string | null;
  @ApiProperty(text) graphClientRequestId!: string | null;
  @ApiProperty(int) graphDurationMs!: number | null;
  @ApiProperty(int) durationMs!: number | null;
}
