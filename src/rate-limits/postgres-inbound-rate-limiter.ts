import type { SqlExecutor } from '../database/sql-executor';
import { InboundRateLimiter, type RateLimitVerdict } from './inbound-rate-limiter';

// A fixed window aligned on the epoch, counted with one upsert: the row is the counter every replica shares.
const HIT = `
  INSERT INTO rate_limit_windows AS w (subject, window_start, hits)
  VALUES ($1, to_timestamp(floor(extract(epoch FROM clock_timestamp()) * 1000 / $2::int) * $2::int / 1000.0), 1)
  ON CONFLICT (subject, window_start) DO UPDATE SET hits = w.hits + 1
  RETURNING hits, extract(epoch FROM (w.window_start + $2::int * interval '1 millisecond' - clock_timestamp()))::float8 AS seconds_left`;

/**
 * Our own table and one statement rather than rate-limiter-flexible's Postgres store: that store creates its table
 * at run time (the gate's schema is migrations only), and this works the same on PGlite and on the shared pool.
 */
export class PostgresInboundRateLimiter extends InboundRateLimiter {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly windowMs: number,
  ) {
    super();
  }

  async hit(subject: string, limit: number): Promise<RateLimitVerdict> {
    const [{ hits, seconds_left }] = await this.sql.query<{ hits: number; seconds_left: number }>(HIT, [subject, this.windowMs]);
    return { allowed: hits <= limit, hits, retryAfterSeconds: Math.max(1, Math.ceil(seconds_left)) };
  }

  async forgetBefore(before: Date): Promise<number> {
    const rows = await this.sql.query('DELETE FROM rate_limit_windows WHERE window_start < $1 RETURNING 1', [before]);
    return rows.length;
  }
}
