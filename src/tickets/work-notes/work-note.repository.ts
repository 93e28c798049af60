import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseConnection } from '../../database/database-connection';
import { DATABASE_CONNECTION } from '../../database/database.providers';
import { storableText } from '../../database/storable';
import { PrismaClient } from '../../generated/prisma/client';
import type { WorkNoteState } from './work-note';

export interface ClaimedNote {
  id: string;
  attemptId: string;
  changeSysId: string;
  body: string;
  tries: number;
  /** A claim whose lease ran out: the replica that held it may have written the note before it died. */
  reclaimed: boolean;
}

// Due notes, and notes whose sender's lease ran out, each taken by exactly one replica (SKIP LOCKED), leased for a while.
const CLAIM = `
  WITH due AS (
    SELECT id, state FROM work_notes
     WHERE (state = 'pending' AND next_try_at <= now()) OR (state = 'sending' AND lease_until < now())
     ORDER BY next_try_at
     LIMIT $1
     FOR UPDATE SKIP LOCKED)
  UPDATE work_notes AS note
     SET state = 'sending', lease_until = now() + $2::int * interval '1 millisecond', tries = note.tries + 1
    FROM due
   WHERE note.id = due.id
  RETURNING note.id, note.attempt_id, note.change_sys_id, note.body, note.tries, due.state = 'sending' AS reclaimed`;

/** The outbox of ServiceNow work notes; a note is written into it with its attempt's outcome (AttemptRepository). */
@Injectable()
export class WorkNoteRepository {
  constructor(
    private readonly prisma: PrismaClient,
    @Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection,
  ) {}

  async claimDue(limit: number, leaseMs: number): Promise<ClaimedNote[]> {
    const rows = await this.database.sql.query<{
      id: string;
      attempt_id: string;
      change_sys_id: string;
      body: string;
      tries: number;
      reclaimed: boolean;
    }>(CLAIM, [limit, leaseMs]);
    return rows.map((row) => ({
      id: row.id,
      attemptId: row.attempt_id,
      changeSysId: row.change_sys_id,
      body: row.body,
      tries: row.tries,
      reclaimed: row.reclaimed,
    }));
  }

  async markSent(id: string): Promise<void> {
    await this.prisma.workNote.update({
      where: { id },
      data: { state: 'sent', sentAt: new Date(), leaseUntil: null, lastError: null },
    });
  }

  async retryLater(id: string, error: string, at: Date): Promise<void> {
    await this.prisma.workNote.update({
      where: { id },
      data: { state: 'pending', nextTryAt: at, leaseUntil: null, lastError: storableText(error).slice(0, 1000) },
    });
  }

  async giveUp(id: string, error: string): Promise<void> {
    await this.prisma.workNote.update({
      where: { id },
      data: { state: 'failed', leaseUntil: null, lastError: storableText(error).slice(0, 1000) },
    });
  }

  async stateOf(attemptId: string): Promise<WorkNoteState | null> {
    const note = await this.prisma.workNote.findUnique({
      where: { attemptId },
      select: { state: true, tries: true, sentAt: true, lastError: true },
    });
    return note && { ...note, state: note.state as WorkNoteState['state'] };
  }
}
