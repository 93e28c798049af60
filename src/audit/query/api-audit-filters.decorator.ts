import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { ATTEMPT_OUTCOMES, ENTRY_POINTS } from '../../attempts/attempt';

const instant = {
  type: 'string',
  description: 'ISO 8601 date-time with offset, or a date (its UTC midnight)',
  example: '2026-11-01T00:00:00Z',
};

/** Documents the filters every report shares (audit-filters.ts); each narrows the caller's read scope further. */
export function ApiAuditFilters() {
  return applyDecorators(
    ApiQuery({
      name: 'from',
      required: false,
      schema: instant,
      description: 'Attempts received at or after this instant.',
    }),
    ApiQuery({ name: 'to', required: false, schema: instant, description: 'Attempts received before this instant.' }),
    ApiQuery({
      name: 'actor',
      required: false,
      schema: { type: 'string', maxLength: 320 },
      description: "The caller's object id, UPN or client app id.",
    }),
    ApiQuery({
      name: 'deviceId',
      required: false,
      schema: { type: 'string', maxLength: 100 },
      description: 'The Autopilot device id.',
    }),
    ApiQuery({
      name: 'serialNumber',
      required: false,
      schema: { type: 'string', maxLength: 200 },
      description: "The device's serial number, as read from Graph before the action.",
    }),
    ApiQuery({
      name: 'changeTicket',
      required: false,
      schema: { type: 'string', maxLength: 100 },
      description: 'The change ticket number, e.g. CHG0012345.',
    }),
    ApiQuery({
      name: 'outcome',
      required: false,
      isArray: true,
      enum: ATTEMPT_OUTCOMES,
      enumName: 'AttemptOutcome',
      description: 'Repeat for several outcomes (`?outcome=policy_denied&outcome=ticket_rejected`).',
    }),
    ApiQuery({
      name: 'entryPoint',
      required: false,
      isArray: true,
      enum: ENTRY_POINTS,
      description: 'Which door the request came through; repeatable.',
    }),
  );
}
