import type { Prisma } from '../../generated/prisma/client';

type Where = Prisma.AttemptWhereInput;
type Primitive = string | number | boolean;

/** Attempt fields by how a condition on them translates; a test checks them against schema.prisma. */
export const ATTEMPT_LIST_FIELDS = new Set(['actorRoles']);
export const ATTEMPT_JSON_FIELDS = new Set(['answer', 'deviceSnapshot', 'graphTries', 'ticketSnapshot']);

/** A condition the audit queries cannot apply exactly as CASL does in memory. */
export class UntranslatableConditionError extends Error {}

/**
 * Translates the Mongo-style conditions of one CASL rule on Attempt (the policy file's language) into a Prisma
 * where-clause that selects exactly the rows CASL's own matcher accepts, nulls included: `$ne`/`$nin` also match
 * a null field, as they do in memory. Anything without an exact equivalent is refused rather than approximated,
 * because a wider translation of an inverted rule would show rows the policy forbids.
 */
export function mongoConditionsToPrisma(
  conditions: Readonly<Record<string, unknown>>,
  fields: ReadonlySet<string>,
): Where {
  const clauses = Object.entries(conditions).map(([path, condition]) => translatePath(path, condition, fields));
  return clauses.length === 1 ? clauses[0] : { AND: clauses };
}

function translatePath(path: string, condition: unknown, fields: ReadonlySet<string>): Where {
  const [field, ...jsonPath] = path.split('.');
  if (path.startsWith('$') || !fields.has(field))
    throw new UntranslatableConditionError(`${path} is not a field of Attempt`);
  if (jsonPath.length > 0) {
    if (!ATTEMPT_JSON_FIELDS.has(field)) throw new UntranslatableConditionError(`${field} has no nested fields`);
    return translateJsonPath(field, jsonPath, condition);
  }
  if (ATTEMPT_JSON_FIELDS.has(field))
    throw new UntranslatableConditionError(`${field} can only be matched on a nested field`);
  return ATTEMPT_LIST_FIELDS.has(field) ? translateList(field, condition) : translateScalar(field, condition);
}

function translateScalar(field: string, condition: unknown): Where {
  if (!isOperatorObject(condition)) return { [field]: scalarValue(field, condition) };
  const clauses = Object.entries(condition).map(([operator, value]): Where => {
    switch (operator) {
      case '$eq':
        return { [field]: scalarValue(field, value) };
      case '$ne':
        return value === null
          ? { [field]: { not: null } }
          : { OR: [{ [field]: { not: scalarValue(field, value) } }, { [field]: null }] };
      case '$in': {
        const { values, withNull } = scalarList(field, value);
        return withNull ? { OR: [{ [field]: { in: values } }, { [field]: null }] } : { [field]: { in: values } };
      }
      case '$nin': {
        const { values, withNull } = scalarList(field, value);
        return withNull
          ? { [field]: { notIn: values, not: null } }
          : { OR: [{ [field]: { notIn: values } }, { [field]: null }] };
      }
      default:
        // $lt and friends included: in memory CASL compares a null, or a date with the policy's date string, as
        // "less than" anything, which no SQL comparison reproduces.
        throw new UntranslatableConditionError(`${operator} on ${field}`);
    }
  });
  return clauses.length === 1 ? clauses[0] : { AND: clauses };
}

function translateList(field: string, condition: unknown): Where {
  if (!isOperatorObject(condition)) return { [field]: { has: primitive(field, condition) } };
  const clauses = Object.entries(condition).map(([operator, value]): Where => {
    if (operator === '$eq') return { [field]: { has: primitive(field, value) } };
    if (operator === '$in') return { [field]: { hasSome: primitives(field, value) } };
    if (operator === '$all') return { [field]: { hasEvery: primitives(field, value) } };
    if (operator === '$size' && value === 0) return { [field]: { isEmpty: true } };
    throw new UntranslatableConditionError(`${operator} on the list ${field}`);
  });
  return clauses.length === 1 ? clauses[0] : { AND: clauses };
}

function translateJsonPath(field: string, path: string[], condition: unknown): Where {
  const equalsOne = (value: unknown): Where => ({
    [field]: { path, equals: primitive(`${field}.${path.join('.')}`, value) },
  });
  if (!isOperatorObject(condition)) return equalsOne(condition);
  const clauses = Object.entries(condition).map(([operator, value]): Where => {
    if (operator === '$eq') return equalsOne(value);
    if (operator === '$in') return { OR: primitives(field, value).map(equalsOne) };
    throw new UntranslatableConditionError(`${operator} on ${field}.${path.join('.')}`);
  });
  return clauses.length === 1 ? clauses[0] : { AND: clauses };
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return false;
  const keys = Object.keys(value);
  if (keys.length > 0 && keys.every((key) => key.startsWith('$'))) return true;
  throw new UntranslatableConditionError(`an object value ${JSON.stringify(value)}`);
}

function scalarValue(field: string, value: unknown): Primitive | Date | null {
  return value === null || value instanceof Date ? value : primitive(field, value);
}

function primitive(field: string, value: unknown): Primitive {
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
    return value;
  throw new UntranslatableConditionError(`${field} compared with ${JSON.stringify(value)}`);
}

function primitives(field: string, value: unknown): Primitive[] {
  if (!Array.isArray(value)) throw new UntranslatableConditionError(`${field} needs a list`);
  return value.map((item) => primitive(field, item));
}

function scalarList(field: string, value: unknown): { values: (Primitive | Date)[]; withNull: boolean } {
  if (!Array.isArray(value)) throw new UntranslatableConditionError(`${field} needs a list`);
  const values = value
    .filter((item) => item !== null)
    .map((item) => (item instanceof Date ? item : primitive(field, item)));
  return { values, withNull: values.length < value.length };
}
