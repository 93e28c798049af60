import type { StoredAttempt } from '../attempts/attempt';

const memberNames = new Map<string, string>();

/** snake_case column to camelCase member, worked out once per column: every report maps up to a million rows. */
function memberOf(column: string): string {
  let member = memberNames.get(column);
  if (member === undefined) {
    member = column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    memberNames.set(column, member);
  }
  return member;
}

/**
 * A row of `SELECT * FROM attempts` as the API shows it. Every column is carried over, those added later
 * included, so reports, exports and the chain all see the same members. seq is int8, which `pg` reads as a string.
 */
export function storedAttemptFromRow(row: Record<string, unknown>): StoredAttempt {
  const attempt: Record<string, unknown> = {};
  for (const column in row) attempt[memberOf(column)] = row[column];
  attempt.seq = row.seq === null || row.seq === undefined ? null : Number(row.seq);
  return attempt as unknown as StoredAttempt;
}
