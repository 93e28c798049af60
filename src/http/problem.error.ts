import { PROBLEM_TYPES, type ProblemCode } from './problem-code';

/** Extension members a problem may carry besides the RFC 9457 ones. */
export interface ProblemExtensions {
  attemptId?: string;
  reasons?: { code: string; detail: string }[];
  graph?: { status?: number; code?: string; requestId?: string; clientRequestId?: string };
  retryAfterSeconds?: number;
  [member: string]: unknown;
}

/** An answer repeated for an Idempotency-Key: rendered as first answered, with the first request's ids and time. */
export interface ProblemReplay {
  correlationId: string;
  answeredAt: Date;
}

/** The one error type our code throws on purpose; the filters turn it into problem+json (or Graph's shape). */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extensions: ProblemExtensions = {},
    readonly replay?: ProblemReplay,
  ) {
    super(`${code}: ${detail}`);
  }

  get status(): number {
    return PROBLEM_TYPES[this.code].status;
  }

  withExtensions(extensions: ProblemExtensions): ProblemError {
    return new ProblemError(this.code, this.detail, { ...this.extensions, ...extensions });
  }
}
