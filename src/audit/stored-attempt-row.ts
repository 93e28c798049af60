import type { StoredAttempt } from '../attempts/attempt';

const camelCase = (column: string) => column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * A row of `SELECT * FROM attempts` as the API shows it. Every column is carried over, those added later
 * included, so reports, exports and the chain all see the same members. seq is int8, which `pg` reads as a string.
 */
export function storedAttemptFromRow(row: Record<string, unknown>): StoredAttempt {
  const attempt: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) attempt[camelCase(column)] = value;
  attempt.seq = row.seq === null || row.seq === undefined ? null : Number(row.seq);
  return attempt as unknown as StoredAttempt;
}
