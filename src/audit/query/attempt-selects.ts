import type { SqlExecutor } from '../../database/sql-executor';

/**
 * What the reports select, built from the table's own columns so that a column added later is reported without a
 * change here. Postgres renders each attempt: as the JSON the API shows (camelCase members, ISO 8601 UTC dates
 * with milliseconds, JSON snapshots and lists) or as the text of its CSV cells. A page or an export batch then
 * costs `pg` one text value per row instead of dozens of date and JSON parses, which is most of what serving a
 * report costs (bench/README.md, "Audit reports").
 */
export interface AttemptSelects {
  /** CSV header: every column's member name, in table order. */
  members: string[];
  /** `json` (the attempt as the API shows it), plus the keyset and chain position. */
  json: string;
  /** `cells` (a JSON array of the CSV cells' text, in `members` order), plus the keyset. */
  csvCells: string;
}

// json_build_object takes at most 100 arguments; beyond 50 columns the object is built in parts.
const MEMBERS_PER_OBJECT = 50;
const KEYSET = `"received_at", "id", "seq"`;

const camelCase = (column: string) => column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

export async function attemptSelectsOf(sql: SqlExecutor): Promise<AttemptSelects> {
  const columns = await sql.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'attempts' ORDER BY ordinal_position`,
  );
  const members = columns.map((column) => camelCase(column.column_name));
  const values = columns.map(({ column_name: name, data_type: type }) => (type === 'timestamp with time zone' ? isoText(quoted(name)) : quoted(name)));
  const cells = columns.map(({ column_name: name, data_type: type }) => cellText(quoted(name), type));
  return {
    members,
    json: `${jsonObject(members, values)}::text AS "json", ${KEYSET}`,
    csvCells: `json_build_array(${cells.join(', ')})::text AS "cells", ${KEYSET}`,
  };
}

function jsonObject(members: string[], values: string[]): string {
  const parts: string[] = [];
  for (let start = 0; start < members.length; start += MEMBERS_PER_OBJECT) {
    const pairs = members.slice(start, start + MEMBERS_PER_OBJECT).map((member, index) => `${literal(member)}, ${values[start + index]}`);
    parts.push(`jsonb_build_object(${pairs.join(', ')})`);
  }
  return parts.length === 1 ? parts[0].replace('jsonb_build_object', 'json_build_object') : parts.join(' || ');
}

function isoText(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

function cellText(column: string, type: string): string {
  if (type === 'timestamp with time zone') return isoText(column);
  if (type === 'ARRAY') return `array_to_json(${column})::text`;
  return `${column}::text`;
}
