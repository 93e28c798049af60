/**
 * Reads Graph's error body. Intune puts a serialized JSON object (with its own "Message") inside error.message,
 * sometimes wrapped twice; the human text is the innermost Message.
 */
export function readGraphError(body: unknown): { code: string; message: string } {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : 'UnknownError';
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

/** Retry-After may be integer or decimal seconds, or an HTTP date. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
