import { Inject, Injectable } from '@nestjs/common';
import type { StoredAttempt } from '../../attempts/attempt';
import type { DatabaseConnection } from '../../database/database-connection';
import { DATABASE_CONNECTION } from '../../database/database.providers';
import type { Prisma } from '../../generated/prisma/client';
import { attemptWhereToSql, SqlParameters } from '../scope/attempt-where-sql';
import { storedAttemptFromRow } from '../stored-attempt-row';
import { afterPosition, type AttemptPosition } from './attempt-cursor';

/** The statement every report reads attempts with: newest first on (received_at, id), the keyset of every page. */
export function attemptPageQuery(where: Prisma.AttemptWhereInput, limit: number): { text: string; values: unknown[] } {
  const params = new SqlParameters();
  const condition = attemptWhereToSql(where, params);
  const text = `SELECT * FROM "attempts" WHERE ${condition} ORDER BY "received_at" DESC, "id" DESC LIMIT ${params.add(limit)}`;
  return { text, values: params.values };
}

/** Reads attempts for the audit reports. `where` always carries the caller's read scope (attemptReadScope). */
@Injectable()
export class AuditAttemptsRepository {
  constructor(@Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection) {}

  async page(where: Prisma.AttemptWhereInput, limit: number, after?: AttemptPosition): Promise<StoredAttempt[]> {
    const { text, values } = attemptPageQuery(after ? { AND: [where, afterPosition(after)] } : where, limit);
    const rows = await this.database.sql.query<Record<string, unknown>>(text, values);
    return rows.map(storedAttemptFromRow);
  }

  /** Every matching attempt, newest first, one keyset page at a time: memory stays at one batch. */
  async *batches(where: Prisma.AttemptWhereInput, batchSize: number): AsyncGenerator<StoredAttempt[]> {
    let after: AttemptPosition | undefined;
    for (;;) {
      const batch = await this.page(where, batchSize, after);
      if (batch.length > 0) yield batch;
      if (batch.length < batchSize) return;
      after = batch[batch.length - 1];
    }
  }
}
