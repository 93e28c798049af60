import { z } from 'zod';
import { ATTEMPT_OUTCOMES, ENTRY_POINTS } from '../../attempts/attempt';
import type { Prisma } from '../../generated/prisma/client';
import { parseWithSchema } from '../../http/json-body';
import { ProblemCode } from '../../http/problem-code';
import { ProblemError } from '../../http/problem.error';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

const text = (max: number) => z.string().min(1).max(max);
/** A query parameter given once or repeated (`?outcome=a&outcome=b`). */
const repeatable = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((value) => [value].flat() as z.infer<T>[]);
/** ISO 8601: a date-time with its offset, or a date (its UTC midnight). */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value));

/** The filters every report shares: list, export and summary. */
export const auditFilterShape = {
  from: instant.optional(),
  to: instant.optional(),
  actor: text(320).optional(),
  deviceId: text(100).optional(),
  serialNumber: text(200).optional(),
  changeTicket: text(100).optional(),
  outcome: repeatable(z.enum(ATTEMPT_OUTCOMES)).optional(),
  entryPoint: repeatable(z.enum(ENTRY_POINTS)).optional(),
};

export type AuditFilters = z.infer<z.ZodObject<typeof auditFilterShape>>;

/**
 * Reads a report's query string with its schema (the shared filters plus its own parameters). Unknown parameters
 * are refused, so a misspelt filter never silently widens a report.
 */
export function parseAuditQuery<T extends z.ZodType<AuditFilters>>(schema: T, query: unknown): z.infer<T> {
  const parsed = parseWithSchema(schema, query ?? {});
  if (parsed.from && parsed.to && parsed.from >= parsed.to) {
    throw new ProblemError(ProblemCode.InvalidRequest, 'from must be before to.', {
      errors: [{ path: 'from', message: 'must be before to' }],
    });
  }
  return parsed;
}

/** The filters as a Prisma where-clause, ANDed by the caller with the read scope. */
export function auditFiltersToWhere(filters: AuditFilters): Prisma.AttemptWhereInput {
  const clauses: Prisma.AttemptWhereInput[] = [];
  if (filters.from) clauses.push({ receivedAt: { gte: filters.from } });
  if (filters.to) clauses.push({ receivedAt: { lt: filters.to } });
  if (filters.actor)
    clauses.push({ OR: [{ actorOid: filters.actor }, { actorUpn: filters.actor }, { actorAppId: filters.actor }] });
  if (filters.deviceId) clauses.push({ deviceId: filters.deviceId });
  if (filters.serialNumber) clauses.push({ deviceSnapshot: { path: ['serialNumber'], equals: filters.serialNumber } });
  if (filters.changeTicket) clauses.push({ changeTicket: filters.changeTicket });
  if (filters.outcome) clauses.push({ outcome: { in: filters.outcome } });
  if (filters.entryPoint) clauses.push({ entryPoint: { in: filters.entryPoint } });
  return { AND: clauses };
}
