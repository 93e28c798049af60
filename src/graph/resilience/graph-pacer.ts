export type PacingDecision = { granted: true; waitedMs: number } | { granted: false; retryAfterMs: number };

/**
 * Port: the token bucket in front of Graph, shared by every replica. `acquire` returns once a token is taken, right
 * before the request leaves; when the wait for one would pass `maxWaitMs`, it gives up without taking any.
 */
export abstract class GraphPacer {
  abstract acquire(maxWaitMs: number): Promise<PacingDecision>;
}
