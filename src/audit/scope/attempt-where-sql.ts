import type { Prisma } from '../../generated/prisma/client';
import { ATTEMPT_FIELDS } from './attempt-read-scope';

type Where = Prisma.AttemptWhereInput;

/** Positional parameters shared by every fragment of one statement. */
export class SqlParameters {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export class UnsupportedWhereError extends Error {}

const columnOf = (field: string) => `"${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * SQL for the part of Prisma's where-language the audit reads produce (the read scope from accessibleBy, the
 * report filters, the keyset cursor), run directly on `pg`: at 50 to 1,000,000 rows per read, Prisma's row
 * mapping cost more than the query itself (bench/README.md). Anything else is refused, never approximated.
 *
 * Semantics are Prisma's, except NOT: `NOT COALESCE(x, FALSE)`, so that an inverted rule forbids exactly the rows
 * its conditions match, as CASL decides in memory, instead of also forbidding the rows where SQL's comparison is
 * unknown (a null column).
 */
export function attemptWhereToSql(where: Where, params: SqlParameters): string {
  const clauses: string[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    if (key === 'AND') clauses.push(...asList(value).map((inner) => attemptWhereToSql(inner, params)));
    else if (key === 'OR') clauses.push(anyOf(asList(value).map((inner) => attemptWhereToSql(inner, params))));
    else if (key === 'NOT')
      clauses.push(...asList(value).map((inner) => `NOT COALESCE(${attemptWhereToSql(inner, params)}, FALSE)`));
    else clauses.push(fieldCondition(key, value, params));
  }
  if (clauses.length === 0) return 'TRUE';
  return clauses.length === 1 ? clauses[0] : `(${clauses.join(' AND ')})`;
}

function anyOf(clauses: string[]): string {
  if (clauses.length === 0) return 'FALSE';
  return clauses.length === 1 ? clauses[0] : `(${clauses.join(' OR ')})`;
}

function asList(value: unknown): Where[] {
  return (Array.isArray(value) ? value : [value]) as Where[];
}

function fieldCondition(field: string, filter: unknown, params: SqlParameters): string {
  if (!ATTEMPT_FIELDS.has(field)) throw new UnsupportedWhereError(`${field} is not a field of Attempt`);
  const column = columnOf(field);
  if (filter === null) return `${column} IS NULL`;
  if (!isFilterObject(filter)) return `${column} = ${params.add(filter)}`;
  if ('path' in filter) return jsonPathEquals(column, filter, params);
  const clauses = Object.entries(filter)
    .filter(([, value]) => value !== undefined)
    .map(([operator, value]) => operatorCondition(column, operator, value, params));
  if (clauses.length === 0) return 'TRUE';
  return clauses.length === 1 ? clauses[0] : `(${clauses.join(' AND ')})`;
}

function operatorCondition(column: string, operator: string, value: unknown, params: SqlParameters): string {
  const comparisons: Record<string, string> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };
  switch (operator) {
    case 'equals':
      return value === null ? `${column} IS NULL` : `${column} = ${params.add(scalar(value))}`;
    case 'not':
      return value === null ? `${column} IS NOT NULL` : `${column} <> ${params.add(scalar(value))}`;
    case 'in':
      return list(value).length === 0 ? 'FALSE' : `${column} = ANY(${params.add(list(value))})`;
    case 'notIn':
      return list(value).length === 0 ? 'TRUE' : `${column} <> ALL(${params.add(list(value))})`;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return `${column} ${comparisons[operator]} ${params.add(scalar(value))}`;
    case 'has':
      return `${params.add(scalar(value))} = ANY(${column})`;
    case 'hasEvery':
      return `${column} @> ${params.add(list(value))}`;
    case 'hasSome':
      return `${column} && ${params.add(list(value))}`;
    case 'isEmpty':
      return value === true ? `cardinality(${column}) = 0` : `cardinality(${column}) > 0`;
    default:
      throw new UnsupportedWhereError(`the filter ${operator}`);
  }
}

/**
 * A one-key path reads `column ->> 'key'`, the expression the serialNumber index is built on. The type check keeps
 * Prisma's (and CASL's) meaning: the string "7" does not equal the number 7.
 */
function jsonPathEquals(column: string, filter: Record<string, unknown>, params: SqlParameters): string {
  const { path, equals, ...rest } = filter;
  if (
    !Array.isArray(path) ||
    path.length === 0 ||
    !path.every((key) => typeof key === 'string') ||
    Object.keys(rest).length > 0
  ) {
    throw new UnsupportedWhereError(`the JSON filter ${JSON.stringify(filter)}`);
  }
  const keys = path;
  const node =
    keys.length === 1
      ? `${column} -> ${literal(keys[0])}`
      : `${column} #> ${literal(`{${keys.map(arrayElement).join(',')}}`)}`;
  if (typeof equals === 'string') {
    const text =
      keys.length === 1
        ? `(${column} ->> ${literal(keys[0])})`
        : `(${column} #>> ${literal(`{${keys.map(arrayElement).join(',')}}`)})`;
    return `(${text} = ${params.add(equals)} AND jsonb_typeof(${node}) = 'string')`;
  }
  if (typeof equals === 'number' || typeof equals === 'boolean')
    return `(${node}) = ${params.add(JSON.stringify(equals))}::jsonb`;
  throw new UnsupportedWhereError(`the JSON filter ${JSON.stringify(filter)}`);
}

function arrayElement(key: string): string {
  return `"${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function isFilterObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !(value instanceof Date) && !Array.isArray(value);
}

function scalar(value: unknown): unknown {
  if (isFilterObject(value) || Array.isArray(value))
    throw new UnsupportedWhereError(`the value ${JSON.stringify(value)}`);
  return value;
}

function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new UnsupportedWhereError(`${JSON.stringify(value)} where a list was expected`);
  return value.map(scalar);
}
