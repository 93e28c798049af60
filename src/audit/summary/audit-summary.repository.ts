import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseConnection } from '../../database/database-connection';
import { DATABASE_CONNECTION } from '../../database/database.providers';
import type { Prisma } from '../../generated/prisma/client';
import { attemptWhereToSql, SqlParameters } from '../scope/attempt-where-sql';

export const SUMMARY_GROUPS = ['outcome', 'actor', 'day', 'groupTag'] as const;
export type SummaryGroup = (typeof SUMMARY_GROUPS)[number];

export interface SummaryBucket {
  /** The outcome, the actor's object id, the UTC day (YYYY-MM-DD) or the device's groupTag; null when unknown. */
  key: string | null;
  count: number;
  /** actor only: the UPN or client app id last seen for that object id. */
  label?: string | null;
}

const KEY: Record<SummaryGroup, string> = {
  outcome: `"outcome"::text`,
  actor: `"actor_oid"`,
  day: `to_char("received_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  groupTag: `("device_snapshot" ->> 'groupTag')`,
};

// Days in calendar order for a time series; the other groups largest first.
const ORDER: Record<SummaryGroup, string> = {
  outcome: '"count" DESC, "key"',
  actor: '"count" DESC, "key"',
  day: '"key"',
  groupTag: '"count" DESC, "key"',
};

/** The statement behind a summary, also run by the benchmark as its floor. */
export function summaryQuery(
  where: Prisma.AttemptWhereInput,
  groupBy: SummaryGroup,
): { text: string; values: unknown[] } {
  const params = new SqlParameters();
  const condition = attemptWhereToSql(where, params);
  const label = groupBy === 'actor' ? `, max(coalesce("actor_upn", "actor_app_id")) AS "label"` : '';
  const text = `SELECT ${KEY[groupBy]} AS "key", count(*)::int AS "count"${label} FROM "attempts" WHERE ${condition} GROUP BY 1 ORDER BY ${ORDER[groupBy]} NULLS LAST`;
  return { text, values: params.values };
}

/** Counts for dashboards and monthly reports; `where` carries the caller's read scope. */
@Injectable()
export class AuditSummaryRepository {
  constructor(@Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection) {}

  async summarise(where: Prisma.AttemptWhereInput, groupBy: SummaryGroup): Promise<SummaryBucket[]> {
    const { text, values } = summaryQuery(where, groupBy);
    return this.database.sql.query<SummaryBucket>(text, values);
  }
}
