export interface RateLimitVerdict {
  allowed: boolean;
  /** Requests counted in the current window, this one included. */
  hits: number;
  retryAfterSeconds: number;
}

/** Port: requests counted per subject (a caller, or a client IP) per window, across every replica. */
export abstract class InboundRateLimiter {
  abstract hit(subject: string, limit: number): Promise<RateLimitVerdict>;
  /** Writes what this replica counted and has not shared yet. */
  abstract flush(): Promise<void>;
  /** Forgets windows that ended before `before`. */
  abstract forgetBefore(before: Date): Promise<number>;
}
