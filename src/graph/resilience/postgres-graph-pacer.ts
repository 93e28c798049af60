import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlExecutor } from '../../database/sql-executor';
import { GraphPacer, type PacingDecision } from './graph-pacer';

// The bucket refills at `rate` tokens a second up to `burst`; a token is taken only when one is there, at the moment
// the request is about to leave, so a caller that was slow to send cannot crowd its slot onto the next one. The
// database's clock is the one clock every replica shares; the row lock serialises the takers.
const TAKE = `
  WITH bucket AS (
    SELECT LEAST($2::float8, tokens + $3::float8 * EXTRACT(EPOCH FROM clock_timestamp() - updated_at)) AS refilled
      FROM graph_rate_buckets WHERE tenant = $1 FOR UPDATE
  )
  UPDATE graph_rate_buckets
     SET tokens = refilled - CASE WHEN refilled >= 1 THEN 1 ELSE 0 END, updated_at = clock_timestamp()
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

  async acquire(maxWaitMs: number): Promise<PacingDecision> {
    const deadline = Date.now() + maxWaitMs;
    let waitedMs = 0;
    for (;;) {
      const { refilled, tokens } = await this.take();
      if (tokens < refilled) return { granted: true, waitedMs };
      const untilNextMs = Math.ceil(((1 - refilled) / this.ratePerSecond) * 1000);
      if (Date.now() + untilNextMs > deadline) return { granted: false, retryAfterMs: untilNextMs };
      // Waiters wake a little apart, so they do not all ask for the same token at once.
      const napMs = untilNextMs + Math.floor(Math.random() * Math.min(50, untilNextMs / 4 + 1));
      await sleep(napMs);
      waitedMs += napMs;
    }
  }

  private async take(): Promise<{ refilled: number; tokens: number }> {
    let rows = await this.sql.query<{ refilled: number; tokens: number }>(TAKE, [this.tenant, this.burst, this.ratePerSecond]);
    if (rows.length === 0) {
      await this.sql.query(CREATE_BUCKET, [this.tenant, this.burst]);
      rows = await this.sql.query(TAKE, [this.tenant, this.burst, this.ratePerSecond]);
    }
    return rows[0];
  }
}
