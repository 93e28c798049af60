import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseConnection } from '../database/database-connection';
import { DATABASE_CONNECTION } from '../database/database.providers';
import { PrismaClient, type Attempt as AttemptRow } from '../generated/prisma/client';
import { storableText, storableValue } from '../database/storable';
import type { WorkNoteToWrite } from '../tickets/work-notes/work-note';
import type { GraphTry } from '../graph/graph-client';
import { noteAttempt } from '../http/request-context';
import { GateTracer } from '../tracing/gate-tracer';
import type { AttemptRecord } from './attempt';
import {
  INSERT_ATTEMPT,
  INSERT_ATTEMPT_CLAIMING_KEY,
  insertParameters,
  SETTLE_ATTEMPT,
  SETTLE_ATTEMPT_WITH_LOCAL_NOTE,
  SETTLE_ATTEMPT_WITH_OUTBOX_NOTE,
  settleParameters,
} from './attempt-columns';
import type { AttemptDraft, AttemptSettlement } from './attempt-draft';

/** A request's claim on its Idempotency-Key: per caller, with what the request was, for as long as keys are kept. */
export interface IdempotencyClaim {
  /** A digest of the caller and the key, as a UUID: the narrow primary key every keyed request inserts. */
  keyId: string;
  fingerprint: string;
  ttlMs: number;
}

export type OpenResult =
  | { kind: 'opened' }
  /** Another request for the same device is in flight (on any replica). */
  | { kind: 'device_busy' }
  /** The key is held by an earlier request: the attempt that holds it and what that request was. */
  | { kind: 'key_held'; holder: { fingerprint: string; attempt: AttemptRecord } | null };

/** How the sweeper closes an attempt that was left in flight. */
export interface StaleSettlement {
  outcome: 'succeeded' | 'unknown';
  reconciled: boolean;
  note: string;
  tries?: GraphTry[];
}

const ONE_IN_FLIGHT_PER_DEVICE = 'attempts_one_in_flight_per_device';

