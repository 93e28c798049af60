import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';

export const localTicketInputSchema = z
  .object({
    state: z.string().min(1).max(40),
    approval: z.string().min(1).max(40),
    plannedStart: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
    plannedEnd: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
    affectedCis: z.array(z.string().min(1).max(200)).max(1000).default([]),
    shortDescription: z.string().max(1000).optional(),
  })
  .strict()
  .refine((ticket) => ticket.plannedEnd > ticket.plannedStart, { message: 'plannedEnd must be after plannedStart', path: ['plannedEnd'] });

export class LocalChangeTicketInputDto {
  @ApiProperty({ example: 'Implement', description: 'State label, compared with changeTickets.acceptStates of the policy.' }) state!: string;
  @ApiProperty({ example: 'approved', description: 'ServiceNow-style approval value.' }) approval!: string;
  @ApiProperty({ format: 'date-time' }) plannedStart!: string;
  @ApiProperty({ format: 'date-time' }) plannedEnd!: string;
  @ApiPropertyOptional({ type: [String], description: 'Affected CIs: device serial numbers or display names.' }) affectedCis?: string[];
  @ApiPropertyOptional() shortDescription?: string;
}

export class LocalChangeTicketDto extends LocalChangeTicketInputDto {
  @ApiProperty({ example: 'CHG0001234' }) number!: string;
  @ApiProperty({ enum: ['local'] }) source!: 'local';
}
