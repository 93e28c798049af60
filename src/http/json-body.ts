import { type z } from 'zod';
import { ProblemCode } from './problem-code';
import { ProblemError } from './problem.error';

/** Bodies up to this size are read and judged by their handler; larger ones are refused by Fastify itself (413). */
export const RAW_BODY_LIMIT_BYTES = 1024 * 1024;
export const JSON_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Every request body arrives as text (see bootstrap), so that a bad body reaches the handler and, on the
 * unassign routes, is recorded as an invalid attempt instead of vanishing in a parser error.
 */
export function readJsonBody(raw: unknown, contentType: string | undefined): unknown {
  const text = typeof raw === 'string' ? raw : '';
  if (text.length === 0) throw new ProblemError(ProblemCode.InvalidRequest, 'The request needs a JSON body.');
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '')) {
    throw new ProblemError(ProblemCode.UnsupportedMediaType, 'Send the body as application/json.');
  }
  if (Buffer.byteLength(text) > JSON_BODY_LIMIT_BYTES) {
    throw new ProblemError(ProblemCode.PayloadTooLarge, `The body exceeds ${JSON_BODY_LIMIT_BYTES} bytes.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProblemError(ProblemCode.InvalidRequest, 'The body is not valid JSON.');
  }
}

/** Validation failures as one INVALID_REQUEST listing every problem with its JSON path. */
export function parseWithSchema<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  throw new ProblemError(
    ProblemCode.InvalidRequest,
    errors.map((error) => `${error.path}: ${error.message}`).join('; '),
    { errors },
  );
}
