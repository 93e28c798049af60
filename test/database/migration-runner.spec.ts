import { createHash, randomUUID } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlSession, type SqlSession } from '../../src/database/database-connection';
import {
  applyMigrations,
  listPendingMigrations,
  MigrationRefusedError,
  PRISMA_MIGRATE_ADVISORY_LOCK_KEY,
} from '../../src/database/migration-runner';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';
import type { SqlExecutor } from '../../src/database/sql-executor';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

// Runs on PGlite, or on real Postgres when DATABASE_URL is set; the concurrent-replicas case needs
// several connections, which only real Postgres has.

// Dated after every shipped migration, as a new one would be.
const ADD_NOTE = '29991231000000_add_note';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

describe(applyMigrations.name, () => {
  const fixture = useEmptyDatabase();

  it('applies every migration to an empty database and records it as prisma migrate deploy does', async () => {
    const shipped = await shippedMigrationNames();

    expect(await applyMigrations(fixture.sql, DEFAULT_MIGRATIONS_DIR)).toEqual(shipped);

    const rows = await migrationRows(fixture.sql);
    expect(rows.map((row) => row.migration_name)).toEqual(shipped);
    for (const row of rows) {
      const file = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row).toMatchObject({
        id: expect.stringMatching(UUID),
        checksum: createHash('sha256').update(file).digest('hex'),
        finished_at: expect.any(Date),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
  });

  it("creates Prisma's bookkeeping table with the columns its engine creates", async () => {
    await applyMigrations(fixture.sql, DEFAULT_MIGRATIONS_DIR);

    const columns = await fixture.sql.query<{ column: string }>(
      `SELECT concat_ws(' ', column_name, data_type, character_maximum_length, is_nullable, column_default) AS "column"
         FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = '_prisma_migrations'
        ORDER BY ordinal_position`,
    );
    expect(columns.map((row) => row.column)).toEqual([
      'id character varying 36 NO',
      'checksum character varying 64 NO',
      'finished_at timestamp with time zone YES',
      'migration_name character varying 255 NO',
      'logs text YES',
      'rolled_back_at timestamp with time zone YES',
      'started_at timestamp with time zone NO now()',
      'applied_steps_count integer NO 0',
    ]);
  });

  it('applies nothing when run a second time', async () => {
    await applyMigrations(fixture.sql, DEFAULT_MIGRATIONS_DIR);
    const rowsAfterFirstRun = await migrationRows(fixture.sql);

    expect(await applyMigrations(fixture.sql, DEFAULT_MIGRATIONS_DIR)).toEqual([]);
    expect(await migrationRows(fixture.sql)).toEqual(rowsAfterFirstRun);
  });

  it('applies only the migrations added since the last run', async () => {
    const migrationsDir = await fixture.copyOfShippedMigrations();
    await applyMigrations(fixture.sql, migrationsDir);
    await addMigration(migrationsDir, ADD_NOTE, 'ALTER TABLE "attempts" ADD COLUMN "note" TEXT;');

    expect(await applyMigrations(fixture.sql, migrationsDir)).toEqual([ADD_NOTE]);
    expect(await columnExists(fixture.sql, 'attempts', 'note')).toBe(true);
  });

  it('rolls back a failing migration together with its bookkeeping row', async () => {
    const migrationsDir = await fixture.copyOfShippedMigrations();
    await applyMigrations(fixture.sql, migrationsDir);
    await addMigration(
      migrationsDir,
      ADD_NOTE,
      'ALTER TABLE "attempts" ADD COLUMN "note" TEXT;\nSELECT * FROM "no_such_table";',
    );

    await expect(applyMigrations(fixture.sql, migrationsDir)).rejects.toThrow(
      `Migration ${ADD_NOTE} failed and was rolled back`,
    );
    expect(await columnExists(fixture.sql, 'attempts', 'note')).toBe(false);
    expect((await migrationRows(fixture.sql)).map((row) => row.migration_name)).not.toContain(ADD_NOTE);
    expect(await listPendingMigrations(fixture.sql, migrationsDir)).toEqual([ADD_NOTE]);
  });

  it('releases its advisory lock after a run, a failed one included', async () => {
    const migrationsDir = await fixture.copyOfShippedMigrations();
    await applyMigrations(fixture.sql, migrationsDir);
    expect(await heldMigrationLocks(fixture.sql)).toBe(0);

    await addMigration(migrationsDir, ADD_NOTE, 'SELECT * FROM "no_such_table";');
    await expect(applyMigrations(fixture.sql, migrationsDir)).rejects.toThrow();
    expect(await heldMigrationLocks(fixture.sql)).toBe(0);
  });

  it('refuses to run while a migration was started but never finished', async () => {
    const migrationsDir = await fixture.copyOfShippedMigrations();
    await applyMigrations(fixture.sql, migrationsDir);
    await addMigration(migrationsDir, ADD_NOTE, 'ALTER TABLE "attempts" ADD COLUMN "note" TEXT;');
    await insertUnfinishedRow(fixture.sql, ADD_NOTE, { rolledBack: false });

    const run = applyMigrations(fixture.sql, migrationsDir);

    await expect(run).rejects.toBeInstanceOf(MigrationRefusedError);
    await expect(run).rejects.toThrow(`Migration ${ADD_NOTE} was started but never finished`);
    expect(await columnExists(fixture.sql, 'attempts', 'note')).toBe(false);
  });

  it('applies again a migration whose failed attempt was marked rolled back', async () => {
    const migrationsDir = await fixture.copyOfShippedMigrations();
    await applyMigrations(fixture.sql, migrationsDir);
    await addMigration(migrationsDir, ADD_NOTE, 'ALTER TABLE "attempts" ADD COLUMN "note" TEXT;');
    await insertUnfinishedRow(fixture.sql, ADD_NOTE, { rolledBack: true });

    expect(await applyMigrations(fixture.sql, migrationsDir)).toEqual([ADD_NOTE]);
    expect(await columnExists(fixture.sql, 'attempts', 'note')).toBe(true);
  });

  it('refuses to run when an applied migration file was changed, naming it', async () => {
    const migrationsDir = await fixture.copyOfShippedMigrations();
    await applyMigrations(fixture.sql, migrationsDir);
    const [firstMigration] = await shippedMigrationNames();
    await appendFile(path.join(migrationsDir, firstMigration, 'migration.sql'), '\n-- edited after release\n');
    await addMigration(migrationsDir, ADD_NOTE, 'ALTER TABLE "attempts" ADD COLUMN "note" TEXT;');

    const run = applyMigrations(fixture.sql, migrationsDir);

    await expect(run).rejects.toBeInstanceOf(MigrationRefusedError);
    await expect(run).rejects.toThrow(`Migration ${firstMigration} was changed after it was applied`);
    expect(await columnExists(fixture.sql, 'attempts', 'note')).toBe(false);
  });
});

describe(listPendingMigrations.name, () => {
  const fixture = useEmptyDatabase();

  it('lists every migration of a database never migrated, and none once they are applied', async () => {
    expect(await listPendingMigrations(fixture.sql, DEFAULT_MIGRATIONS_DIR)).toEqual(await shippedMigrationNames());

    await applyMigrations(fixture.sql, DEFAULT_MIGRATIONS_DIR);

    expect(await listPendingMigrations(fixture.sql, DEFAULT_MIGRATIONS_DIR)).toEqual([]);
  });
});

describe.runIf(process.env.DATABASE_URL)(
  'applyMigrations with several replicas starting at once (real Postgres only: skipped without DATABASE_URL)',
  () => {
    const fixture = useEmptyDatabase();

    it('applies each migration exactly once', async () => {
      const migrationsDir = await fixture.copyOfShippedMigrations();
      // Slow enough that the other replicas are sure to be waiting on the lock meanwhile.
      await addMigration(
        migrationsDir,
        ADD_NOTE,
        'SELECT pg_sleep(0.5);\nALTER TABLE "attempts" ADD COLUMN "note" TEXT;',
      );
      const replicas = await Promise.all([1, 2, 3].map(() => openSqlSession(fixture.database)));

      try {
        const applied = await Promise.all(replicas.map((replica) => applyMigrations(replica.sql, migrationsDir)));

        const expected = [...(await shippedMigrationNames()), ADD_NOTE];
        expect(applied.flat().sort()).toEqual(expected);
        expect((await migrationRows(fixture.sql)).map((row) => row.migration_name)).toEqual(expected);
      } finally {
        await Promise.all(replicas.map((replica) => replica.close()));
      }
    });
  },
);

/** A fresh empty database and one session on it per test, plus scratch copies of prisma/migrations. */
function useEmptyDatabase() {
  let database: TestDatabase;
  let session: SqlSession;
  const scratchDirs: string[] = [];
  const fixture = {
    get database() {
      return database;
    },
    get sql() {
      return session.sql;
    },
    async copyOfShippedMigrations(): Promise<string> {
      const dir = await mkdtemp(path.join(tmpdir(), 'autopilot-gate-migrations-'));
      scratchDirs.push(dir);
      await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
      return dir;
    },
  };
  beforeEach(async () => {
    database = await createTestDatabase({ empty: true });
    session = await openSqlSession(database);
  });
  afterEach(async () => {
    await session?.close();
    await database?.drop();
    await Promise.all(scratchDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return fixture;
}

async function shippedMigrationNames(): Promise<string[]> {
  const entries = await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

async function addMigration(migrationsDir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(migrationsDir, name));
  await writeFile(path.join(migrationsDir, name, 'migration.sql'), sql);
}

async function migrationRows(sql: SqlExecutor): Promise<MigrationRow[]> {
  return sql.query<MigrationRow>('SELECT * FROM "_prisma_migrations" ORDER BY "migration_name"');
}

/** The row a `prisma migrate deploy` that failed half-way leaves, optionally after `migrate resolve --rolled-back`. */
async function insertUnfinishedRow(
  sql: SqlExecutor,
  name: string,
  { rolledBack }: { rolledBack: boolean },
): Promise<void> {
  await sql.query(
    `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "logs", "rolled_back_at", "applied_steps_count")
     VALUES ($1, $2, $3, 'ERROR: something went wrong', ${rolledBack ? 'now()' : 'NULL'}, 0)`,
    [randomUUID(), '0'.repeat(64), name],
  );
}

async function columnExists(sql: SqlExecutor, table: string, column: string): Promise<boolean> {
  const rows = await sql.query(
    'SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2',
    [table, column],
  );
  return rows.length > 0;
}

async function heldMigrationLocks(sql: SqlExecutor): Promise<number> {
  const rows = await sql.query(
    `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1`,
    [PRISMA_MIGRATE_ADVISORY_LOCK_KEY],
  );
  return rows.length;
}
