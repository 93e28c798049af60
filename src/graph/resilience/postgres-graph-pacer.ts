import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlExecutor } from '../../database/sql-executor';
import { GraphPacer, type PacingDecision } from './graph-pacer';

// The bucket refills at `rate` tokens a second up to `burst`. Tokens are taken only when they are there, so a caller
// slow to send cannot crowd its slot onto the next one. The database's clock is the one every replica shares; the row
// lock serialises the takers. A taker may take a few more than one ($4) for its replica to spend within LEASE_MS.
const TAKE = `
  WITH bucket AS (
    SELECT LEAST($2::float8, tokens + $3::float8 * EXTRACT(EPOCH FROM clock_timestamp() - updated_at)) AS refilled
      FROM graph_rate_buckets WHERE tenant = $1 FOR UPDATE
  ), take AS (
    SELECT refilled, LEAST($4::int, GREATEST(0, floor(refilled)))::int AS taken FROM bucket
  )
  UPDATE graph_rate_buckets SET tokens = take.refilled - take.taken, updated_at = clock_timestamp()
    FROM take
   WHERE tenant = $1
  RETURNING take.refilled, take.taken`;

const CREATE_BUCKET = `INSERT INTO graph_rate_buckets (tenant, tokens, updated_at) VALUES ($1, $2, clock_timestamp()) ON CONFLICT (tenant) DO NOTHING`;

/**
 * How long a replica may hold tokens it took ahead. Tokens are taken at most rate x LEASE_MS at a time and dropped if
 * not spent within LEASE_MS, so the bucket row is not a point every request of every replica queues on, and any
 * interval sees at most burst + rate x (interval + LEASE_MS) requests.
 */
const LEASE_MS = 100;

/** `GRAPH_RATE_PER_SECOND` and `GRAPH_RATE_BURST` for one tenant, in the graph_rate_buckets table. */
export class PostgresGraphPacer extends GraphPacer {
  private readonly leaseSize: number;
  private lease = { tokens: 0, expiresAt: 0 };

  constructor(
    private readonly sql: SqlExecutor,
    private readonly tenant: string,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    super();
    this.leaseSize = Math.max(1, Math.floor((ratePerSecond * LEASE_MS) / 1000));
  }

  async acquire(maxWaitMs: number): Promise<PacingDecision> {
    const deadline = Date.now() + maxWaitMs;
    let waitedMs = 0;
    for (;;) {
      if (this.takeLeased()) return { granted: true, waitedMs };
      const { refilled, taken } = await this.take();
      if (taken > 0) {
        this.lease = { tokens: taken - 1, expiresAt: Date.now() + LEASE_MS };
        return { granted: true, waitedMs };
      }
      const untilNextMs = Math.ceil(((1 - refilled) / this.ratePerSecond) * 1000);
      if (Date.now() + untilNextMs > deadline) return { granted: false, retryAfterMs: untilNextMs };
      // Waiters wake a little apart, so they do not all ask for the same token at once.
      const napMs = untilNextMs + Math.floor(Math.random() * Math.min(50, untilNextMs / 4 + 1));
      await sleep(napMs);
      waitedMs += napMs;
    }
  }

  private takeLeased(): boolean {
    if (this.lease.tokens <= 0 || Date.now() > this.lease.expiresAt) return false;
    this.lease.tokens -= 1;
    return true;
  }

  private async take(): Promise<{ refilled: number; taken: number }> {
    const parameters = [this.tenant, this.burst, this.ratePerSecond, this.leaseSize];
    let rows = await this.sql.query<{ refilled: number; taken: number }>(TAKE, parameters);
    if (rows.length === 0) {
      await this.sql.query(CREATE_BUCKET, [this.tenant, this.burst]);
      rows = await this.sql.query(TAKE, parameters);
    }
    return rows[0];
  }
}
