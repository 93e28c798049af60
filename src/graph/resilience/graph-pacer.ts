export type PacingDecision = { granted: true; waitMs: number } | { granted: false; retryAfterMs: number };

/**
 * Port: the token bucket in front of Graph, shared by every replica. `reserve` takes a token when the wait it
 * implies fits in `maxWaitMs` (the caller then waits that long before sending); otherwise it takes nothing.
 */
export abstract class GraphPacer {
  abstract reserve(maxWaitMs: number): Promise<PacingDecision>;
}
