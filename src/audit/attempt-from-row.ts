import type { AttemptRecord } from '../attempts/attempt';

const memberNames = new Map<string, string>();

/** snake_case column to camelCase member, worked out once per column. */
function memberOf(column: string): string {
  let member = memberNames.get(column);
  if (member === undefined) {
    member = column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    memberNames.set(column, member);
  }
  return member;
}

/** A row of `SELECT * FROM attempts`, as `pg` reads it, with the members the API shows (every column, later ones too). */
export function attemptFromRow(row: Record<string, unknown>): AttemptRecord {
  const attempt: Record<string, unknown> = {};
  for (const column in row) attempt[memberOf(column)] = row[column];
  return attempt as unknown as AttemptRecord;
}
