import type { PGlite } from '@electric-sql/pglite';
import type { QueryResult } from 'pg';

/** Raw SQL over `pg` or PGlite: the migration runner, the readiness probe, the two attempt writes of every request, the audit reports and the chain. */
export interface SqlExecutor {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  /** Several statements in one round trip (simple query protocol), so no parameters. */
  exec(multiStatementSql: string): Promise<void>;
}

/** What `pg`'s Client, PoolClient and Pool have in common. */
interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<QueryResult>;
}

/**
 * Over a Client or a checked-out PoolClient every call shares one session, which session state
 * (the migration runner's advisory lock) needs. Over a Pool each call may land on another
 * connection: fine for self-contained statements such as a readiness probe's or an attempt write.
 */
export function createPgSqlExecutor(connection: PgQueryable): SqlExecutor {
  return {
    async query<T>(text: string, params?: unknown[]): Promise<T[]> {
      const result = await connection.query(text, params);
      return result.rows as T[];
    },
    async exec(multiStatementSql: string): Promise<void> {
      // Without values `pg` sends a simple Query message, which may hold several statements.
      await connection.query(multiStatementSql);
    },
  };
}

/** PGlite is a single session, so it always satisfies what the migration runner needs. */
export function createPgliteSqlExecutor(database: Pick<PGlite, 'query' | 'exec'>): SqlExecutor {
  return {
    async query<T>(text: string, params?: unknown[]): Promise<T[]> {
      const result = await database.query<T>(text, params);
      return result.rows;
    },
    async exec(multiStatementSql: string): Promise<void> {
      await database.exec(multiStatementSql);
    },
  };
}
