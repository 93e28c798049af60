import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';
import { freeText as text } from '../../http/text-input';

// Postgres has no year 0 and JavaScript dates go far beyond 9999: a window is between these years or it is a typo.
const instant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .refine(
    (date) => date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999,
    'must be between the years 1970 and 9999',
  );

export const localTicketInputSchema = z
  .object({
    state: text(40).pipe(z.string().min(1)),
    approval: text(40).pipe(z.string().min(1)),
    plannedStart: instant,
    plannedEnd: instant,
    affectedCis: z
      .array(text(200).pipe(z.string().min(1)))
      .max(1000)
      .default([]),
    shortDescription: text(1000).optional(),
  })
  .strict()
  .refine((ticket) => ticket.plannedEnd > ticket.plannedStart, {
    message: 'plannedEnd must be after plannedStart',
    path: ['plannedEnd'],
  });

export class LocalChangeTicketInputDto {
  @ApiProperty({
    example: 'Implement',
    description: 'State label, compared with changeTickets.acceptStates of the policy.',
  })
  state!: string;
  @ApiProperty({ example: 'approved', description: 'ServiceNow-style approval value.' }) approval!: string;
  @ApiProperty({ format: 'date-time', description: 'Between the years 1970 and 9999.' }) plannedStart!: string;
  @ApiProperty({ format: 'date-time', description: 'After plannedStart, before the year 10000.' }) plannedEnd!: string;
  @ApiPropertyOptional({ type: [String], description: 'Affected CIs: device serial numbers or display names.' })
  affectedCis?: string[];
  @ApiPropertyOptional() shortDescription?: string;
}

export class LocalChangeTicketDto extends LocalChangeTicketInputDto {
  @ApiProperty({ example: 'CHG0001234' }) number!: string;
  @ApiProperty({ enum: ['local'] }) source!: 'local';
  @ApiPropertyOptional({
    type: [String],
    description:
      'Everyone who has written the ticket (tenant/oid); none of them may use it where separation of duties applies.',
  })
  writtenBy?: string[];
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Work notes: one per forwarded attempt checked against the ticket ({attemptId, writtenAt, body}).',
  })
  workNotes?: object[];
}

export const LOCAL_TICKET_INPUT_EXAMPLE = {
  state: 'Implement',
  approval: 'approved',
  plannedStart: '2026-12-03T08:00:00.000Z',
  plannedEnd: '2026-12-03T18:00:00.000Z',
  affectedCis: ['SIM-MTR-0001'],
  shortDescription: 'Re-assign the room account of ROOM-EU-01',
};

export const LOCAL_TICKET_SAVED_EXAMPLE = {
  number: 'CHG0001234',
  source: 'local',
  ...LOCAL_TICKET_INPUT_EXAMPLE,
  writtenBy: ['99999999-aaaa-4bbb-8ccc-000000000099/22222222-aaaa-4bbb-8ccc-000000000022'],
};

export const LOCAL_TICKET_EXAMPLE = {
  ...LOCAL_TICKET_SAVED_EXAMPLE,
  workNotes: [
    {
      attemptId: '3f2b8c1e-6d4a-4e7b-9a10-2c5d7e9f0a11',
      writtenAt: '2026-12-03T14:32:48.871Z',
      body: 'autopilot-gate: unassigned the resource account of ROOM-EU-01 (SIM-MTR-0001); outcome succeeded; attempt 3f2b8c1e-6d4a-4e7b-9a10-2c5d7e9f0a11.',
    },
  ],
};
