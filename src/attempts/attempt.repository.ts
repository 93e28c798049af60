import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseConnection } from '../database/database-connection';
import { DATABASE_CONNECTION } from '../database/database.providers';
import { PrismaClient, type Attempt as AttemptRow } from '../generated/prisma/client';
import type { AttemptRecord } from './attempt';
import { INSERT_ATTEMPT, insertParameters, SETTLE_ATTEMPT, settleParameters } from './attempt-columns';
import type { AttemptDraft, AttemptSettlement } from './attempt-draft';

/**
 * The only writer of attempts. Each write is one statement, committed before the caller moves on.
 * The two writes every request makes go straight to the connection pool Prisma's adapter uses: on the hot path
 * Prisma's query layer cost more than all the rest of the request (bench/README.md). Reads go through Prisma.
 */
@Injectable()
export class AttemptRepository {
  constructor(
    private readonly prisma: PrismaClient,
    @Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection,
  ) {}

  /** Commits the in-flight row; the use case forwards nothing to Graph until this has returned. */
  async open(draft: AttemptDraft): Promise<void> {
    await this.database.sql.query(INSERT_ATTEMPT, insertParameters(draft, { outcome: 'in_flight' }));
    draft.opened = true;
  }

  /** Writes the terminal outcome: an update of the in-flight row, or one insert for a request refused before it. */
  async settle(draft: AttemptDraft, settlement: AttemptSettlement): Promise<void> {
    const terminal = { ...settlement, settledAt: new Date(), durationMs: draft.elapsedMs() };
    if (draft.opened) {
      await this.database.sql.query(SETTLE_ATTEMPT, settleParameters(draft, terminal));
    } else {
      await this.database.sql.query(INSERT_ATTEMPT, insertParameters(draft, terminal));
    }
  }

  async findById(id: string): Promise<AttemptRecord | null> {
    const row = await this.prisma.attempt.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }
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
