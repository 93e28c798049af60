import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseConnection } from '../../database/database-connection';
import { DATABASE_CONNECTION } from '../../database/database.providers';
import type { Prisma } from '../../generated/prisma/client';
import { attemptWhereToSql, SqlParameters } from '../scope/attempt-where-sql';
import { afterPosition, type AttemptPosition } from './attempt-cursor';
import { ATTEMPTS, attemptSelectsOf, CHAINED_ATTEMPTS, type AttemptSelects } from './attempt-selects';

/** An attempt already rendered by Postgres, with where it sits in the reports' order and in the chain. */
export interface RenderedAttempt<T> extends AttemptPosition {
  value: T;
  seq: number | null;
}

interface RenderedRow {
  json?: string;
  cells?: string;
  received_at: Date;
  id: string;
  seq: unknown;
}

/** A page of any report, newest first on (received_at, id): the keyset every page and export batch continues from. */
export function attemptPageQuery(
  where: Prisma.AttemptWhereInput,
  limit: number,
  select: string,
  from = ATTEMPTS,
): { text: string; values: unknown[] } {
  const params = new SqlParameters();
  const condition = attemptWhereToSql(where, params);
  const text = `SELECT ${select} FROM ${from} WHERE ${condition} ORDER BY a."received_at" DESC, a."id" DESC LIMIT ${params.add(limit)}`;
  return { text, values: params.values };
}

/** Reads attempts for the audit reports. `where` always carries the caller's read scope (attemptReadScope). */
@Injectable()
export class AuditAttemptsRepository {
  private selectsOnce?: Promise<AttemptSelects>;

  constructor(@Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection) {}

  /** The attempts after `after`, each as the JSON text of GET /v1/attempts/{attemptId}. */
  async page(
    where: Prisma.AttemptWhereInput,
    limit: number,
    after?: AttemptPosition,
  ): Promise<RenderedAttempt<string>[]> {
    return this.rendered((await this.selects()).json, ATTEMPTS, where, limit, after, (row) => row.json!);
  }

  /** Every matching attempt with its chain members, as JSON text, newest first, one keyset batch at a time. */
  async *chainedBatches(where: Prisma.AttemptWhereInput, batchSize: number): AsyncGenerator<RenderedAttempt<string>[]> {
    const select = (await this.selects()).chainedJson;
    yield* keysetBatches(batchSize, (after) =>
      this.rendered(select, CHAINED_ATTEMPTS, where, batchSize, after, (row) => row.json!),
    );
  }

  /** Every matching attempt as the JSON text of GET /v1/attempts/{attemptId}, one keyset batch at a time. */
  async *jsonBatches(where: Prisma.AttemptWhereInput, batchSize: number): AsyncGenerator<RenderedAttempt<string>[]> {
    const select = (await this.selects()).json;
    yield* keysetBatches(batchSize, (after) =>
      this.rendered(select, ATTEMPTS, where, batchSize, after, (row) => row.json!),
    );
  }

  /** The same attempts as the text of their CSV cells, in `columns()` order. */
  async *csvBatches(where: Prisma.AttemptWhereInput, batchSize: number): AsyncGenerator<RenderedAttempt<string[]>[]> {
    const select = (await this.selects()).csvCells;
    yield* keysetBatches(batchSize, (after) =>
      this.rendered(select, ATTEMPTS, where, batchSize, after, (row) => JSON.parse(row.cells!) as string[]),
    );
  }

  async columns(): Promise<string[]> {
    return (await this.selects()).members;
  }

  /** The columns are read once: the table changes only with a migration, which restarts the service. */
  selects(): Promise<AttemptSelects> {
    this.selectsOnce ??= attemptSelectsOf(this.database.sql);
    return this.selectsOnce;
  }

  private async rendered<T>(
    select: string,
    from: string,
    where: Prisma.AttemptWhereInput,
    limit: number,
    after: AttemptPosition | undefined,
    valueOf: (row: RenderedRow) => T,
  ) {
    const { text, values } = attemptPageQuery(
      after ? { AND: [where, afterPosition(after)] } : where,
      limit,
      select,
      from,
    );
    const rows = await this.database.sql.query<RenderedRow>(text, values);
    return rows.map((row) => ({
      value: valueOf(row),
      receivedAt: row.received_at,
      id: row.id,
      seq: row.seq === null ? null : Number(row.seq),
    }));
  }
}

/**
 * Keyset batches with the next one already asked for while the caller works on the current one, so that Postgres
 * producing rows and this process writing them out overlap instead of taking turns.
 */
async function* keysetBatches<T extends AttemptPosition>(
  batchSize: number,
  fetch: (after?: AttemptPosition) => Promise<T[]>,
): AsyncGenerator<T[]> {
  let pending: Promise<T[]> | undefined = fetch();
  while (pending) {
    const batch: T[] = await pending;
    pending = batch.length === batchSize ? fetch(batch[batch.length - 1]) : undefined;
    if (batch.length > 0) yield batch;
  }
}
