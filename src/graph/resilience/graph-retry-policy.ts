import { ExponentialBackoff, fullJitterGenerator, type IBackoff } from 'cockatiel';
import type { GraphResult } from '../graph-client';

const RETRIED_STATUSES = new Set([429, 503, 504]);

/**
 * Whether a failed try may be sent again. A read changes nothing, so any transient failure is retried. An unassign is
 * retried only when Graph said it did nothing (429, 503) or it never left (no token, no connection); a lost answer,
 * a timeout or a 504 may hide a done action, which the client reconciles by reading the device instead.
 */
export function isRetryable(operation: 'read' | 'unassign', result: GraphResult<unknown>): boolean {
  switch (result.kind) {
    case 'ok':
    case 'throttled':
      return false;
    case 'unavailable':
      return result.cause !== 'circuit_open';
    case 'error':
      return operation === 'read'
        ? RETRIED_STATUSES.has(result.status)
        : result.status === 429 || result.status === 503;
    default:
      return operation === 'read';
  }
}

/** A lost answer to an unassign: the device must be read to know whether it happened. */
export function mayHaveHappened(result: GraphResult<unknown>): boolean {
  return result.kind === 'lost' || result.kind === 'timeout' || (result.kind === 'error' && result.status === 504);
}

/** Exponential back-off with full jitter, never shorter than what Graph's Retry-After asks for. */
export class RetryDelays {
  private backoff: IBackoff<unknown> | undefined;
  private readonly factory = new ExponentialBackoff({
    generator: fullJitterGenerator,
    initialDelay: 200,
    maxDelay: 10_000,
  });

  next(result: GraphResult<unknown>): number {
    this.backoff = this.backoff ? this.backoff.next(undefined) : this.factory.next();
    const retryAfterMs =
      'retryAfterSeconds' in result && result.retryAfterSeconds !== undefined ? result.retryAfterSeconds * 1000 : 0;
    return Math.max(Math.ceil(this.backoff.duration), Math.ceil(retryAfterMs));
  }
}
