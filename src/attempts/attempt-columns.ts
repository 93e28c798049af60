import { storableValue } from '../database/storable';
import type { AttemptOutcome } from './attempt';
import type { AttemptDraft, AttemptSettlement } from './attempt-draft';

type Facts = AttemptDraft['facts'];
type TerminalColumns = AttemptSettlement & { settledAt: Date; durationMs: number };

/** Every column an insert writes, in order: the draft's facts plus the outcome columns. */
const INSERTED = [
  'id', 'receivedAt', 'outcome', 'httpStatus', 'errorCode', 'settledAt', 'durationMs',
  'entryPoint', 'correlationId', 'simulated', 'policyVersion', 'clientIp', 'userAgent', 'deviceId',
  'actorOid', 'actorTenantId', 'actorUpn', 'actorAppId', 'actorKind', 'actorRoles',
  'deviceSnapshot', 'changeTicket', 'ticketSnapshot', 'justification', 'breakGlass', 'decision', 'decisionReason',
  'graphStatus', 'graphErrorCode', 'graphErrorMessage', 'graphRequestId', 'graphClientRequestId', 'graphDurationMs',
] as const;

/** What a step may learn after the in-flight row is written: settle updates these and the outcome, nothing else. */
const LEARNT_IN_FLIGHT = [
  'deviceSnapshot', 'ticketSnapshot', 'breakGlass', 'decision', 'decisionReason',
  'graphStatus', 'graphErrorCode', 'graphErrorMessage', 'graphRequestId', 'graphClientRequestId', 'graphDurationMs',
] as const satisfies readonly (keyof Facts)[];
const TERMINAL = ['outcome', 'httpStatus', 'errorCode', 'settledAt', 'durationMs'] as const;

const CASTS: Record<string, string> = { id: '::uuid', outcome: '::"AttemptOutcome"', deviceSnapshot: '::jsonb', ticketSnapshot: '::jsonb' };
/** Columns are the fields' names in snake case: the @map of every field in schema.prisma (the schema test checks). */
const columnOf = (field: string) => `"${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}"`;
const placeholder = (field: string, index: number) => `$${index + 1}${CASTS[field] ?? ''}`;

export const INSERT_ATTEMPT = `INSERT INTO attempts (${INSERTED.map(columnOf).join(', ')}) VALUES (${INSERTED.map(placeholder).join(', ')})`;

const UPDATED = [...LEARNT_IN_FLIGHT, ...TERMINAL];
// Only an in-flight row moves: a settled attempt is never rewritten.
export const SETTLE_ATTEMPT =
  `UPDATE attempts SET ${UPDATED.map((field, index) => `${columnOf(field)} = ${placeholder(field, index)}`).join(', ')} ` +
  `WHERE id = $${UPDATED.length + 1}::uuid AND outcome = 'in_flight'`;

type Row = Record<(typeof INSERTED)[number], unknown>;

export function insertParameters(draft: AttemptDraft, outcome: Omit<Partial<TerminalColumns>, 'outcome'> & { outcome: AttemptOutcome }): unknown[] {
  const row: Row = { httpStatus: null, errorCode: null, settledAt: null, durationMs: null, ...draft.facts, ...outcome, id: draft.id, receivedAt: draft.receivedAt };
  return INSERTED.map((field) => parameter(field, row[field]));
}

export function settleParameters(draft: AttemptDraft, terminal: TerminalColumns): unknown[] {
  const values: Record<string, unknown> = { ...draft.facts, ...terminal };
  return [...UPDATED.map((field) => parameter(field, values[field])), draft.id];
}

/** Every value is made storable here, the one way into the row, so no field can make the write fail on its content. */
function parameter(field: string, value: unknown): unknown {
  const storable = storableValue(value);
  return CASTS[field] === '::jsonb' && storable !== null ? JSON.stringify(storable) : storable;
}
