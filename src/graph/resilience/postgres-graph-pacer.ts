import type { SqlExecutor } from '../../database/sql-executor';
import { GraphPacer, type PacingDecision } from './graph-pacer';

// The bucket refills at `rate` tokens a second up to `burst`. A reservation may drive it below zero: the deficit is
// the queue of callers already promised a slot, so each one waits deficit / rate. The database's clock is the one
// clock every replica shares; the row lock serialises reservations.
const RESERVE = `
  WITH bucket AS (
    SELECT LEAST($2::float8, tokens + $3::float8 * EXTRACT(EPOCH FROM clock_timestamp() - updated_at)) AS refilled
      FROM graph_rate_buckets WHERE tenant = $1 FOR UPDATE
  )
  UPDATE graph_rate_buckets
     SET tokens = refilled - CASE WHEN refilled - 1 >= -$3::float8 * $4::float8 / 1000 THEN 1 ELSE 0 END,
         updated_at = clock_timestamp()
    FROM bucket
   WHERE tenant = $1
  RETURNING refilled, tokens`;

const CREATE_BUCKET = `INSERT INTO graph_rate_buckets (tenant, tokens, updated_at) VALUES ($1, $2, clock_timestamp()) ON CONFLICT (tenant) DO NOTHING`;

/** `GRAPH_RATE_PER_SECOND` and `GRAPH_RATE_BURST` for one tenant, in the graph_rate_buckets table. */
export class PostgresGraphPacer extends GraphPacer {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly tenant: string,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    super();
  }

  async reserve(maxWaitMs: number): Promise<PacingDecision> {
    let rows = await this.take(maxWaitMs);
    if (rows.length === 0) {
      await this.sql.query(CREATE_BUCKET, [this.tenant, this.burst]);
      rows = await this.take(maxWaitMs);
    }
    const { refilled, tokens } = rows[0];
    if (tokens < refilled) return { granted: true, waitMs: Math.max(0, Math.ceil((-tokens / this.ratePerSecond) * 1000)) };
    return { granted: false, retryAfterMs: Math.ceil(((1 - refilled) / this.ratePerSecond) * 1000) };
  }

  private take(maxWaitMs: number): Promise<{ refilled: number; tokens: number }[]> {
    return this.sql.query(RESERVE, [this.tenant, this.burst, this.ratePerSecond, Math.max(0, maxWaitMs)]);
  }
}
