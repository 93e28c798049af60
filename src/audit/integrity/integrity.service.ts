import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { DatabaseConnection } from '../../database/database-connection';
import { DATABASE_CONNECTION } from '../../database/database.providers';
import type { SqlExecutor } from '../../database/sql-executor';
import type { Prisma } from '../../generated/prisma/client';
import { AUDIT_SIGNING_KEY } from '../chain/audit-chain.tokens';
import type { AuditSigningKey } from '../chain/audit-signing-key';
import type { ChainedAttempt } from '../chain/chain-link';
import { GENESIS_HASH } from '../chain/canonical-record';
import {
  readChainHead,
  readCheckpointsCovering,
  readLastCheckpoint,
  readLatestRetentionRun,
} from '../chain/chain-records';
import { retentionStatement, verifyStatement, type RetentionRun } from '../chain/signed-statements';
import { attemptWhereToSql, SqlParameters } from '../scope/attempt-where-sql';
import { AuditAttemptsRepository } from '../query/audit-attempts.repository';
import { ChainWalk, type ChainBreak } from './chain-walk';
import type { IntegrityReport } from './integrity-report';

// Small enough that the planner walks the chain index and joins each attempt by its key (audit-query-plans.spec.ts).
const BATCH_SIZE = 1000;
const IN_SCOPE = '__in_scope';

/** The seq range of the attempts received in [$1, $2). */
export const SEQ_RANGE_RECEIVED = `SELECT min(c."seq") AS "from_seq", max(c."seq") AS "to_seq" FROM "attempts" a JOIN "audit_chain" c ON c."attempt_id" = a."id"
  WHERE a."received_at" >= coalesce($1::timestamptz, '-infinity') AND a."received_at" < coalesce($2::timestamptz, 'infinity')`;

/**
 * One batch of the walk, in seq order, each attempt rendered with its link as the export shows it, and whether the
 * caller's scope covers it. A link whose attempt is gone drops out of the join: the walk sees the missing seq.
 */
export function chainBatchQuery(select: string, scope: Prisma.AttemptWhereInput, fromSeq: number, toSeq: number) {
  const params = new SqlParameters();
  const inScope = attemptWhereToSql(scope, params);
  const from = params.add(fromSeq);
  const text =
    `SELECT ${select}, ${inScope} AS "${IN_SCOPE}" FROM "audit_chain" c JOIN "attempts" a ON a."id" = c."attempt_id" ` +
    `WHERE c."seq" >= ${from} AND c."seq" <= ${params.add(toSeq)} ORDER BY c."seq" LIMIT ${params.add(BATCH_SIZE)}`;
  return { text, values: params.values, fromIndex: Number(from.slice(1)) - 1 };
}

interface SeqRange {
  fromSeq: number;
  toSeq: number;
}

/**
 * Walks the chain in the database. The walk covers every record in its range whoever asks (a chain cannot be
 * checked in pieces); the caller's read scope only decides which records it counts as theirs and which broken
 * record it names.
 */
@Injectable()
export class IntegrityService {
  constructor(
    @Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection,
    @Inject(AUDIT_SIGNING_KEY) private readonly key: AuditSigningKey,
    private readonly attempts: AuditAttemptsRepository,
  ) {}

