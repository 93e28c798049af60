import type { BeforeApplicationShutdown } from '@nestjs/common';
import { SerialRuns } from '../background/serial-runs';
import type { SqlExecutor } from '../database/sql-executor';
import { InboundRateLimiter, type RateLimitVerdict } from './inbound-rate-limiter';

// Adds each replica's counts to the shared ones and answers the totals: one statement per flush, not per request.
const ADD_COUNTS = `
  INSERT INTO rate_limit_windows AS w (subject, window_start, hits)
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[])
  ON CONFLICT (subject, window_start) DO UPDATE SET hits = w.hits + EXCLUDED.hits
  RETURNING subject, window_start, hits`;

/** How often a replica shares its counts; the most another replica can overshoot a limit is what it sees in this time. */
const FLUSH_MS = 100;

interface WindowCount {
  subject: string;
  windowStart: number;
  /** The shared total as of this replica's last flush (its own hits then included). */
  shared: number;
  /** Counted here since the last flush began. */
  pending: number;
  /** Counted here and being written right now. */
  writing: number;
}

/**
 * Fixed windows aligned on the epoch, counted in the rate_limit_windows table every replica shares. A request is
 * judged against the shared total as of the last flush plus this replica's own hits since, so a busy caller's row is
 * not a point every request queues on: exact with one replica, at most FLUSH_MS of other replicas' requests over the
 * limit with several. Our own table and statement rather than rate-limiter-flexible's Postgres store, which creates
 * its table at run time (the gate's schema is migrations only) and writes once per request.
 */
export class PostgresInboundRateLimiter extends InboundRateLimiter implements BeforeApplicationShutdown {
  private readonly counts = new Map<string, WindowCount>();
  // A failed write is not lost (its counts join the next one), so the timer's failures need no more than that.
  private readonly flushes = new SerialRuns(
    () => this.write(),
    () => undefined,
  );

  constructor(
    private readonly sql: SqlExecutor,
    private readonly windowMs: number,
  ) {
    super();
    this.flushes.every(FLUSH_MS);
  }

  async hit(subject: string, limit: number): Promise<RateLimitVerdict> {
    const now = Date.now();
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    const key = `${subject}\u0000${windowStart}`;
    let count = this.counts.get(key);
    if (!count) {
      count = { subject, windowStart, shared: 0, pending: 0, writing: 0 };
      this.counts.set(key, count);
    }
    count.pending += 1;
    const hits = count.shared + count.writing + count.pending;
    return {
      allowed: hits <= limit,
      hits,
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + this.windowMs - now) / 1000)),
    };
  }

  /** Shares what was counted here until now (after the write under way, which may have started before). */
  flush(): Promise<void> {
    return this.flushes.runNow();
  }

  async forgetBefore(before: Date): Promise<number> {
    const rows = await this.sql.query('DELETE FROM rate_limit_windows WHERE window_start < $1 RETURNING 1', [before]);
    return rows.length;
  }

  /** Before the database closes: what was counted here is shared, not lost. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flushes.stop();
    await this.flush().catch(() => undefined);
  }

  private async write(): Promise<void> {
    const batch = [...this.counts.values()].filter((count) => count.pending > 0);
    this.forgetEndedWindows();
    if (batch.length === 0) return;
    for (const count of batch) [count.writing, count.pending] = [count.pending, 0];
    try {
      const rows = await this.sql.query<{ subject: string; window_start: Date; hits: number }>(ADD_COUNTS, [
        batch.map((count) => count.subject),
        batch.map((count) => new Date(count.windowStart)),
        batch.map((count) => count.writing),
      ]);
      for (const row of rows) {
        const count = this.counts.get(`${row.subject}\u0000${row.window_start.getTime()}`);
        if (count) [count.shared, count.writing] = [row.hits, 0];
      }
    } catch (error) {
      // Not lost: added to the next flush.
      for (const count of batch) [count.pending, count.writing] = [count.pending + count.writing, 0];
      throw error;
    }
  }

  private forgetEndedWindows(): void {
    const current = Math.floor(Date.now() / this.windowMs) * this.windowMs;
    for (const [key, count] of this.counts) {
      if (count.windowStart < current && count.pending === 0 && count.writing === 0) this.counts.delete(key);
    }
  }
}
