import { Injectable } from '@nestjs/common';
import { Prisma, PrismaClient, type Attempt as AttemptRow } from '../generated/prisma/client';
import type { AttemptRecord } from './attempt';
import type { AttemptDraft, AttemptSettlement } from './attempt-draft';

type Facts = AttemptDraft['facts'];

/** What a step may learn after the in-flight row is written; settle updates these and the outcome, nothing else. */
const FACTS_LEARNT_IN_FLIGHT = [
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
] as const satisfies readonly (keyof Facts)[];

const JSON_COLUMNS = new Set(['deviceSnapshot', 'ticketSnapshot']);

/**
 * The only writer of attempts. Each write is one statement, committed before the caller moves on. The writes are
 * raw SQL through Prisma: on the hot path the model API cost more than the rest of the request (see bench/README.md).
 */
@Injectable()
export class AttemptRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Commits the in-flight row; the use case forwards nothing to Graph until this has returned. */
  async open(draft: AttemptDraft): Promise<void> {
    await this.insert(draft, { outcome: 'in_flight' });
    draft.opened = true;
  }

  /** Writes the terminal outcome: an update of the in-flight row, or one insert for a request refused before it. */
  async settle(draft: AttemptDraft, settlement: AttemptSettlement): Promise<void> {
    const terminal = { ...settlement, settledAt: new Date(), durationMs: draft.elapsedMs() };
    if (!draft.opened) {
      await this.insert(draft, terminal);
      return;
    }
    const learnt = Object.fromEntries(FACTS_LEARNT_IN_FLIGHT.map((key) => [key, draft.facts[key]]));
    const assignments = Object.entries({ ...learnt, ...terminal }).map(([key, value]) => Prisma.sql`${column(key)} = ${sqlValue(key, value)}`);
    // Only an in-flight row moves: a settled attempt is never rewritten.
    await this.prisma.$executeRaw`UPDATE attempts SET ${Prisma.join(assignments)} WHERE id = ${draft.id}::uuid AND outcome = 'in_flight'`;
  }

  async findById(id: string): Promise<AttemptRecord | null> {
    const row = await this.prisma.attempt.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  private async insert(draft: AttemptDraft, outcome: Record<string, unknown>): Promise<void> {
    const values: Record<string, unknown> = { id: draft.id, receivedAt: draft.receivedAt, ...draft.facts, ...outcome };
    const columns = Object.keys(values).map(column);
    const parameters = Object.entries(values).map(([key, value]) => sqlValue(key, value));
    await this.prisma.$executeRaw`INSERT INTO attempts (${Prisma.join(columns)}) VALUES (${Prisma.join(parameters)})`;
  }
}

/** Columns are the fields' names in snake case (the @map of every field in schema.prisma). */
function column(field: string): Prisma.Sql {
  return Prisma.raw(`"${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}"`);
}

function sqlValue(field: string, value: unknown): Prisma.Sql {
  if (field === 'id') return Prisma.sql`${value}::uuid`;
  if (field === 'outcome') return Prisma.sql`${value}::"AttemptOutcome"`;
  if (JSON_COLUMNS.has(field)) return Prisma.sql`${value === null ? null : JSON.stringify(value)}::jsonb`;
  return Prisma.sql`${value}`;
}

function toRecord(row: AttemptRow): AttemptRecord {
  return {
    ...row,
    entryPoint: row.entryPoint as AttemptRecord['entryPoint'],
    actorKind: row.actorKind as AttemptRecord['actorKind'],
    decision: row.decision as AttemptRecord['decision'],
    deviceSnapshot: row.deviceSnapshot as AttemptRecord['deviceSnapshot'],
    ticketSnapshot: row.ticketSnapshot as AttemptRecord['ticketSnapshot'],
  };
}
