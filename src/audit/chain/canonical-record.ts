import { createHash } from 'node:crypto';
import { CHAIN_FIELDS } from './chain-link';

/** prevHash of the first record ever sealed. */
export const GENESIS_HASH = '0'.repeat(64);

const EXCLUDED = new Set<string>(CHAIN_FIELDS);

/**
 * The bytes a record's hash covers: the record as the API shows it (camelCase members), minus the chain's own
 * members, with every null member left out, in RFC 8785 (JCS) form: members sorted by UTF-16 code units, no
 * whitespace, ECMAScript number and string spelling; dates as ISO 8601 UTC with milliseconds.
 *
 * The members come from the record itself, not from a list: a column added later joins the hash of the records
 * sealed after it. Leaving nulls out is what keeps older hashes valid: a column added as nullable (and filled only
 * for new rows) is null, hence absent, in every record sealed before it existed. A column added with a non-null
 * value on existing rows (ADD COLUMN ... NOT NULL DEFAULT ...) would change old records' bytes: add it nullable,
 * then SET DEFAULT for new rows.
 *
 * Shared by the sealer, the integrity walk and the offline verifier (npm run audit:verify).
 */
export function canonicalRecord(attempt: object): string {
  const record = attempt as Readonly<Record<string, unknown>>;
  const members = Object.keys(record)
    .filter((key) => !EXCLUDED.has(key) && record[key] !== null && record[key] !== undefined)
    .sort();
  return `{${members.map((key) => `${JSON.stringify(key)}:${canonicalValue(record[key])}`).join(',')}}`;
}

/** sha256(prevHash || canonical record), both as UTF-8 text: the hash is lowercase hex, like prevHash. */
export function chainHash(prevHash: string, record: object): string {
  return createHash('sha256').update(prevHash).update(canonicalRecord(record)).digest('hex');
}

function canonicalValue(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`a record cannot hold the number ${value}`);
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map(canonicalValue).join(',')}]`;
      return canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`a record cannot hold a ${typeof value}`);
  }
}

function canonicalObject(object: Record<string, unknown>): string {
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort();
  return `{${members.map((key) => `${JSON.stringify(key)}:${canonicalValue(object[key])}`).join(',')}}`;
}
