import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhenResult,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { GraphResult } from '../graph-client';

export type CircuitStatus = { state: 'closed' | 'half_open' } | { state: 'open'; retryAfterSeconds: number };

/** What counts against Graph: no token, no connection, a timeout, a lost answer, throttling or a 5xx. */
export function isGraphFailure(result: GraphResult<unknown>): boolean {
  if (result.kind === 'error') return result.status === 429 || result.status >= 500;
  return result.kind === 'unavailable' || result.kind === 'timeout' || result.kind === 'lost';
}

/**
 * One per process: after `failures` consecutive failed tries it opens for `cooldownMs`, then lets one probe through.
 * Per replica on purpose: it protects this replica's callers from waiting on a Graph that keeps failing, and costs
 * nothing on the request path; every replica that sees the failures opens its own within the same few calls.
 */
export class GraphBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    failures: number,
    private readonly cooldownMs: number,
  ) {
    this.policy = circuitBreaker(
      handleWhenResult((result) => isGraphFailure(result as GraphResult<unknown>)),
      {
        halfOpenAfter: cooldownMs,
        breaker: new ConsecutiveBreaker(failures),
      },
    );
    this.policy.onBreak(() => {
      this.openedAt = Date.now();
    });
  }

  /** The try's result, or `undefined` when the circuit is open and nothing was sent. */
  async run<T>(send: () => Promise<GraphResult<T>>): Promise<GraphResult<T> | undefined> {
    try {
      return await this.policy.execute(send);
    } catch (error) {
      if (error instanceof BrokenCircuitError) return undefined;
      throw error;
    }
  }

  status(): CircuitStatus {
    switch (this.policy.state) {
      case CircuitState.Closed:
        return { state: 'closed' };
      case CircuitState.HalfOpen:
        return { state: 'half_open' };
      default:
        return { state: 'open', retryAfterSeconds: this.retryAfterSeconds() };
    }
  }

  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.openedAt + this.cooldownMs - Date.now()) / 1000));
  }
}
