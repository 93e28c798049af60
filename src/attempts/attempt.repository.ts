import { Injectable } from '@nestjs/common';
import { Prisma, PrismaClient, type Attempt as AttemptRow } from '../generated/prisma/client';
import type { AttemptRecord } from './attempt';
import type { AttemptDraft, AttemptSettlement } from './attempt-draft';

/** The only writer of attempts. Each write is its own statement, committed before the caller moves on. */
@Injectable()
export class AttemptRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Commits the in-flight row; the use case forwards nothing to Graph until this has returned. */
  async open(draft: AttemptDraft): Promise<void> {
    await this.prisma.attempt.create({ data: { ...this.columns(draft), outcome: 'in_flight' } });
    draft.opened = true;
  }

  /** Writes the terminal outcome: an update of the in-flight row, or one insert for a request refused before it. */
  async settle(draft: AttemptDraft, settlement: AttemptSettlement): Promise<void> {
    const terminal = { ...settlement, settledAt: new Date(), durationMs: draft.elapsedMs() };
    if (!draft.opened) {
      await this.prisma.attempt.create({ data: { ...this.columns(draft), ...terminal } });
      return;
    }
    const { id, ...columns } = this.columns(draft);
    // Only an in-flight row moves: a settled attempt is never rewritten.
    await this.prisma.attempt.updateMany({ where: { id, outcome: 'in_flight' }, data: { ...columns, ...terminal } });
  }

  async findById(id: string): Promise<AttemptRecord | null> {
    const row = await this.prisma.attempt.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  private columns(draft: AttemptDraft) {
    const { deviceSnapshot, ticketSnapshot, ...facts } = draft.facts;
    return {
      ...facts,
      id: draft.id,
      receivedAt: draft.receivedAt,
      deviceSnapshot: (deviceSnapshot ?? Prisma.DbNull) as Prisma.InputJsonValue,
      ticketSnapshot: (ticketSnapshot ?? Prisma.DbNull) as Prisma.InputJsonValue,
    };
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
