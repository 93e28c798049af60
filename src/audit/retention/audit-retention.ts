import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.token';
import type { DatabaseConnection } from '../../database/database-connection';
import { DATABASE_CONNECTION } from '../../database/database.providers';
import type { SqlExecutor } from '../../database/sql-executor';
import { AUDIT_SIGNING_KEY } from '../chain/audit-chain.tokens';
import type { AuditSigningKey } from '../chain/audit-signing-key';
import { readLatestRetentionRun } from '../chain/chain-records';
import { retentionStatement, signStatement, type RetentionRun } from '../chain/signed-statements';
import { SerialRuns } from '../../background/serial-runs';

/** Any constant of ours: two retention runs never plan the same cut. */
export const RETENTION_LOCK_KEY = 72707372;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The first link from $1 whose attempt was received at or after $2, and the last link of the chain. */
export const FIRST_YOUNG_SEQ = `SELECT
  (SELECT c."seq" FROM "audit_chain" c JOIN "attempts" a ON a."id" = c."attempt_id"
    WHERE c."seq" >= $1 AND a."received_at" >= $2 ORDER BY c."seq" LIMIT 1) AS "young",
  (SELECT max("seq") FROM "audit_chain") AS "last"`;

export type RetentionOutcome = { deleted: 0; reason: string } | { deleted: number; run: RetentionRun };

/**
 * Deletes attempts older than AUDIT_RETENTION_DAYS, where AUDIT_RETENTION_JOB=true (one deployment): at start-up
 * and every AUDIT_RETENTION_INTERVAL_MS. It cuts at a UTC midnight and deletes only a prefix of the chain whose every
 * record was received before it, so what remains still verifies from the cut; a record received earlier but sealed
 * after a younger one waits for a later run. The deletion itself is the database's audit_delete_expired_attempts(),
 * which checks all of this again and records the signed run in the same transaction.
 */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditRetention.name);
  private readonly runs = new SerialRuns(
    () => this.runOnce(),
    (error) => this.logger.error({ err: error }, 'audit retention failed'),
  );

  constructor(
    @Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT_SIGNING_KEY) private readonly key: AuditSigningKey,
  ) {}

  onApplicationBootstrap(): void {
    const retention = this.config.audit.retention;
    if (retention.job) this.runs.every(retention.intervalMs, { now: true });
  }

  onModuleDestroy(): Promise<void> {
    return this.runs.stop();
  }

  async runOnce(now = new Date()): Promise<RetentionOutcome> {
    const cutBefore = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - this.config.audit.retention.days * DAY_MS);
    const outcome = await this.database.transaction((sql) => this.deleteBefore(sql, cutBefore));
    if ('run' in outcome) {
      const { run } = outcome;
      this.logger.log(
        {
          cutBefore: run.cutBefore,
          firstSeq: run.firstSeq,
          cutSeq: run.cutSeq,
          cutHash: run.cutHash,
          deleted: run.deletedCount,
          oldestReceivedAt: run.oldestReceivedAt,
          newestReceivedAt: run.newestReceivedAt,
        },
        'audit retention deleted attempts',
      );
    }
    return outcome;
  }

  private async deleteBefore(sql: SqlExecutor, cutBefore: Date): Promise<RetentionOutcome> {
    const [{ locked }] = await sql.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
      RETENTION_LOCK_KEY,
    ]);
    if (!locked) return { deleted: 0, reason: 'another retention run is in progress' };
    const firstSeq = ((await readLatestRetentionRun(sql))?.cutSeq ?? 0) + 1;
    const cutSeq = await this.lastExpiredSeq(sql, firstSeq, cutBefore);
    if (cutSeq < firstSeq) return { deleted: 0, reason: `nothing sealed before ${cutBefore.toISOString()} to delete` };
    const [span] = await sql.query<Record<string, unknown>>(
      `SELECT count(*) AS "count", min(a."received_at") AS "oldest", max(a."received_at") AS "newest",
              (SELECT "hash" FROM "audit_chain" WHERE "seq" = $2) AS "cut_hash"
         FROM "audit_chain" c JOIN "attempts" a ON a."id" = c."attempt_id" WHERE c."seq" BETWEEN $1 AND $2`,
      [firstSeq, cutSeq],
    );
    const unsigned = {
      firstSeq,
      cutSeq,
      cutHash: span.cut_hash as string,
      cutBefore,
      deletedCount: Number(span.count),
      oldestReceivedAt: span.oldest as Date,
      newestReceivedAt: span.newest as Date,
      ranAt: new Date(),
      keyId: this.key.keyId,
    };
    const run: RetentionRun = {
      ...unsigned,
      signature: signStatement(retentionStatement(unsigned), this.key.privateKey),
    };
    await sql.query('SELECT audit_delete_expired_attempts($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
      run.cutBefore,
      run.firstSeq,
      run.cutSeq,
      run.cutHash,
      run.deletedCount,
      run.oldestReceivedAt,
      run.newestReceivedAt,
      run.ranAt,
      run.keyId,
      run.signature,
    ]);
    return { deleted: run.deletedCount, run };
  }

  /** The end of the longest chain prefix from firstSeq whose records were all received before cutBefore. */
  private async lastExpiredSeq(sql: SqlExecutor, firstSeq: number, cutBefore: Date): Promise<number> {
    const [row] = await sql.query<{ young: unknown; last: unknown }>(FIRST_YOUNG_SEQ, [firstSeq, cutBefore]);
    if (row.young !== null) return Number(row.young) - 1;
    return row.last === null ? 0 : Number(row.last);
  }
}
