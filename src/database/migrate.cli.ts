import path from 'node:path';
import { openSqlSession } from './database-connection';
import { applyMigrations } from './migration-runner';
import { DEFAULT_MIGRATIONS_DIR } from './migrations-dir';

// `npm run db:migrate`. The one reader of process.env outside src/config: it must work before,
// and without, the application's full configuration.
async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const dataDir = path.resolve(process.env.DATA_DIR || './.data');
  const session = await openSqlSession({ databaseUrl, dataDir });
  try {
    const target = session.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite at ${dataDir}`;
    const applied = await applyMigrations(session.sql, DEFAULT_MIGRATIONS_DIR);
    if (applied.length === 0) {
      console.log(`${target}: no pending migrations.`);
    } else {
      console.log(
        `${target}: applied ${applied.length} migration(s):\n${applied.map((name) => `  ${name}`).join('\n')}`,
      );
    }
  } finally {
    await session.close();
  }
}

main().catch((error: unknown) => {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