// Only a row still in flight moves, so a request that settles itself meanwhile keeps its own outcome; a ServiceNow
// note about it joins the outbox in the same statement.
const SETTLE_STALE = `
  WITH settled AS (
    UPDATE attempts
       SET outcome = $2::"AttemptOutcome", reconciled = $3, answer = $4::jsonb, settled_at = now(),
           graph_tries = COALESCE(graph_tries, '[]'::jsonb) || $5::jsonb
     WHERE id = $1::uuid AND outcome = 'in_flight'
    RETURNING id),
  noted AS (
    INSERT INTO work_notes (id, attempt_id, change_number, change_sys_id, body)
    SELECT $6::uuid, settled.id, $7::text, $8::text, $9::text FROM settled WHERE $9::text IS NOT NULL)
  SELECT id FROM settled`;

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
    private readonly tracer: GateTracer,
  ) {}

  /** Commits the in-flight row (and claims the key); the use case forwards nothing to Graph until this has returned. */
  async open(draft: AttemptDraft, claim?: IdempotencyClaim): Promise<OpenResult> {
    const parameters = insertParameters(draft, { outcome: 'in_flight' });
    let inserted: number;
    try {
      inserted = await this.write('attempt open', draft.id, async () =>
        claim
          ? (
              await this.database.sql.query(`${INSERT_ATTEMPT_CLAIMING_KEY} RETURNING 1`, [
                ...parameters,
                claim.keyId,
                claim.fingerprint,
                claim.ttlMs,
              ])
            ).length
          : (await this.database.sql.query(INSERT_ATTEMPT, parameters), 1),
      );
    } catch (error) {
      if (isUniqueViolationOf(error, ONE_IN_FLIGHT_PER_DEVICE)) return { kind: 'device_busy' };
      throw error;
    }
    if (inserted === 0) return { kind: 'key_held', holder: await this.keyHolder(claim!) };
    draft.opened = true;
    noteAttempt(draft.id);
    return { kind: 'opened' };
  }

  /**
   * For a request by serial number, whose device is known only once the attempt is open: the in-flight row takes the
   * device, under the same one-request-per-device index as a request by id.
   */
  async holdDevice(draft: AttemptDraft): Promise<'held' | 'device_busy'> {
    try {
      await this.write('attempt hold device', draft.id, () =>
        this.database.sql.query(`UPDATE attempts SET device_id = $2 WHERE id = $1::uuid AND outcome = 'in_flight'`, [
          draft.id,
          draft.facts.deviceId,
        ]),
      );
      return 'held';
    } catch (error) {
      if (isUniqueViolationOf(error, ONE_IN_FLIGHT_PER_DEVICE)) return 'device_busy';
      throw error;
    }
  }

  /**
   * Writes the terminal outcome: an update of the in-flight row, or one insert for a request refused before it.
   * A work note about a forwarded attempt is written in the same statement.
   */
  async settle(draft: AttemptDraft, settlement: AttemptSettlement, note?: WorkNoteToWrite): Promise<void> {
    const terminal = { ...settlement, settledAt: new Date(), durationMs: draft.elapsedMs() };
    await this.write(draft.opened ? 'attempt settle' : 'attempt insert', draft.id, async () => {
      if (!draft.opened) return this.database.sql.query(INSERT_ATTEMPT, insertParameters(draft, terminal));
      const parameters = settleParameters(draft, terminal);
      if (note?.kind === 'servicenow') {
        return this.database.sql.query(SETTLE_ATTEMPT_WITH_OUTBOX_NOTE, [
          ...parameters,
          randomUUID(),
          note.changeNumber,
          note.changeSysId,
          storableText(note.body),
        ]);
      }
      if (note?.kind === 'local')
        return this.database.sql.query(SETTLE_ATTEMPT_WITH_LOCAL_NOTE, [
          ...parameters,
          note.changeNumber,
          storableText(note.body),
        ]);
      return this.database.sql.query(SETTLE_ATTEMPT, parameters);
    });
    noteAttempt(draft.id);
  }

  async findById(id: string): Promise<AttemptRecord | null> {
    const row = await this.prisma.attempt.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  /** The device's most recent successful unassign, if any: "already done" for a client that lost its answer. */
  async lastSucceededFor(deviceId: string): Promise<{ attemptId: string; at: Date } | null> {
    const row = await this.prisma.attempt.findFirst({
      where: { deviceId, outcome: 'succeeded' },
      orderBy: { receivedAt: 'desc' },
      select: { id: true, settledAt: true, receivedAt: true },
    });
    return row && { attemptId: row.id, at: row.settledAt ?? row.receivedAt };
  }

  async staleInFlight(olderThanMs: number, limit = 100): Promise<AttemptRecord[]> {
    const rows = await this.prisma.attempt.findMany({
      where: { outcome: 'in_flight', receivedAt: { lt: new Date(Date.now() - olderThanMs) } },
      orderBy: { receivedAt: 'asc' },
      take: limit,
    });
    return rows.map(toRecord);
  }

  /** True when this call settled it (not the request itself, or another sweep, meanwhile). */
  async settleStale(
    id: string,
    settlement: StaleSettlement,
    note?: Extract<WorkNoteToWrite, { kind: 'servicenow' }>,
  ): Promise<boolean> {
    const answer = JSON.stringify(storableValue({ settledBy: 'sweeper', detail: settlement.note }));
    const tries = JSON.stringify(storableValue(settlement.tries ?? []));
    const noted = note
      ? [randomUUID(), note.changeNumber, note.changeSysId, storableText(note.body)]
      : [null, null, null, null];
    const rows = await this.write('attempt settle stale', id, () =>
      this.database.sql.query(SETTLE_STALE, [id, settlement.outcome, settlement.reconciled, answer, tries, ...noted]),
    );
    return rows.length === 1;
  }

  async forgetExpiredKeys(): Promise<number> {
    const { count } = await this.prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lt: new Date() } } });
    return count;
  }

  /** Each write of an attempt is a span of its own. */
  private write<T>(name: string, attemptId: string, statement: () => Promise<T>): Promise<T> {
    return this.tracer.inSpan(
      name,
      {
        'db.system.name': this.database.kind === 'pglite' ? 'pglite' : 'postgresql',
        'autopilot_gate.attempt_id': attemptId,
      },
      statement,
    );
  }

  private async keyHolder(claim: IdempotencyClaim): Promise<{ fingerprint: string; attempt: AttemptRecord } | null> {
    const key = await this.prisma.idempotencyKey.findUnique({ where: { keyId: claim.keyId } });
    const attempt = key && (await this.findById(key.attemptId));
    return key && attempt ? { fingerprint: key.fingerprint, attempt } : null;
  }
}

function isUniqueViolationOf(error: unknown, constraint: string): boolean {
  const { code, constraint: violated } = (error ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && (violated === undefined || violated === constraint);
}

export function toRecord(row: AttemptRow): AttemptRecord {
  return {
    ...row,
    entryPoint: row.entryPoint as AttemptRecord['entryPoint'],
    actorKind: row.actorKind as AttemptRecord['actorKind'],
    decision: row.decision as AttemptRecord['decision'],
    deviceSnapshot: row.deviceSnapshot as AttemptRecord['deviceSnapshot'],
    ticketSnapshot: row.ticketSnapshot as AttemptRecord['ticketSnapshot'],
    graphTries: row.graphTries as AttemptRecord['graphTries'],
    answer: row.answer as AttemptRecord['answer'],
  };
}
