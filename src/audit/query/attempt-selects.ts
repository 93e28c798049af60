import type { SqlExecutor } from '../../database/sql-executor';

/**
 * What the reports select, built from the table's own columns so that a column added later is reported without a
 * change here. Postgres renders each attempt: as the JSON the API shows (camelCase members, ISO 8601 UTC dates
 * with milliseconds, JSON snapshots and lists) or as the text of its CSV cells. A page or an export batch then
 * costs `pg` one text value per row instead of dozens of date and JSON parses, which is most of what serving a
 * report costs (bench/README.md, "Audit reports"). Every select carries the keyset (received_at, id) and seq.
 */
export interface AttemptSelects {
  /** CSV header: every column's member name, in table order. */
  members: string[];
  /** `json`: the attempt as GET /v1/attempts/{attemptId} shows it. FROM ATTEMPTS. */
  json: string;
  /** `json`: the attempt with its chain members (seq, prevHash, hash), as an NDJSON export line carries it. FROM CHAINED_ATTEMPTS. */
  chainedJson: string;
  /** `cells`: a JSON array of the CSV cells' text, in `members` order. FROM ATTEMPTS. */
  csvCells: string;
}

export const ATTEMPTS = '"attempts" a';
/** Attempts with their chain link, if they have one yet. */
export const CHAINED_ATTEMPTS = '"attempts" a LEFT JOIN "audit_chain" c ON c."attempt_id" = a."id"';

// json_build_object takes at most 100 arguments; beyond 50 members the object is built in parts.
const MEMBERS_PER_OBJECT = 50;
const CHAIN_MEMBERS: [string, string][] = [
  ['seq', 'c."seq"'],
  ['prevHash', 'c."prev_hash"'],
  ['hash', 'c."hash"'],
];

// The note's state as GET /v1/attempts/{id} shows it. Not in chained exports: it changes after the attempt is sealed.
const WORK_NOTE_MEMBER: [string, string] = [
  'workNote',
  `(SELECT json_build_object('state', w."state", 'tries', w."tries", 'sentAt', ${`to_char(w."sent_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`}, 'lastError', w."last_error") FROM "work_notes" w WHERE w."attempt_id" = a."id")`,
];

const camelCase = (column: string) => column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
const columnOf = (name: string) => `a."${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

export async function attemptSelectsOf(sql: SqlExecutor): Promise<AttemptSelects> {
  const columns = await sql.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'attempts' ORDER BY ordinal_position`,
  );
  const members: [string, string][] = columns.map(({ column_name: name, data_type: type }) => [
    camelCase(name),
    type === 'timestamp with time zone' ? isoText(columnOf(name)) : columnOf(name),
  ]);
  const cells = columns.map(({ column_name: name, data_type: type }) => cellText(columnOf(name), type));
  const keyset = `a."received_at", a."id"`;
  return {
    members: members.map(([member]) => member),
    json: `${jsonObject([...members, WORK_NOTE_MEMBER])}::text AS "json", ${keyset}, NULL::bigint AS "seq"`,
    chainedJson: `${jsonObject([...members, ...CHAIN_MEMBERS])}::text AS "json", ${keyset}, c."seq"`,
    csvCells: `json_build_array(${cells.join(', ')})::text AS "cells", ${keyset}, NULL::bigint AS "seq"`,
  };
}

function jsonObject(members: [string, string][]): string {
  const parts: string[] = [];
  for (let start = 0; start < members.length; start += MEMBERS_PER_OBJECT) {
    const pairs = members
      .slice(start, start + MEMBERS_PER_OBJECT)
      .map(([member, value]) => `${literal(member)}, ${value}`);
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
