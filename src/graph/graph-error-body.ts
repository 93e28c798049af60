/**
 * Reads Graph's error body. Intune puts a serialized JSON object (with its own "Message") inside error.message,
 * sometimes wrapped twice; the human text is the innermost Message.
 */
// Graph's codes are identifiers (`Request_ResourceNotFound`); anything else is not passed on to callers as one.
const GRAPH_CODE = /^[A-Za-z0-9_.-]{1,100}$/;

export function readGraphError(body: unknown): { code: string; message: string } {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' && GRAPH_CODE.test(error.code) ? error.code : 'UnknownError';
  const message = typeof error?.message === 'string' ? unwrapIntuneMessage(error.message) : '';
  return { code, message: message.slice(0, 2000) };
}

function unwrapIntuneMessage(message: string, depth = 0): string {
  if (depth > 3 || !message.trimStart().startsWith('{')) return message;
  try {
    const inner = JSON.parse(message) as { Message?: unknown; message?: unknown };
    const text = inner.Message ?? inner.message;
    return typeof text === 'string' ? unwrapIntuneMessage(text, depth + 1) : message;
  } catch {
    return message;
  }
}

const SECONDS = /^\d+(\.\d+)?$/;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Retry-After may be integer or decimal seconds, or an HTTP date. Anything else is ignored (undefined: the
 * caller backs off on its own) rather than read leniently as "retry now".
 */
export function parseRetryAfter(header: string | null): number | undefined {
  const value = header?.trim() ?? '';
  if (SECONDS.test(value)) return Number(value);
  if (HTTP_DATE.test(value)) return Math.max(0, (Date.parse(value) - Date.now()) / 1000);
  return undefined;
}
