import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.token';
import type { DatabaseConnection } from '../../database/database-connection';
import { DATABASE_CONNECTION } from '../../database/database.providers';
import type { SqlExecutor } from '../../database/sql-executor';
import { AuditAttemptsRepository } from '../query/audit-attempts.repository';
import { SerialRuns } from '../../background/serial-runs';
import { AUDIT_SIGNING_KEY } from './audit-chain.tokens';
import type { AuditSigningKey } from './audit-signing-key';
import { chainHash } from './canonical-record';
import { readChainHead, readLastCheckpoint, type ChainHead } from './chain-records';
import { checkpointStatement, signStatement, type Checkpoint } from './signed-statements';

/** Any constant of ours; one replica seals at a time, the others skip their turn. */
export const SEAL_LOCK_KEY = 72707371;
const BATCH_SIZE = 2000;

/** The next attempts to seal, in the chain's order: those waiting in the queue, oldest settlement first. */
export function unsealedAttemptsQuery(select: string): string {
  return `SELECT ${select} FROM "audit_unsealed" u JOIN "attempts" a ON a."id" = u."attempt_id" ORDER BY u."settled_at", u."attempt_id" LIMIT $1`;
}

export interface SealResult {
  sealed: number;
  checkpoints: number;
  /** Another replica held the lock: nothing was done this time. */
  busy: boolean;
}

/**
 * Puts settled attempts on the hash chain, off the request path: every AUDIT_SEAL_INTERVAL_MS in every replica,
 * and on demand. Under a transaction-scoped advisory lock it takes the attempts waiting in audit_unsealed (queued by
 * a trigger when they settle) in (settled_at, id) order, hashes each onto the head (hash = sha256(prevHash ||
 * canonical record)), appends the links through audit_seal() and signs the checkpoints that fell due, all in one
 * transaction. In-flight attempts are never queued, so never sealed.
 */
@Injectable()
export class ChainSealer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ChainSealer.name);
  private readonly runs = new SerialRuns(
    () => this.sealAll(),
    (error) => this.logger.error({ err: error }, 'sealing failed'),
  );

  constructor(
    @Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT_SIGNING_KEY) private readonly key: AuditSigningKey,
    private readonly attempts: AuditAttemptsRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.audit.sealIntervalMs > 0) this.runs.every(this.config.audit.sealIntervalMs);
  }

  onModuleDestroy(): Promise<void> {
    return this.runs.stop();
  }

  /** Seals everything settled before the call. */
  sealNow(): Promise<SealResult> {
    return this.runs.runNow();
  }

  private async sealAll(): Promise<SealResult> {
    const total: SealResult = { sealed: 0, checkpoints: 0, busy: false };
    const unsealed = unsealedAttemptsQuery((await this.attempts.selects()).json);
    for (;;) {
      const batch = await this.database.transaction((sql) => this.sealBatch(sql, unsealed));
      total.sealed += batch.sealed;
      total.checkpoints += batch.checkpoints;
      total.busy ||= batch.busy;
      if (batch.busy || batch.sealed < BATCH_SIZE) return total;
    }
  }

  private async sealBatch(sql: SqlExecutor, unsealed: string): Promise<SealResult> {
    const [{ locked }] = await sql.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
      SEAL_LOCK_KEY,
    ]);
    if (!locked) return { sealed: 0, checkpoints: 0, busy: true };
    const head = await readChainHead(sql);
    // Each attempt as the API shows it, rendered by Postgres: the same bytes the exports carry and the walk checks.
    const rows = await sql.query<{ json: string; id: string }>(unsealed, [BATCH_SIZE]);
    const links: ChainHead[] = [];
    let tip = head;
    for (const row of rows) {
      tip = { seq: tip.seq + 1, hash: chainHash(tip.hash, JSON.parse(row.json) as object) };
      links.push(tip);
    }
    if (links.length > 0) {
      await sql.query('SELECT audit_seal($1::uuid[], $2::text[])', [
        rows.map((row) => row.id),
        links.map((link) => link.hash),
      ]);
    }
    const checkpoints = await this.signDueCheckpoints(sql, links, tip);
    return { sealed: links.length, checkpoints, busy: false };
  }

  /** Every AUDIT_CHECKPOINT_EVERY-th record, and the head whenever the last checkpoint is older than the interval. */
  private async signDueCheckpoints(sql: SqlExecutor, links: ChainHead[], tip: ChainHead): Promise<number> {
    let last = await readLastCheckpoint(sql);
    const due = links.filter((link) => link.seq % this.config.audit.checkpointEvery === 0);
    const stale = !last || Date.now() - last.signedAt.getTime() >= this.config.audit.checkpointIntervalMs;
    if (tip.seq > (last?.seq ?? 0) && stale && due.at(-1)?.seq !== tip.seq) due.push(tip);
    for (const link of due) {
      last = await this.insertCheckpoint(sql, link, last);
    }
    return due.length;
  }

  private async insertCheckpoint(sql: SqlExecutor, link: ChainHead, previous: Checkpoint | null): Promise<Checkpoint> {
    const unsigned = {
      seq: link.seq,
      hash: link.hash,
      signedAt: new Date(),
      keyId: this.key.keyId,
      previousSignature: previous?.signature ?? null,
    };
    const checkpoint = { ...unsigned, signature: signStatement(checkpointStatement(unsigned), this.key.privateKey) };
    await sql.query(
      `INSERT INTO "audit_checkpoints" ("seq", "hash", "signed_at", "key_id", "signature", "previous_signature") VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        checkpoint.seq,
        checkpoint.hash,
        checkpoint.signedAt,
        checkpoint.keyId,
        checkpoint.signature,
        checkpoint.previousSignature,
      ],
    );
    return checkpoint;
  }
}
