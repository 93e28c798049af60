import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SqlExecutor } from './sql-executor';

// Applies prisma/migrations the way `prisma migrate deploy` would (its engine cannot run here), keeping
// Prisma's own bookkeeping so the real CLI can take over the same database at any time.

/** The key Prisma's schema engine locks on: our runner and a real `prisma migrate deploy` never interleave. */
export const PRISMA_MIGRATE_ADVISORY_LOCK_KEY = 72707369;

// Prisma's DDL for its bookkeeping table, as its schema engine creates it.
const CREATE_PRISMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

export interface MigrationFile {
  name: string;
  sql: string;
  /** Lowercase hex sha256 of the migration.sql bytes, as Prisma computes it. */
  checksum: string;
}

/** The database's migration history forbids going on; someone has to look at it. */
export class MigrationRefusedError extends Error {
  override readonly name = 'MigrationRefusedError';
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Migration folders holding a migration.sql, in the order Prisma applies them (by name). */
export async function readMigrationFiles(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    const bytes = await readFile(path.join(migrationsDir, name, 'migration.sql')).catch(ignoreMissingFile);
    if (bytes) {
      migrations.push({
        name,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      });
    }
  }
  return migrations;
}

/**
 * Applies every pending migration and returns their names. `sql` must be one session (a pg Client,
 * a checked-out PoolClient or PGlite): the advisory lock that lets several replicas start at once
 * only protects work done on the connection holding it.
 */
export async function applyMigrations(sql: SqlExecutor, migrationsDir: string): Promise<string[]> {
  const migrations = await readMigrationFiles(migrationsDir);
  await sql.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_ADVISORY_LOCK_KEY]);
  try {
    // Only when missing: a least-privilege role (README, "Database role") may read the table but not create in the schema.
    if (!(await bookkeepingTableExists(sql))) await sql.exec(CREATE_PRISMA_MIGRATIONS_TABLE);
    const rows = await readMigrationRows(sql);
    refuseUnfinishedMigrations(rows);
    refuseChangedMigrations(migrations, rows);
    const appliedBefore = new Set(rows.filter(isApplied).map((row) => row.migration_name));
    const appliedNow: string[] = [];
    for (const migration of migrations.filter(({ name }) => !appliedBefore.has(name))) {
      await applyMigration(sql, migration);
      appliedNow.push(migration.name);
    }
    return appliedNow;
  } finally {
    // Only fails when the connection is gone, and a closed session has released the lock already.
    await sql.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_ADVISORY_LOCK_KEY]).catch(() => undefined);
  }
}

/** Names of the migrations not applied yet; every one of them on a database never migrated. */
export async function listPendingMigrations(sql: SqlExecutor, migrationsDir: string): Promise<string[]> {
  const migrations = await readMigrationFiles(migrationsDir);
  const rows = (await bookkeepingTableExists(sql)) ? await readMigrationRows(sql) : [];
  const applied = new Set(rows.filter(isApplied).map((row) => row.migration_name));
  return migrations.map(({ name }) => name).filter((name) => !applied.has(name));
}

async function applyMigration(sql: SqlExecutor, migration: MigrationFile): Promise<void> {
  // One simple-protocol round trip: the schema change and its row commit together or not at all.
  // finished_at uses clock_timestamp() because now() is frozen at the transaction's start.
  const script = [
    'BEGIN;',
    migration.sql,
    ';',
    `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at", "applied_steps_count")
VALUES (${quoteLiteral(randomUUID())}, ${quoteLiteral(migration.checksum)}, clock_timestamp(), ${quoteLiteral(migration.name)}, NULL, NULL, now(), 1);`,
    'COMMIT;',
  ].join('\n');
  try {
    await sql.exec(script);
  } catch (error) {
    // A failed statement leaves the explicit transaction open and aborted until someone rolls it back.
    await sql.exec('ROLLBACK;').catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${migration.name} failed and was rolled back: ${reason}`, { cause: error });
  }
}

async function bookkeepingTableExists(sql: SqlExecutor): Promise<boolean> {
  const [{ exists }] = await sql.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "exists"`,
  );
  return exists;
}

async function readMigrationRows(sql: SqlExecutor): Promise<MigrationRow[]> {
  return sql.query<MigrationRow>(
    'SELECT "migration_name", "checksum", "finished_at", "rolled_back_at" FROM "_prisma_migrations" ORDER BY "started_at"',
  );
}

function isApplied(row: MigrationRow): boolean {
  return row.finished_at !== null && row.rolled_back_at === null;
}

function refuseUnfinishedMigrations(rows: MigrationRow[]): void {
  const unfinished = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
  if (unfinished.length > 0) {
    const names = unfinished.map((row) => row.migration_name).join(', ');
    throw new MigrationRefusedError(
      `Migration ${names} was started but never finished (a failed prisma migrate deploy?). ` +
        'Repair the database, then mark it with `prisma migrate resolve --applied` or `--rolled-back` before starting again.',
    );
  }
}

function refuseChangedMigrations(migrations: MigrationFile[], rows: MigrationRow[]): void {
  const fileChecksums = new Map(migrations.map((migration) => [migration.name, migration.checksum]));
  for (const row of rows.filter(isApplied)) {
    const fileChecksum = fileChecksums.get(row.migration_name);
    // A row without a file is left alone: an older release may run against a database a newer one migrated.
    if (fileChecksum !== undefined && fileChecksum !== row.checksum) {
      throw new MigrationRefusedError(
        `Migration ${row.migration_name} was changed after it was applied (applied checksum ${row.checksum}, ` +
          `file checksum ${fileChecksum}). Restore the applied migration.sql and put the change in a new migration.`,
      );
    }
  }
}

// Values go inline because the simple query protocol takes no parameters; relies on
// standard_conforming_strings (on by default since PostgreSQL 9.1), so only quotes need doubling.
function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function ignoreMissingFile(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return undefined;
  }
  throw error;
}
