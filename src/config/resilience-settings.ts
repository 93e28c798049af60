import { z } from 'zod';

const milliseconds = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

/** The variables of retries, limits, pacing, the sweeper and the drain: merged into the environment schema. */
export const resilienceEnvironment = {
  IDEMPOTENCY_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(24),

  GRAPH_MAX_TRIES: z.coerce.number().int().min(1).max(10).default(4),
  GRAPH_CALL_DEADLINE_MS: milliseconds(30_000, 100),
  GRAPH_BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
  GRAPH_BREAKER_COOLDOWN_MS: milliseconds(30_000, 100),
  GRAPH_RATE_PER_SECOND: z.coerce.number().positive().default(80),
  GRAPH_RATE_BURST: z.coerce.number().int().min(1).default(20),

  RATE_LIMIT_PER_CALLER: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_PER_IP_UNAUTHENTICATED: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_WINDOW_MS: milliseconds(60_000, 1000),

  SWEEP_STALE_AFTER_MS: milliseconds(120_000, 1000),
  SWEEP_INTERVAL_MS: milliseconds(30_000, 100),
  SHUTDOWN_DRAIN_MS: milliseconds(25_000),
};

type ResilienceEnvironment = { [K in keyof typeof resilienceEnvironment]: z.infer<(typeof resilienceEnvironment)[K]> };

export interface ResilienceConfig {
  idempotencyTtlMs: number;
  graphRetry: { maxTries: number; callDeadlineMs: number };
  graphBreaker: { failures: number; cooldownMs: number };
  graphPacing: { ratePerSecond: number; burst: number };
  inboundLimits: { perCaller: number; perIpUnauthenticated: number; windowMs: number };
  sweeper: { staleAfterMs: number; intervalMs: number };
  shutdownDrainMs: number;
}

export function checkResilience(
  env: ResilienceEnvironment,
  problem: (variable: string, message: string) => void,
): void {
  // A live request must never look abandoned to the sweeper. It holds its attempt in flight through the device read
  // and the unassign, each under its own deadline (the ticket look-up and the writes come on top).
  if (env.SWEEP_STALE_AFTER_MS <= 2 * env.GRAPH_CALL_DEADLINE_MS) {
    problem(
      'SWEEP_STALE_AFTER_MS',
      `must exceed twice GRAPH_CALL_DEADLINE_MS (${2 * env.GRAPH_CALL_DEADLINE_MS}): a request holds its attempt through the device read and the unassign`,
    );
  }
}

export function resilienceConfig(env: ResilienceEnvironment): ResilienceConfig {
  return {
    idempotencyTtlMs: Math.round(env.IDEMPOTENCY_TTL_HOURS * 3_600_000),
    graphRetry: { maxTries: env.GRAPH_MAX_TRIES, callDeadlineMs: env.GRAPH_CALL_DEADLINE_MS },
    graphBreaker: { failures: env.GRAPH_BREAKER_FAILURES, cooldownMs: env.GRAPH_BREAKER_COOLDOWN_MS },
    graphPacing: { ratePerSecond: env.GRAPH_RATE_PER_SECOND, burst: env.GRAPH_RATE_BURST },
    inboundLimits: {
      perCaller: env.RATE_LIMIT_PER_CALLER,
      perIpUnauthenticated: env.RATE_LIMIT_PER_IP_UNAUTHENTICATED,
      windowMs: env.RATE_LIMIT_WINDOW_MS,
    },
    sweeper: { staleAfterMs: env.SWEEP_STALE_AFTER_MS, intervalMs: env.SWEEP_INTERVAL_MS },
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
  };
}
