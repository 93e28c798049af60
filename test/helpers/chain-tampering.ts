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

/** The chain as the database holds it: each link with its attempt's row, in seq order. */
export function chainRows(sql: SqlExecutor, fromSeq = 1): Promise<Record<string, unknown>[]> {
  return sql.query(
    `SELECT c.seq AS chain_seq, c.prev_hash AS chain_prev_hash, c.hash AS chain_hash, a.*
       FROM audit_chain c JOIN attempts a ON a.id = c.attempt_id WHERE c.seq >= $1 ORDER BY c.seq`,
    [fromSeq],
  );
}

/** A snapshot of links and attempts from `fromSeq` on, and a way to put them back exactly (rows deleted included). */
export async function snapshotFrom(harness: GateHarness, fromSeq: number): Promise<() => Promise<void>> {
  const links = await harness.gate.database.sql.query<Record<string, unknown>>(
    'SELECT * FROM audit_chain WHERE seq >= $1',
    [fromSeq],
  );
  const attempts = await harness.gate.database.sql.query<Record<string, unknown>>(
    'SELECT a.* FROM attempts a JOIN audit_chain c ON c.attempt_id = a.id WHERE c.seq >= $1',
    [fromSeq],
  );
  const [head] = await harness.gate.database.sql.query<Record<string, unknown>>(
    'SELECT seq, hash FROM audit_chain_head',
  );
  return () =>
    asSuperuser(harness, async (sql) => {
      await sql.query('DELETE FROM audit_chain WHERE seq >= $1', [fromSeq]);
      await sql.query('DELETE FROM attempts WHERE id = ANY($1::uuid[])', [attempts.map((row) => row.id)]);
      for (const row of attempts) await insertRow(sql, 'attempts', row);
      for (const row of links) await insertRow(sql, 'audit_chain', row);
      await sql.query('UPDATE audit_chain_head SET seq = $1, hash = $2', [head.seq, head.hash]);
    });
}

async function insertRow(sql: SqlExecutor, table: string, row: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(row);
  const types = await sql.query<{ column_name: string; data_type: string }>(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
    [table],
  );
  const json = new Set(
    types.filter((type) => type.data_type === 'jsonb' || type.data_type === 'json').map((type) => type.column_name),
  );
  // A JSON column's value goes as JSON text (a list too); a Postgres array column's as the list pg turns into an array.
  const values = columns.map((column) =>
    json.has(column) && row[column] !== null ? JSON.stringify(row[column]) : row[column],
  );
  await sql.query(
    `INSERT INTO ${table} (${columns.map((column) => `"${column}"`).join(', ')}) VALUES (${columns.map((_, index) => `$${index + 1}`).join(', ')})`,
    values,
  );
}
