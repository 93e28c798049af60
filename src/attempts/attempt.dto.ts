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
  @ApiProperty({ ...text, description: 'The serial number the caller named, for requests by serial.' }) serialNumber!:
    string | null;
  @ApiProperty({ ...json, description: 'The device as read from Graph before the action.' }) deviceSnapshot!:
    object | null;
  @ApiProperty(text) changeTicket!: string | null;
  @ApiProperty({ ...json, description: 'The change ticket as read when it was checked.' }) ticketSnapshot!:
    object | null;
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
  @ApiProperty({ ...text, description: 'The Idempotency-Key the caller sent.' }) idempotencyKey!: string | null;
  @ApiProperty({
    ...text,
    format: 'uuid',
    description: 'For a replayed attempt: the attempt whose answer it repeated.',
  })
  replayOf!: string | null;
  @ApiProperty({
    description: "The unassign's answer was lost and a read of the device showed the resource account gone.",
  })
  reconciled!: boolean;
  @ApiProperty({
    type: 'array',
    nullable: true,
    description:
      'Every Graph try: operation (read, unassign, reconcile), result, status, request-id, client-request-id, the wait before it.',
    items: { type: 'object', additionalProperties: true },
  })
  graphTries!: object[] | null;
  @ApiProperty({
    ...json,
    description:
      'The detail and extensions a refusal answered with (a preview: its checks; a swept attempt: the sweeper and why).',
  })
  answer!: object | null;
  @ApiProperty({
    ...json,
    description:
      "The work note on the attempt's ServiceNow change: {state: pending|sending|sent|failed, tries, sentAt, lastError}; null when there is none.",
  })
  workNote!: object | null;
}

const DEVICE_ID = '5a1c1d5e-0000-4000-8000-000000000001';

export const ATTEMPT_EXAMPLE: AttemptDto = {
  id: '3f2b8c1e-6d4a-4e7b-9a10-2c5d7e9f0a11',
  receivedAt: '2026-12-03T14:32:48.120Z',
  settledAt: '2026-12-03T14:32:48.871Z',
  outcome: 'succeeded',
  httpStatus: 200,
  errorCode: null,
  entryPoint: 'v1',
  simulated: false,
  correlationId: 'req-7Hq2mZ0kP4sT9vWx',
  actorOid: '11111111-aaaa-4bbb-8ccc-000000000011',
  actorTenantId: '99999999-aaaa-4bbb-8ccc-000000000099',
  actorUpn: 'alex@contoso.example',
  actorAppId: null,
  actorKind: 'user',
  actorRoles: ['Autopilot.ResourceAccount.Unassign'],
  clientIp: '10.20.30.40',
  userAgent: 'curl/8.11.1',
  deviceId: DEVICE_ID,
  serialNumber: null,
  deviceSnapshot: {
    id: DEVICE_ID,
    serialNumber: 'SIM-MTR-0001',
    groupTag: 'MTR-EU',
    displayName: 'ROOM-EU-01',
    userPrincipalName: 'room-eu-01@contoso.example',
  },
  changeTicket: 'CHG0001234',
  ticketSnapshot: {
    number: 'CHG0001234',
    source: 'servicenow',
    state: 'Implement',
    approval: 'approved',
    plannedStart: '2026-12-03T08:00:00.000Z',
    plannedEnd: '2026-12-03T18:00:00.000Z',
    affectedCis: ['SIM-MTR-0001'],
  },
  justification: 'Room moved to building B; account re-assigned by INC0012345.',
  breakGlass: false,
  decision: 'allowed',
  decisionReason: 'allowed by policy',
  policyVersion: '4f1c0e0b7a3d2c9e8f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e',
  graphStatus: 204,
  graphErrorCode: null,
  graphErrorMessage: null,
  graphRequestId: 'b0d1e2f3-0000-4000-8000-00000000a001',
  graphClientRequestId: 'c0d1e2f3-0000-4000-8000-00000000b002',
  graphDurationMs: 412,
  durationMs: 751,
  idempotencyKey: null,
  replayOf: null,
  reconciled: false,
  graphTries: [
    {
      operation: 'read',
      result: 'ok',
      status: 200,
      requestId: 'b0d1e2f3-0000-4000-8000-00000000a000',
      clientRequestId: 'c0d1e2f3-0000-4000-8000-00000000b002',
      waitMs: 0,
      durationMs: 188,
    },
    {
      operation: 'unassign',
      result: 'ok',
      status: 204,
      requestId: 'b0d1e2f3-0000-4000-8000-00000000a001',
      clientRequestId: 'c0d1e2f3-0000-4000-8000-00000000b002',
      waitMs: 0,
      durationMs: 224,
    },
  ],
  answer: null,
  workNote: { state: 'sent', tries: 1, sentAt: '2026-12-03T14:32:49.310Z', lastError: null },
};
