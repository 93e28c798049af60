import type { HeaderObject } from '@nestjs/swagger';

type Headers = Record<string, HeaderObject>;

/** OpenAPI descriptions of the response headers the gate sets (fastify-setup.ts, problem-response.ts). */
export const REQUEST_ID_HEADER: Headers = {
  'x-request-id': {
    description:
      "The gate's id of this request (in its logs, traces and the problem's correlationId); a caller's own X-Request-Id is kept when it looks like an id.",
    required: true,
    schema: { type: 'string', example: 'req-7Hq2mZ0kP4sT9vWx' },
  },
};

export const RETRY_AFTER_HEADER: Headers = {
  'Retry-After': {
    description:
      'Seconds to wait before retrying; sent when the gate knows how long (rate limits, Graph throttling, an open circuit, a request in progress).',
    schema: { type: 'integer', example: 2 },
  },
};

export const WWW_AUTHENTICATE_HEADER: Headers = {
  'WWW-Authenticate': {
    description: 'The bearer challenge.',
    required: true,
    schema: { type: 'string', example: 'Bearer' },
  },
};

export const IDEMPOTENT_REPLAYED_HEADER: Headers = {
  'Idempotent-Replayed': {
    description:
      'Sent, as `true`, when this is the first answer to an earlier request with the same Idempotency-Key, repeated.',
    schema: { type: 'string', enum: ['true'] },
  },
};
