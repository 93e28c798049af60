import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openSqlSession } from '../../src/database/database-connection';
import { applyMigrations, readMigrationFiles } from '../../src/database/migration-runner';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';

// With DATABASE_URL (real Postgres) every test file gets its own database, cloned from a template
// migrated once per set of migration files. Without it, a fresh PGlite data directory.

export interface TestDatabase {
  /** Set on real Postgres; without it, open PGlite at dataDir. */
  databaseUrl?: string;
  dataDir: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Skip the migrated template and start from nothing. PGlite data directories always start empty. */
  empty?: boolean;
}

// Any constant unlike Prisma's 72707369: it guards template creation across parallel test workers.
const TEMPLATE_LOCK_KEY = 72707370;

let migratedTemplate: Promise<string> | undefined;

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'autopilot-gate-test-'));
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true });
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    return { dataDir, drop: removeDataDir };
  }
  const template = options.empty ? undefined : await (migratedTemplate ??= ensureMigratedTemplate(serverUrl));
  const name = `autopilot_gate_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (admin) =>
    admin.query(`CREATE DATABASE ${quoteIdentifier(name)}${template ? ` TEMPLATE ${quoteIdentifier(template)}` : ''}`),
  );
  return {
    databaseUrl: databaseUrlFor(serverUrl, name),
    dataDir,
    drop: async () => {
      await withClient(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`));
      await removeDataDir();
    },
  };
}

async function ensureMigratedTemplate(serverUrl: string): Promise<string> {
  const template = `autopilot_gate_template_${await migrationsHash()}`;
  await withClient(serverUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    try {
      const existing = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (existing.rowCount === 0) {
        // Built under another name and renamed when complete, so a crash never leaves a half-migrated template.
        const building = `${template}_building`;
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(building)} WITH (FORCE)`);
        await admin.query(`CREATE DATABASE ${quoteIdentifier(building)}`);
        const session = await openSqlSession({ databaseUrl: databaseUrlFor(serverUrl, building), dataDir: '' });
        try {
          await applyMigrations(session.sql, DEFAULT_MIGRATIONS_DIR);
        } finally {
          await session.close();
        }
        await admin.query(`ALTER DATABASE ${quoteIdentifier(building)} RENAME TO ${quoteIdentifier(template)}`);
      }
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
    }
  });
  return template;
}

async function migrationsHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const migration of await readMigrationFiles(DEFAULT_MIGRATIONS_DIR)) {
    hash.update(`${migration.name}\0${migration.checksum}\n`);
  }
  return hash.digest('hex').slice(0, 12);
}

async function withClient<T>(databaseUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrlFor(serverUrl: string, databaseName: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
