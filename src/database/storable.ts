// eslint-disable-next-line no-control-regex -- NUL is what this replaces: Postgres cannot store it in text.
const NUL = /\u0000/g;
const REPLACEMENT = '\uFFFD';

/**
 * Text Postgres will store: it refuses NUL in text and jsonb, and jsonb refuses a lone surrogate (`\ud800`).
 * Both can arrive from a caller, a token, ServiceNow or Graph; each becomes U+FFFD, so the write cannot fail on content.
 */
export function storableText(value: string): string {
  if (!value.includes('\u0000') && value.isWellFormed()) return value;
  return value.toWellFormed().replace(NUL, REPLACEMENT);
}

/** The same, through arrays and objects (keys included), for jsonb and text[] values. */
export function storableValue<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storableValue) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [storableText(key), storableValue(inner)]),
  ) as T;
}
