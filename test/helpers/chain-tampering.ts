import { ChainSealer, type SealResult } from '../../src/audit/chain/chain-sealer';
import type { SqlExecutor } from '../../src/database/sql-executor';
import type { GateHarness } from './gate-harness';

/**
 * What someone with superuser access to the database could do: changes with the append-only triggers off
 * (session_replication_role = replica, superuser only; on PGlite the one user is a superuser too).
 */
export function asSuperuser<T>(harness: GateHarness, work: (sql: SqlExecutor) => Promise<T>): Promise<T> {
  return harness.gate.database.transaction(async (sql) => {
    await sql.query('SET LOCAL session_replication_role = replica');
    return work(sql);
  });
}

export function sealNow(harness: GateHarness): Promise<SealResult> {
  return harness.gate.app.get(ChainSealer).sealNow();
}

export async function rowAtSeq(sql: SqlExecutor, seq: number): Promise<Record<string, unknown>> {
  const [row] = await sql.query<Record<string, unknown>>('SELECT * FROM attempts WHERE seq = $1', [seq]);
  if (!row) throw new Error(`no attempt at seq ${seq}`);
  return row;
}

/** Puts rows back exactly as they were (chain columns included), e.g. after a test deleted or changed them. */
export async function restoreRows(harness: GateHarness, rows: Record<string, unknown>[]): Promise<void> {
  await asSuperuser(harness, async (sql) => {
    for (const row of rows) {
      await sql.query('DELETE FROM attempts WHERE id = $1', [row.id]);
      const columns = Object.keys(row);
      const values = columns.map((column) => jsonText(row[column]));
      await sql.query(
        `INSERT INTO attempts (${columns.map((column) => `"${column}"`).join(', ')}) VALUES (${columns.map((_, index) => `$${index + 1}`).join(', ')})`,
        values,
      );
    }
  });
}

function jsonText(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) ? JSON.stringify(value) : value;
}
