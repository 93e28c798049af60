import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openSqlSession } from '../../src/database/database-connection';
import { applyMigrations, readMigrationFiles } from '../../src/database/migration-runner';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';

// Every test file gets a database of its own, cloned from a template built once per set of migration
// files: with DATABASE_URL (real Postgres) by CREATE DATABASE ... TEMPLATE; without it, by copying a
// PGlite data directory (initialising PGlite takes ~2.5 s, copying its directory ~0.1 s).

export interface TestDatabase {
  /** Set on real Postgres; without it, open PGlite at dataDir. */
  databaseUrl?: string;
  dataDir: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Start from a database without any migration applied, not even the bookkeeping table. */
  empty?: boolean;
}

type TemplateKind = 'empty' | 'migrated';

// Any constant unlike Prisma's 72707369: it guards template creation across parallel test workers.
const POSTGRES_TEMPLATE_LOCK_KEY = 72707370;
// Kept between runs, like the Postgres templates; the names say which PGlite and migrations built them.
const PGLITE_TEMPLATES_DIR = path.join(tmpdir(), 'autopilot-gate-test-templates');

let migratedPostgresTemplate: Promise<string> | undefined;
const pgliteTemplates = new Map<TemplateKind, Promise<string>>();

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const kind: TemplateKind = options.empty ? 'empty' : 'migrated';
  const dataDir = await mkdtemp(path.join(tmpdir(), 'autopilot-gate-test-'));
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true });
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    await cp(await pgliteTemplate(kind), dataDir, { recursive: true });
    return { dataDir, drop: removeDataDir };
  }
  const template =
    kind === 'migrated' ? await (migratedPostgresTemplate ??= ensureMigratedPostgresTemplate(serverUrl)) : undefined;
  const name = `autopilot_gate_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (admin) =>
    admin.query(`CREATE DATABASE ${quoteIdentifier(name)}${template ? ` TEMPLATE ${quoteIdentifier(template)}` : ''}`),
  );
  return {
    databaseUrl: databaseUrlFor(serverUrl, name),
    dataDir,
    drop: async () => {
      await withClient(serverUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
      );
      await removeDataDir();
    },
  };
}

async function ensureMigratedPostgresTemplate(serverUrl: string): Promise<string> {
  const template = `autopilot_gate_template_${await migrationsHash()}`;
  await withClient(serverUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1)', [POSTGRES_TEMPLATE_LOCK_KEY]);
    try {
      const existing = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (existing.rowCount === 0) {
        // Built under another name and renamed when complete, so a crash never leaves a half-migrated template.
        const building = `${template}_building`;
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(building)} WITH (FORCE)`);
        await admin.query(`CREATE DATABASE ${quoteIdentifier(building)}`);
        await migrate({ databaseUrl: databaseUrlFor(serverUrl, building), dataDir: '' });
        await admin.query(`ALTER DATABASE ${quoteIdentifier(building)} RENAME TO ${quoteIdentifier(template)}`);
      }
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [POSTGRES_TEMPLATE_LOCK_KEY]);
    }
  });
  return template;
}

function pgliteTemplate(kind: TemplateKind): Promise<string> {
  let template = pgliteTemplates.get(kind);
  if (!template) {
    template = ensurePgliteTemplate(kind);
    pgliteTemplates.set(kind, template);
  }
  return template;
}

async function ensurePgliteTemplate(kind: TemplateKind): Promise<string> {
  const key = kind === 'empty' ? pgliteVersion() : `${pgliteVersion()}-${await migrationsHash()}`;
  const template = path.join(PGLITE_TEMPLATES_DIR, `pglite-${kind}-${key}`);
  if (await exists(template)) {
    return template;
  }
  // Built aside and renamed into place: parallel workers may both build, and the first rename wins.
  await mkdir(PGLITE_TEMPLATES_DIR, { recursive: true });
  const building = await mkdtemp(path.join(PGLITE_TEMPLATES_DIR, 'building-'));
  try {
    if (kind === 'migrated') {
      await cp(await pgliteTemplate('empty'), building, { recursive: true });
      await migrate({ dataDir: building });
    } else {
      // Opening initialises the data directory; closing shuts PGlite's Postgres down cleanly, so it copies safely.
      await (await openSqlSession({ dataDir: building })).close();
    }
    await rename(building, template);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    if (!(await exists(template))) {
      throw error;
    }
  }
  return template;
}

async function migrate(location: { databaseUrl?: string; dataDir: string }): Promise<void> {
  const session = await openSqlSession(location);
  try {
    await applyMigrations(session.sql, DEFAULT_MIGRATIONS_DIR);
  } finally {
    await session.close();
  }
}

async function migrationsHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const migration of await readMigrationFiles(DEFAULT_MIGRATIONS_DIR)) {
    hash.update(`${migration.name}\0${migration.checksum}\n`);
  }
  return hash.digest('hex').slice(0, 12);
}

function pgliteVersion(): string {
  // The package exports no package.json; its entry point sits in dist/.
  const entry = createRequire(__filename).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
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