  async walk(scope: Prisma.AttemptWhereInput, window: { from?: Date; to?: Date }): Promise<IntegrityReport> {
    const sql = this.database.sql;
    const retention = await readLatestRetentionRun(sql);
    const report: IntegrityReport = {
      status: 'ok',
      fromSeq: null,
      toSeq: null,
      records: 0,
      recordsInScope: 0,
      checkpoints: 0,
      firstBreak: null,
      unsigned: null,
      retention: retention && { cutSeq: retention.cutSeq, cutBefore: retention.cutBefore },
      keyId: this.key.keyId,
    };
    const retentionBreak = retention && this.checkRetentionRun(retention);
    if (retentionBreak) return { ...report, status: 'broken', firstBreak: retentionBreak };

    const base = retention ? { seq: retention.cutSeq, hash: retention.cutHash } : { seq: 0, hash: GENESIS_HASH };
    const range = await this.rangeOf(sql, base.seq, window);
    if (!range) return report;
    const checkpoints = await readCheckpointsCovering(sql, range.fromSeq, range.toSeq);
    const toSeq = Math.max(range.toSeq, checkpoints.at(-1)?.seq ?? 0);
    const walk = new ChainWalk(
      {
        seq: range.fromSeq,
        prevHash: range.fromSeq === base.seq + 1 ? base.hash : await this.hashAt(sql, range.fromSeq - 1),
        previousCheckpoint: await readLastCheckpoint(sql, range.fromSeq - 1),
      },
      new Map(checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint])),
      new Map<string, KeyObject>([[this.key.keyId, this.key.publicKey]]),
      (hash) => this.seqOfHash(sql, hash),
    );
    const walked = await this.walkRecords(sql, walk, scope, range.fromSeq, toSeq);
    const lastSeq = range.fromSeq + walk.records - 1;
    const anchored = walk.lastAnchoredSeq ?? range.fromSeq - 1;
    return {
      ...report,
      status: walked.firstBreak ? 'broken' : 'ok',
      fromSeq: range.fromSeq,
      toSeq,
      records: walk.records,
      recordsInScope: walked.inScope,
      checkpoints: walk.checkpointsVerified,
      firstBreak: walked.firstBreak,
      unsigned: lastSeq > anchored ? { fromSeq: anchored + 1, records: lastSeq - anchored } : null,
    };
  }

  private async walkRecords(
    sql: SqlExecutor,
    walk: ChainWalk,
    scope: Prisma.AttemptWhereInput,
    fromSeq: number,
    toSeq: number,
  ) {
    const query = chainBatchQuery((await this.attempts.selects()).chainedJson, scope, fromSeq, toSeq);
    const batchFrom = (seq: number) => {
      const values = [...query.values];
      values[query.fromIndex] = seq;
      return sql.query<{ json: string; seq: unknown; [IN_SCOPE]: boolean }>(query.text, values);
    };
    let counted = 0;
    // The next batch is asked for before this one is hashed, so that Postgres and this process work side by side.
    let pending = batchFrom(fromSeq);
    for (;;) {
      const rows = await pending;
      if (rows.length === BATCH_SIZE) pending = batchFrom(Number(rows[rows.length - 1].seq) + 1);
      for (const { json, [IN_SCOPE]: visible } of rows) {
        const broken = await walk.visit(JSON.parse(json) as ChainedAttempt);
        if (broken) {
          if (rows.length === BATCH_SIZE) await pending.catch(() => undefined);
          return { firstBreak: visible === true ? broken : withoutAttemptId(broken), inScope: counted };
        }
        if (visible === true) counted += 1;
      }
      if (rows.length < BATCH_SIZE) return { firstBreak: walk.finish(toSeq), inScope: counted };
    }
  }

  /** The seq range of the records received in the window; the whole chain after the last retention cut without one. */
  private async rangeOf(
    sql: SqlExecutor,
    afterSeq: number,
    window: { from?: Date; to?: Date },
  ): Promise<SeqRange | null> {
    if (!window.from && !window.to) {
      const head = await readChainHead(sql);
      return head.seq > afterSeq ? { fromSeq: afterSeq + 1, toSeq: head.seq } : null;
    }
    const [row] = await sql.query<{ from_seq: unknown; to_seq: unknown }>(SEQ_RANGE_RECEIVED, [
      window.from ?? null,
      window.to ?? null,
    ]);
    return row.from_seq === null ? null : { fromSeq: Number(row.from_seq), toSeq: Number(row.to_seq) };
  }

  private checkRetentionRun(run: RetentionRun): ChainBreak | null {
    if (run.keyId === this.key.keyId && verifyStatement(retentionStatement(run), run.signature, this.key.publicKey))
      return null;
    return {
      kind: 'bad_signature',
      seq: run.cutSeq,
      detail: `The record of the retention run that cut the chain at seq ${run.cutSeq} does not verify.`,
    };
  }

  private async hashAt(sql: SqlExecutor, seq: number): Promise<string | null> {
    const rows = await sql.query<{ hash: string }>('SELECT "hash" FROM "audit_chain" WHERE "seq" = $1', [seq]);
    return rows[0]?.hash ?? null;
  }

  private async seqOfHash(sql: SqlExecutor, hash: string): Promise<number | null> {
    // No index on hash: this runs once, on the broken link that ends a walk.
    const rows = await sql.query<{ seq: unknown }>('SELECT "seq" FROM "audit_chain" WHERE "hash" = $1 LIMIT 1', [hash]);
    return rows.length > 0 ? Number(rows[0].seq) : null;
  }
}

function withoutAttemptId(broken: ChainBreak): ChainBreak {
  const { attemptId: _, ...rest } = broken;
  return rest;
}
