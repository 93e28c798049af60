import { storableValue } from '../database/storable';
import type { AttemptOutcome } from './attempt';
import type { AttemptDraft, AttemptSettlement } from './attempt-draft';

type Facts = AttemptDraft['facts'];
type TerminalColumns = AttemptSettlement & { settledAt: Date; durationMs: number };

/** Every column an insert writes, in order: the draft's facts plus the outcome columns. */
const INSERTED = [
  'id',
  'receivedAt',
  'outcome',
  'httpStatus',
  'errorCode',
  'settledAt',
  'durationMs',
  'entryPoint',
  'correlationId',
  'simulated',
  'policyVersion',
  'clientIp',
  'userAgent',
  'deviceId',
  'actorOid',
  'actorTenantId',
  'actorUpn',
  'actorAppId',
  'actorKind',
  'actorRoles',
  'deviceSnapshot',
  'changeTicket',
  'ticketSnapshot',
  'justification',
  'breakGlass',
  'decision',
  'decisionReason',
  'graphStatus',
  'graphErrorCode',
  'graphErrorMessage',
  'graphRequestId',
  'graphClientRequestId',
  'graphDurationMs',
  'idempotencyKey',
  'replayOf',
  'reconciled',
  'graphTries',
  'answer',
  'serialNumber',
] as const;

/** What a step may learn after the in-flight row is written: settle updates these and the outcome, nothing else. */
const LEARNT_IN_FLIGHT = [
  'deviceSnapshot',
  'ticketSnapshot',
  'breakGlass',
  'decision',
  'decisionReason',
  'graphStatus',
  'graphErrorCode',
  'graphErrorMessage',
  'graphRequestId',
  'graphClientRequestId',
  'graphDurationMs',
  'reconciled',
  'graphTries',
  'answer',
] as const satisfies readonly (keyof Facts)[];
const TERMINAL = ['outcome', 'httpStatus', 'errorCode', 'settledAt', 'durationMs'] as const;

// Every column's type, so a parameter is typed even where Postgres cannot infer it (INSERT ... SELECT); text otherwise.
const CASTS: Record<string, string> = {
  id: '::uuid',
  replayOf: '::uuid',
  receivedAt: '::timestamptz',
  settledAt: '::timestamptz',
  outcome: '::"AttemptOutcome"',
  httpStatus: '::int',
  durationMs: '::int',
  graphStatus: '::int',
  graphDurationMs: '::int',
  simulated: '::boolean',
  breakGlass: '::boolean',
  reconciled: '::boolean',
  actorRoles: '::text[]',
  deviceSnapshot: '::jsonb',
  ticketSnapshot: '::jsonb',
  graphTries: '::jsonb',
  answer: '::jsonb',
};
/** Columns are the fields' names in snake case: the @map of every field in schema.prisma (the schema test checks). */
const columnOf = (field: string) => `"${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}"`;
const placeholder = (field: string, index: number) => `$${index + 1}${CASTS[field] ?? '::text'}`;

export const INSERT_ATTEMPT = `INSERT INTO attempts (${INSERTED.map(columnOf).join(', ')}) VALUES (${INSERTED.map(placeholder).join(', ')})`;

/** The outcomes after which nothing happened and a retry may succeed: their idempotency key is free again. */
export const KEY_RELEASING_OUTCOMES = [
  'rate_limited',
  'graph_unavailable',
  'graph_timeout',
  'ticket_unavailable',
  'internal_error',
] as const satisfies readonly AttemptOutcome[];

const key = (offset: number) => `$${INSERTED.length + offset}`;
/**
 * The in-flight insert and the claim of its idempotency key, in one statement: no extra round trip, and the key's
 * unique primary key decides across replicas which request runs. A held key yields no row at all. A key is taken over
 * once it has expired, or when its attempt ended in an outcome after which a retry is the right thing to do.
 */
export const INSERT_ATTEMPT_CLAIMING_KEY = `
  WITH claim AS (
    INSERT INTO idempotency_keys AS held (key_id, attempt_id, fingerprint, expires_at)
    VALUES (${key(1)}::uuid, $1::uuid, ${key(2)}::text, clock_timestamp() + ${key(3)}::int * interval '1 millisecond')
    ON CONFLICT (key_id) DO UPDATE
       SET attempt_id = EXCLUDED.attempt_id, fingerprint = EXCLUDED.fingerprint, expires_at = EXCLUDED.expires_at
     WHERE held.expires_at <= clock_timestamp()
        OR EXISTS (SELECT 1 FROM attempts a WHERE a.id = held.attempt_id AND a.outcome IN (${KEY_RELEASING_OUTCOMES.map((outcome) => `'${outcome}'`).join(', ')}))
    RETURNING attempt_id)
  INSERT INTO attempts (${INSERTED.map(columnOf).join(', ')}) SELECT ${INSERTED.map(placeholder).join(', ')} FROM claim`;

const UPDATED = [...LEARNT_IN_FLIGHT, ...TERMINAL];
// Only an in-flight row moves: a settled attempt is never rewritten.
export const SETTLE_ATTEMPT =
  `UPDATE attempts SET ${UPDATED.map((field, index) => `${columnOf(field)} = ${placeholder(field, index)}`).join(', ')} ` +
  `WHERE id = $${UPDATED.length + 1}::uuid AND outcome = 'in_flight'`;

const afterSettle = (offset: number) => `$${UPDATED.length + 1 + offset}`;
/**
 * The outcome and the work note about it in one statement: a note exists exactly when its attempt has settled. For
 * ServiceNow it goes into the outbox (sent after the answer); for the gate's own tickets it is written on the ticket.
 */
export const SETTLE_ATTEMPT_WITH_OUTBOX_NOTE =
  `WITH settled AS (${SETTLE_ATTEMPT} RETURNING id) ` +
  `INSERT INTO work_notes (id, attempt_id, change_number, change_sys_id, body) ` +
  `SELECT ${afterSettle(1)}::uuid, settled.id, ${afterSettle(2)}::text, ${afterSettle(3)}::text, ${afterSettle(4)}::text FROM settled`;
export const SETTLE_ATTEMPT_WITH_LOCAL_NOTE =
  `WITH settled AS (${SETTLE_ATTEMPT} RETURNING id) ` +
  `INSERT INTO local_change_ticket_notes (attempt_id, number, body) SELECT settled.id, ${afterSettle(1)}::text, ${afterSettle(2)}::text FROM settled`;

type Row = Record<(typeof INSERTED)[number], unknown>;

export function insertParameters(
  draft: AttemptDraft,
  outcome: Omit<Partial<TerminalColumns>, 'outcome'> & { outcome: AttemptOutcome },
): unknown[] {
  const row: Row = {
    httpStatus: null,
    errorCode: null,
    settledAt: null,
    durationMs: null,
    ...draft.facts,
    ...outcome,
    id: draft.id,
    receivedAt: draft.receivedAt,
  };
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
